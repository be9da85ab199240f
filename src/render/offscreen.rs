//! Drawing views into an offscreen texture of any size and reading the pixels back
//! (tests, figures, benchmarks).

use super::gpu::{GpuContext, RenderError, catching};
use super::slice_renderer::{CaseTextures, GpuParams, SlicePipeline, ViewParams};

/// The offscreen target format (linear 8-bit RGBA: pixel values equal shader outputs).
pub const OFFSCREEN_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// Renders one view at `width × height` and returns its RGBA pixels.
pub fn render_view(
    gpu: &GpuContext,
    pipeline: &SlicePipeline,
    textures: &CaseTextures,
    params: &ViewParams,
    width: u32,
    height: u32,
) -> Result<image::RgbaImage, RenderError> {
    let device = &gpu.device;
    catching(device, || {
        let target = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("offscreen view"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: OFFSCREEN_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = target.create_view(&Default::default());
        let uniform = pipeline.uniform_buffer(device);
        gpu.queue.write_buffer(
            &uniform,
            0,
            bytemuck::bytes_of(&GpuParams::new(
                params,
                textures,
                [width as f32, height as f32],
            )),
        );
        let bindings = pipeline.bind_groups(device, &uniform, textures);
        // Rows of a texture-to-buffer copy are padded to 256 bytes.
        let padded_row = (width * 4).div_ceil(256) * 256;
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: u64::from(padded_row) * u64::from(height),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("offscreen"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("offscreen view"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            pipeline.draw(&mut pass, &bindings, &params.mapping);
        }
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &target,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row),
                    rows_per_image: Some(height),
                },
            },
            wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
        );
        gpu.queue.submit([encoder.finish()]);
        readback
    })
    .and_then(|readback| read_pixels(gpu, &readback, width, height))
}

fn read_pixels(
    gpu: &GpuContext,
    buffer: &wgpu::Buffer,
    width: u32,
    height: u32,
) -> Result<image::RgbaImage, RenderError> {
    let (tx, rx) = std::sync::mpsc::channel();
    buffer.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    gpu.device
        .poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: None,
        })
        .map_err(|e| RenderError::Readback(e.to_string()))?;
    rx.recv()
        .map_err(|e| RenderError::Readback(e.to_string()))?
        .map_err(|e| RenderError::Readback(e.to_string()))?;
    let padded_row = ((width * 4).div_ceil(256) * 256) as usize;
    let data = buffer
        .get_mapped_range(..)
        .map_err(|e| RenderError::Readback(format!("{e:?}")))?;
    let mut pixels = Vec::with_capacity((width * height * 4) as usize);
    for row in data.chunks(padded_row).take(height as usize) {
        pixels.extend_from_slice(&row[..(width * 4) as usize]);
    }
    drop(data);
    buffer.unmap();
    image::RgbaImage::from_raw(width, height, pixels)
        .ok_or_else(|| RenderError::Readback("pixel count mismatch".into()))
}
