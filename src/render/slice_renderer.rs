//! The slice pipeline and the GPU resources of one case: each volume uploaded once
//! as a 3D texture, organ colours in a palette texture, one small uniform per view.

use bytemuck::{Pod, Zeroable};

use super::gpu::RenderError;
use super::view::ViewMapping;
use crate::labels::LabelTable;
use crate::volume::{LabelMap, LabelVoxels, Volume, VoxelData};
use crate::with_voxels;

/// How a label layer is drawn.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerStyle {
    /// Fill opacity 0..1.
    pub fill: f32,
    /// Outline opacity 0..1 (0 = no outline).
    pub outline: f32,
    /// Whether the layer is drawn at all.
    pub shown: bool,
}

/// Layers as fill/outline, or the TP/FP/FN difference of reference and prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DisplayMode {
    /// Reference and prediction drawn with their own styles.
    Layers,
    /// Agreement tinted in the organ colour; misses red, additions blue, confusions yellow.
    Difference,
}

/// Everything a view's uniform says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewParams {
    /// Screen → voxel mapping.
    pub mapping: ViewMapping,
    /// Window centre and width, in real (scaled) intensity units.
    pub window: [f64; 2],
    /// Reference layer style.
    pub reference: LayerStyle,
    /// Prediction layer style.
    pub prediction: LayerStyle,
    /// Outline width in screen pixels.
    pub outline_px: f32,
    /// Layers or difference.
    pub mode: DisplayMode,
    /// Interpolate intensity trilinearly (labels are always nearest).
    pub smooth: bool,
}

/// The uniform block of `shaders/slice.wgsl` (`Params`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct GpuParams {
    origin: [f32; 4],
    axis_u: [f32; 4],
    axis_v: [f32; 4],
    dims: [f32; 4],
    window: [f32; 4],
    reference_style: [f32; 4],
    prediction_style: [f32; 4],
    screen: [f32; 4],
}

impl GpuParams {
    /// Packs a view for the shader; `size` is the view's size in pixels.
    pub fn new(params: &ViewParams, textures: &CaseTextures, size: [f32; 2]) -> Self {
        let m = &params.mapping;
        let v3 = |v: [f64; 3]| [v[0] as f32, v[1] as f32, v[2] as f32, 0.0];
        let style = |s: LayerStyle, present: bool| {
            [
                s.fill,
                s.outline,
                f32::from(u8::from(s.shown && present)),
                f32::from(u8::from(present)),
            ]
        };
        GpuParams {
            origin: v3(m.origin),
            axis_u: v3(m.axis_u),
            axis_v: v3(m.axis_v),
            dims: [
                textures.dims[0] as f32,
                textures.dims[1] as f32,
                textures.dims[2] as f32,
                if params.smooth { 1.0 } else { 0.0 },
            ],
            window: {
                let scaling = textures.intensity[textures.active].1;
                [
                    params.window[0] as f32,
                    params.window[1] as f32,
                    scaling[0],
                    scaling[1],
                ]
            },
            reference_style: style(params.reference, textures.has_reference),
            prediction_style: style(params.prediction, textures.has_prediction),
            screen: [
                size[0],
                size[1],
                params.outline_px,
                if params.mode == DisplayMode::Difference {
                    1.0
                } else {
                    0.0
                },
            ],
        }
    }
}

/// The textures of one case on the GPU.
pub struct CaseTextures {
    /// One texture per image channel, with its scl_slope/scl_inter.
    intensity: Vec<(wgpu::TextureView, [f32; 2])>,
    /// The channel the views show.
    active: usize,
    reference: wgpu::TextureView,
    prediction: wgpu::TextureView,
    palette_texture: wgpu::Texture,
    palette: wgpu::TextureView,
    /// Volume shape in voxels.
    pub dims: [u32; 3],
    /// A reference layer was uploaded.
    pub has_reference: bool,
    /// A prediction layer was uploaded.
    pub has_prediction: bool,
    /// Bytes uploaded so far, for the "changing slice uploads nothing" benchmark.
    pub uploaded_bytes: u64,
}

