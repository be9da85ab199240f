//! The wgpu device: requested with the adapter's real limits (3D textures as large
//! as the hardware allows), with validation errors caught instead of panicking.

/// Why rendering could not start or failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No GPU adapter (hardware or software Vulkan) was found.
    #[error("no GPU adapter found ({0}); install a Vulkan driver (e.g. mesa-vulkan-drivers)")]
    NoAdapter(String),
    /// The adapter refused the device.
    #[error("the GPU refused to create a device: {0}")]
    Device(String),
    /// A volume that no set of 3D textures can hold (an empty side, or a side past u32).
    #[error("volume {shape:?} cannot be put in 3D textures of at most {max} voxels per side")]
    BadShape {
        /// Volume shape.
        shape: [usize; 3],
        /// `max_texture_dimension_3d`.
        max: u32,
    },
    /// wgpu reported a validation or out-of-memory error.
    #[error("GPU error: {0}")]
    Gpu(String),
    /// Reading the rendered image back failed.
    #[error("could not read the rendered image back: {0}")]
    Readback(String),
}

/// A device and queue for headless rendering (tests, figures, benchmarks).
pub struct GpuContext {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// What adapter it runs on (for logs and skip messages).
    pub adapter_info: wgpu::AdapterInfo,
}

/// The features segscope uses when the adapter has them (none are required).
pub fn wanted_features(adapter: &wgpu::Adapter) -> wgpu::Features {
    adapter.features() & wgpu::Features::FLOAT32_FILTERABLE
}

impl GpuContext {
    /// Opens the first adapter wgpu finds (honours `WGPU_BACKEND`), with its full limits.
    pub fn headless() -> Result<Self, RenderError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter =
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
                .map_err(|e| RenderError::NoAdapter(e.to_string()))?;
        let adapter_info = adapter.get_info();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("segscope headless"),
            required_features: wanted_features(&adapter),
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .map_err(|e| RenderError::Device(e.to_string()))?;
        Ok(GpuContext {
            device,
            queue,
            adapter_info,
        })
    }
}

/// Runs `f` inside a validation + out-of-memory error scope and reports what it caught.
pub fn catching<T>(device: &wgpu::Device, f: impl FnOnce() -> T) -> Result<T, RenderError> {
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let out = f();
    let oom = pollster::block_on(memory.pop());
    let invalid = pollster::block_on(validation.pop());
    match (invalid, oom) {
        (Some(e), _) | (None, Some(e)) => Err(RenderError::Gpu(e.to_string())),
        (None, None) => Ok(out),
    }
}
