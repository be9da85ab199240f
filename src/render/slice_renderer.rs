//! The slice pipeline and the GPU resources of one case: each volume uploaded once
//! as a 3D texture, organ colours in a palette texture, one small uniform per view.

use bytemuck::{Pod, Zeroable};

use super::bricks::{self, Brick};
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
                let scaling = textures.scaling[textures.active];
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

/// The textures of one brick (the whole volume unless it exceeds a 3D texture).
struct BrickTextures {
    brick: Brick,
    /// One texture per image channel.
    intensity: Vec<wgpu::TextureView>,
    reference: wgpu::TextureView,
    /// One texture per prediction (a placeholder when the case has none).
    predictions: Vec<wgpu::TextureView>,
    /// The brick's `Brick` uniform (owned and stored boxes), written once.
    uniform: wgpu::Buffer,
}

/// The `Brick` uniform block of `shaders/slice.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct GpuBrick {
    owned_lo: [f32; 4],
    owned_hi: [f32; 4],
    stored_lo: [i32; 4],
    stored_last: [i32; 4],
}

impl GpuBrick {
    fn new(b: &Brick) -> Self {
        let f = |v: [u32; 3]| [v[0] as f32, v[1] as f32, v[2] as f32, 0.0];
        let i = |v: [u32; 3]| [v[0] as i32, v[1] as i32, v[2] as i32, 0];
        GpuBrick {
            owned_lo: f(b.owned_lo),
            owned_hi: f(b.owned_hi),
            stored_lo: i(b.stored_lo),
            stored_last: i(b.stored_size.map(|s| s.saturating_sub(1))),
        }
    }
}

/// The textures of one case on the GPU.
pub struct CaseTextures {
    /// The volume's bricks, each with a texture per image channel and per label layer.
    bricks: Vec<BrickTextures>,
    /// scl_slope/scl_inter per image channel.
    scaling: Vec<[f32; 2]>,
    /// The channel the views show.
    active: usize,
    /// The prediction the views show.
    active_prediction: usize,
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

/// Writes `slices` z-slices starting at `z0` of a texture whose x-y plane is `plane`.
fn write_slab(
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    plane: [u32; 2],
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
            bytes_per_row: Some(plane[0] * bytes_per_voxel),
            rows_per_image: Some(plane[1]),
        },
        wgpu::Extent3d {
            width: plane[0],
            height: plane[1],
            depth_or_array_layers: slices,
        },
    );
}

/// Slabs of about 16 MiB keep the temporary conversion buffers small.
const SLAB_BYTES: usize = 16 << 20;

/// Uploads the stored box of `brick` from a volume (x fastest) into a new texture.
fn upload_brick<T: Copy, U: Pod>(
    (device, queue): (&wgpu::Device, &wgpu::Queue),
    (name, format): (&str, wgpu::TextureFormat),
    volume: &[T],
    dims: [u32; 3],
    brick: &Brick,
    convert: impl Fn(T) -> U,
    uploaded: &mut u64,
) -> wgpu::TextureView {
    let texture = texture_3d(device, name, brick.stored_size, format);
    let size = std::mem::size_of::<U>();
    let plane = [brick.stored_size[0], brick.stored_size[1]];
    bricks::for_each_slab(
        volume,
        dims,
        brick,
        SLAB_BYTES / size,
        convert,
        |z0, slices, data| {
            let bytes: &[u8] = bytemuck::cast_slice(data);
            write_slab(queue, &texture, plane, z0, slices, bytes, size as u32);
            *uploaded += bytes.len() as u64;
        },
    );
    texture.create_view(&Default::default())
}

impl CaseTextures {
    /// Uploads every image channel, the label maps (absent ones as a 1-voxel
    /// placeholder) and the palette, in bricks when the volume exceeds the
    /// device's largest 3D texture. All images must share one grid (a `Case` does).
    pub fn upload(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        images: &[&Volume],
        reference: Option<&LabelMap>,
        predictions: &[&LabelMap],
        labels: &LabelTable,
    ) -> Result<Self, RenderError> {
        let max = device.limits().max_texture_dimension_3d;
        Self::upload_in_bricks(device, queue, images, reference, predictions, labels, max)
    }