fn texture_3d(
    device: &wgpu::Device,
    label: &str,
    dims: [u32; 3],
    format: wgpu::TextureFormat,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: dims[0],
            height: dims[1],
            depth_or_array_layers: dims[2],
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D3,
        format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// Writes `slices` z-slices starting at `z0`.
fn write_slab(
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    dims: [u32; 3],
    z0: u32,
    slices: u32,
    bytes: &[u8],
    bytes_per_voxel: u32,
) {
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d { x: 0, y: 0, z: z0 },
            aspect: wgpu::TextureAspect::All,
        },
        bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(dims[0] * bytes_per_voxel),
            rows_per_image: Some(dims[1]),
        },
        wgpu::Extent3d {
            width: dims[0],
            height: dims[1],
            depth_or_array_layers: slices,
        },
    );
}

/// Slabs of about 16 MiB keep the temporary conversion buffers small.
const SLAB_BYTES: usize = 16 << 20;

impl CaseTextures {
    /// Uploads every image channel, the label maps (absent ones as a 1-voxel
    /// placeholder) and the palette. All images must share one grid (a `Case` does).
    pub fn upload(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        images: &[&Volume],
        reference: Option<&LabelMap>,
        prediction: Option<&LabelMap>,
        labels: &LabelTable,
    ) -> Result<Self, RenderError> {
        let Some(first) = images.first() else {
            return Err(RenderError::Gpu(
                "a case needs at least one image to display".into(),
            ));
        };
        let shape = first.geometry.shape;
        let max = device.limits().max_texture_dimension_3d;
        if shape.iter().any(|&s| s > max as usize) {
            return Err(RenderError::TooLarge { shape, max });
        }
        let dims = shape.map(|s| s as u32);
        let mut uploaded = 0u64;
        let plane = shape[0] * shape[1];
        let slab = (SLAB_BYTES / (plane * 4)).max(1);
        let mut intensity = Vec::with_capacity(images.len());
        for image in images {
            let texture = texture_3d(device, "intensity", dims, wgpu::TextureFormat::R32Float);
            with_voxels!(&image.data, a => {
                let values = a.as_slice_memory_order().expect("volumes are contiguous (built by segscope)");
                for (n, chunk) in values.chunks(slab * plane).enumerate() {
                    let floats: Vec<f32> = chunk.iter().map(|v| crate::volume::Voxel::to_f64(*v) as f32).collect();
                    write_slab(queue, &texture, dims, (n * slab) as u32, (chunk.len() / plane) as u32, bytemuck::cast_slice(&floats), 4);
                    uploaded += floats.len() as u64 * 4;
                }
            });
            let scaling = image
                .scaling
                .map_or([1.0, 0.0], |s| [s.slope as f32, s.inter as f32]);
            intensity.push((texture.create_view(&Default::default()), scaling));
        }
        let mut label_texture = |map: Option<&LabelMap>, name: &str| -> wgpu::TextureView {
            let Some(map) = map else {
                let t = texture_3d(device, name, [1, 1, 1], wgpu::TextureFormat::R8Uint);
                write_slab(queue, &t, [1, 1, 1], 0, 1, &[0], 1);
                return t.create_view(&Default::default());
            };
            let t = match &map.voxels {
                LabelVoxels::U8(a) => {
                    let t = texture_3d(device, name, dims, wgpu::TextureFormat::R8Uint);
                    let data = a
                        .as_slice_memory_order()
                        .expect("label maps are contiguous (built by segscope)");
                    write_slab(queue, &t, dims, 0, dims[2], data, 1);
                    uploaded += data.len() as u64;
                    t
                }
                LabelVoxels::U16(a) => {
                    let t = texture_3d(device, name, dims, wgpu::TextureFormat::R16Uint);
                    let data = a
                        .as_slice_memory_order()
                        .expect("label maps are contiguous (built by segscope)");
                    write_slab(queue, &t, dims, 0, dims[2], bytemuck::cast_slice(data), 2);
                    uploaded += data.len() as u64 * 2;
                    t
                }
            };
            t.create_view(&Default::default())
        };
        let reference_view = label_texture(reference, "reference labels");
        let prediction_view = label_texture(prediction, "prediction labels");
        let palette_texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("palette"),
            size: wgpu::Extent3d {
                width: 256,
                height: 256,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let palette = palette_texture.create_view(&Default::default());
        let mut out = CaseTextures {
            intensity,
            active: 0,
            reference: reference_view,
            prediction: prediction_view,
            palette_texture,
            palette,
            dims,
            has_reference: reference.is_some(),
            has_prediction: prediction.is_some(),
            uploaded_bytes: uploaded,
        };
        out.set_palette(queue, labels, &|_| true);
        Ok(out)
    }

    /// Shows image channel `index` (textures stay resident; rebind the views after).
    pub fn set_active_image(&mut self, index: usize) {
        self.active = index.min(self.intensity.len() - 1);
    }

    /// Rewrites the 256 KiB palette: colour per id, alpha 0 for hidden organs.
    pub fn set_palette(
        &mut self,
        queue: &wgpu::Queue,
        labels: &LabelTable,
        visible: &dyn Fn(u16) -> bool,
    ) {
        let mut rgba = vec![0u8; 256 * 256 * 4];
        for id in 1..=u16::MAX {
            let c = labels.color(id);
            let shown = visible(id) && labels.get(id).is_none_or(|e| e.visible);
            let at = usize::from(id) * 4;
            rgba[at..at + 4].copy_from_slice(&[c[0], c[1], c[2], if shown { c[3] } else { 0 }]);
        }
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.palette_texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(256 * 4),
                rows_per_image: Some(256),
            },
            wgpu::Extent3d {
                width: 256,
                height: 256,
                depth_or_array_layers: 1,
            },
        );
        self.uploaded_bytes += rgba.len() as u64;
    }
}

