//! The paint callback that draws a view with the renderer, and the GPU resources
//! it finds in egui-wgpu's callback resources.

use egui_wgpu::wgpu;

use crate::render::slice_renderer::{GpuParams, ViewBindings};
use crate::render::{CaseTextures, SlicePipeline, ViewParams};

/// Number of views that can be on screen at once.
pub const VIEW_SLOTS: usize = 3;

/// Everything the views draw with, kept in egui-wgpu's callback resources.
pub struct ViewerGpu {
    /// The slice pipeline for the window's surface format.
    pub pipeline: SlicePipeline,
    /// The open case's textures, once uploaded.
    pub textures: Option<CaseTextures>,
    /// One uniform buffer per view: every `prepare` runs before any `paint`.
    uniforms: Vec<wgpu::Buffer>,
    bind_groups: Vec<Option<ViewBindings>>,
}

impl ViewerGpu {
    /// Pipeline and per-view uniforms; no case yet.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let pipeline = SlicePipeline::new(device, format);
        let uniforms = (0..VIEW_SLOTS)
            .map(|_| pipeline.uniform_buffer(device))
            .collect();
        ViewerGpu {
            pipeline,
            textures: None,
            uniforms,
            bind_groups: (0..VIEW_SLOTS).map(|_| None).collect(),
        }
    }

    /// Installs a case's textures and rebinds the views to them.
    pub fn set_textures(&mut self, device: &wgpu::Device, textures: CaseTextures) {
        self.textures = Some(textures);
        self.rebind(device);
    }

    /// Shows another image channel: no upload, only new bindings.
    pub fn set_active_image(&mut self, device: &wgpu::Device, index: usize) {
        if let Some(t) = &mut self.textures {
            t.set_active_image(index);
        }
        self.rebind(device);
    }

    /// Shows another prediction: no upload, only new bindings.
    pub fn set_active_prediction(&mut self, device: &wgpu::Device, index: usize) {
        if let Some(t) = &mut self.textures {
            t.set_active_prediction(index);
        }
        self.rebind(device);
    }

    fn rebind(&mut self, device: &wgpu::Device) {
        if let Some(textures) = &self.textures {
            self.bind_groups = self
                .uniforms
                .iter()
                .map(|u| Some(self.pipeline.bind_groups(device, u, textures)))
                .collect();
        }
    }
}

/// One view's draw: its slot and parameters.
pub struct ViewCallback {
    /// Which uniform slot.
    pub slot: usize,
    /// What to draw.
    pub params: ViewParams,
    /// Size of the view in physical pixels.
    pub size: [f32; 2],
}

impl egui_wgpu::CallbackTrait for ViewCallback {
    fn prepare(
        &self,
        _device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(gpu) = resources.get::<ViewerGpu>()
            && let Some(textures) = &gpu.textures
        {
            // Only this small uniform changes when the slice, zoom or window changes.
            queue.write_buffer(
                &gpu.uniforms[self.slot],
                0,
                bytemuck::bytes_of(&GpuParams::new(&self.params, textures, self.size)),
            );
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        if let Some(gpu) = resources.get::<ViewerGpu>()
            && let Some(Some(bindings)) = gpu.bind_groups.get(self.slot)
        {
            gpu.pipeline.draw(pass, bindings, &self.params.mapping);
        }
    }
}