    /// Uploads a case: its images, reference, and either every prediction (`None`)
    /// or only prediction `Some(n)`.
    pub fn upload_case(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        case: &crate::case::Case,
        prediction: Option<usize>,
        labels: &LabelTable,
    ) -> Result<Self, RenderError> {
        let images: Vec<&Volume> = case.images.iter().map(|(_, v)| v).collect();
        let predictions: Vec<&LabelMap> = match prediction {
            None => case.predictions.iter().map(|(_, m)| m).collect(),
            Some(n) => case
                .predictions
                .get(n)
                .map(|(_, m)| m)
                .into_iter()
                .collect(),
        };
        Self::upload(
            device,
            queue,
            &images,
            case.reference.as_ref(),
            &predictions,
            labels,
        )
    }

    /// As [`CaseTextures::upload`], with textures at most `max_side` voxels per side
    /// (tests and benchmarks use a small value to exercise bricking on real cases).
    pub fn upload_in_bricks(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        images: &[&Volume],
        reference: Option<&LabelMap>,
        predictions: &[&LabelMap],
        labels: &LabelTable,
        max_side: u32,
    ) -> Result<Self, RenderError> {
        // The grid: the first image's, else (label maps alone) the reference's.
        let Some(grid) = images
            .first()
            .map(|v| &v.geometry)
            .or(reference.map(|m| &m.geometry))
            .or(predictions.first().map(|m| &m.geometry))
        else {
            return Err(RenderError::Gpu(
                "a case needs an image or a label map to display".into(),
            ));
        };
        let shape = grid.shape;
        let max = max_side.min(device.limits().max_texture_dimension_3d);
        if shape.iter().any(|&s| s == 0 || s > u32::MAX as usize) || max == 0 {
            return Err(RenderError::BadShape { shape, max });
        }
        let dims = shape.map(|s| s as u32);
        let mut uploaded = 0u64;
        let placeholder = {
            let t = texture_3d(
                device,
                "absent labels",
                [1, 1, 1],
                wgpu::TextureFormat::R8Uint,
            );
            write_slab(queue, &t, [1, 1], 0, 1, &[0], 1);
            t.create_view(&Default::default())
        };
        let mut upload_labels = |map: Option<&LabelMap>, name: &str, brick: &Brick| {
            let Some(map) = map else {
                return placeholder.clone();
            };
            // Ids stay integers on the GPU, in the map's own width.
            macro_rules! ids {
                ($a:expr, $format:expr) => {
                    upload_brick(
                        (device, queue),
                        (name, $format),
                        $a.as_slice_memory_order()
                            .expect("label maps are contiguous (built by segscope)"),
                        dims,
                        brick,
                        |v| v,
                        &mut uploaded,
                    )
                };
            }
            match &map.voxels {
                LabelVoxels::U8(a) => ids!(a, wgpu::TextureFormat::R8Uint),
                LabelVoxels::U16(a) => ids!(a, wgpu::TextureFormat::R16Uint),
            }
        };
        let mut textures = Vec::new();
        for brick in bricks::layout(dims, max) {
            let reference_view = upload_labels(reference, "reference labels", &brick);
            let mut prediction_views: Vec<wgpu::TextureView> = predictions
                .iter()
                .map(|p| upload_labels(Some(p), "prediction labels", &brick))
                .collect();
            if prediction_views.is_empty() {
                prediction_views.push(upload_labels(None, "prediction labels", &brick));
            }
            textures.push((brick, reference_view, prediction_views, Vec::new()));
        }
        if images.is_empty() {
            // Label maps alone: one zero voxel, drawn with a zero slope (never read).
            for (_, _, _, intensity) in &mut textures {
                let t = texture_3d(device, "no image", [1, 1, 1], wgpu::TextureFormat::R32Float);
                write_slab(queue, &t, [1, 1], 0, 1, bytemuck::bytes_of(&0.0f32), 4);
                intensity.push(t.create_view(&Default::default()));
            }
        }
        for image in images {
            for (brick, _, _, intensity) in &mut textures {
                let view = with_voxels!(&image.data, a => {
                    let values = a.as_slice_memory_order().expect("volumes are contiguous (built by segscope)");
                    let format = ("intensity", wgpu::TextureFormat::R32Float);
                    upload_brick((device, queue), format, values, dims, brick,
                        |v| crate::volume::Voxel::to_f64(v) as f32, &mut uploaded)
                });
                intensity.push(view);
            }
        }
        let bricks = textures
            .into_iter()
            .map(|(brick, reference, predictions, intensity)| {
                let uniform = device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("brick"),
                    size: std::mem::size_of::<GpuBrick>() as u64,
                    usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                queue.write_buffer(&uniform, 0, bytemuck::bytes_of(&GpuBrick::new(&brick)));
                BrickTextures {
                    brick,
                    intensity,
                    reference,
                    predictions,
                    uniform,
                }
            })
            .collect();
        let mut scaling: Vec<[f32; 2]> = images
            .iter()
            .map(|image| {
                image
                    .scaling
                    .map_or([1.0, 0.0], |s| [s.slope as f32, s.inter as f32])
            })
            .collect();
        if scaling.is_empty() {
            scaling.push([0.0, 0.0]);
        }
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
            bricks,
            scaling,
            active: 0,
            active_prediction: 0,
            palette_texture,
            palette,
            dims,
            has_reference: reference.is_some(),
            has_prediction: !predictions.is_empty(),
            uploaded_bytes: uploaded,
        };
        out.set_palette(queue, labels, &|_| true);
        Ok(out)
    }

    /// How many bricks the volume was split into (1 when it fits one texture).
    pub fn brick_count(&self) -> usize {
        self.bricks.len()
    }

    /// Shows image channel `index` (textures stay resident; rebind the views after).
    pub fn set_active_image(&mut self, index: usize) {
        self.active = index.min(self.scaling.len().saturating_sub(1));
    }

    /// Shows prediction `index` (all stay resident; rebind the views after).
    pub fn set_active_prediction(&mut self, index: usize) {
        let count = self.bricks.first().map_or(1, |b| b.predictions.len());
        self.active_prediction = index.min(count.saturating_sub(1));
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
        let uniform = |binding: u32| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("slice bindings"),
            entries: &[
                uniform(0),
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
                uniform(5),
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

    /// Binds a view's uniform to a case's textures: one bind group per brick.
    pub fn bind_groups(
        &self,
        device: &wgpu::Device,
        uniform: &wgpu::Buffer,
        textures: &CaseTextures,
    ) -> ViewBindings {
        let groups = textures
            .bricks
            .iter()
            .map(|b| {
                let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("slice view"),
                    layout: &self.layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: uniform.as_entire_binding(),
                        },
                        view(1, &b.intensity[textures.active]),
                        view(2, &b.reference),
                        view(3, &b.predictions[textures.active_prediction]),
                        view(4, &textures.palette),
                        wgpu::BindGroupEntry {
                            binding: 5,
                            resource: b.uniform.as_entire_binding(),
                        },
                    ],
                });
                (b.brick, group)
            })
            .collect();
        ViewBindings { groups }
    }

    /// Draws one view into the pass's current viewport: once per brick the view
    /// crosses (each draw paints the pixels of the voxels its brick owns).
    pub fn draw(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        bindings: &ViewBindings,
        mapping: &ViewMapping,
    ) {
        pass.set_pipeline(&self.pipeline);
        let (lo, hi) = bricks::view_bounds(mapping);
        let mut drawn = false;
        for (brick, group) in &bindings.groups {
            if brick.touches(lo, hi) {
                pass.set_bind_group(0, group, &[]);
                pass.draw(0..3, 0..1);
                drawn = true;
            }
        }
        // A view wholly outside the volume still paints its black background.
        if !drawn && let Some((_, group)) = bindings.groups.first() {
            pass.set_bind_group(0, group, &[]);
            pass.draw(0..3, 0..1);
        }
    }
}

/// A bind group entry for a texture view.
fn view(binding: u32, view: &wgpu::TextureView) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::TextureView(view),
    }
}

/// A view's bind groups, one per brick of the case.
pub struct ViewBindings {
    groups: Vec<(Brick, wgpu::BindGroup)>,
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