/// The render pipeline of `shaders/slice.wgsl` for one target format.
pub struct SlicePipeline {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
}

impl SlicePipeline {
    /// Compiles the shader and builds the pipeline.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("slice.wgsl"),
            source: wgpu::ShaderSource::Wgsl(include_str!("../../shaders/slice.wgsl").into()),
        });
        let texture =
            |binding: u32,
             sample_type: wgpu::TextureSampleType,
             dim: wgpu::TextureViewDimension| wgpu::BindGroupLayoutEntry {
                binding,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type,
                    view_dimension: dim,
                    multisampled: false,
                },
                count: None,
            };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("slice bindings"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                texture(
                    1,
                    wgpu::TextureSampleType::Float { filterable: false },
                    wgpu::TextureViewDimension::D3,
                ),
                texture(
                    2,
                    wgpu::TextureSampleType::Uint,
                    wgpu::TextureViewDimension::D3,
                ),
                texture(
                    3,
                    wgpu::TextureSampleType::Uint,
                    wgpu::TextureViewDimension::D3,
                ),
                texture(
                    4,
                    wgpu::TextureSampleType::Float { filterable: false },
                    wgpu::TextureViewDimension::D2,
                ),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("slice"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("slice"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        SlicePipeline { pipeline, layout }
    }

    /// A uniform buffer for one view (each view needs its own: all `prepare`s run before any `paint`).
    pub fn uniform_buffer(&self, device: &wgpu::Device) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("view params"),
            size: std::mem::size_of::<GpuParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Binds a view's uniform to a case's textures.
    pub fn bind_group(
        &self,
        device: &wgpu::Device,
        uniform: &wgpu::Buffer,
        textures: &CaseTextures,
    ) -> wgpu::BindGroup {
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("slice view"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(
                        &textures.intensity[textures.active].0,
                    ),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&textures.reference),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::TextureView(&textures.prediction),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: wgpu::BindingResource::TextureView(&textures.palette),
                },
            ],
        })
    }

    /// Draws one view into the pass's current viewport.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, bind_group: &wgpu::BindGroup) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

/// Percentile window for MR and other images without a CT scale: (centre, width)
/// covering the 0.5–99.5 % range of the values (sampled, for speed).
pub fn percentile_window(image: &Volume) -> [f64; 2] {
    let mut sample: Vec<f64> = with_voxels!(&image.data, a => {
        let s = a.as_slice_memory_order().expect("volumes are contiguous (built by segscope)");
        let step = (s.len() / 200_000).max(1);
        s.iter().step_by(step).map(|v| crate::volume::Voxel::to_f64(*v)).filter(|v| v.is_finite()).collect()
    });
    if sample.is_empty() {
        return [0.0, 1.0];
    }
    sample.sort_by(f64::total_cmp);
    let at = |q: f64| sample[((sample.len() - 1) as f64 * q).round() as usize];
    let scale = |v: f64| image.scaling.map_or(v, |s| s.apply(v));
    let (lo, hi) = (scale(at(0.005)), scale(at(0.995)));
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    [(lo + hi) / 2.0, (hi - lo).max(1e-6)]
}

/// True for voxel types a CT scanner writes (integers with a HU range that reaches air).
pub fn looks_like_ct(image: &Volume) -> bool {
    let s = image.intensity_stats();
    !matches!(image.data, VoxelData::F32(_) | VoxelData::F64(_))
        && s.min <= -500.0
        && s.max >= 100.0
}
