//! The voxel element types segscope keeps in memory, and the array that holds
//! whichever one a file uses.

use ndarray::{Array3, ShapeBuilder};

use super::header::DiskType;

/// A scalar voxel type that can be read straight from file bytes.
pub trait Voxel: bytemuck::Pod + Default + Send + Sync + PartialOrd + 'static {
    /// The on-disk type this element corresponds to.
    const DISK_TYPE: DiskType;
    /// Reverses the byte order (for files written on a machine of the other endianness).
    fn swap_bytes(self) -> Self;
    /// The value as f64 (exact for every supported type but u64, which is not supported).
    fn to_f64(self) -> f64;
}

macro_rules! int_voxel {
    ($t:ty, $d:ident) => {
        impl Voxel for $t {
            const DISK_TYPE: DiskType = DiskType::$d;
            #[inline]
            fn swap_bytes(self) -> Self {
                <$t>::swap_bytes(self)
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    };
}
int_voxel!(u8, U8);
int_voxel!(i8, I8);
int_voxel!(u16, U16);
int_voxel!(i16, I16);
int_voxel!(u32, U32);
int_voxel!(i32, I32);

macro_rules! float_voxel {
    ($t:ty, $d:ident) => {
        impl Voxel for $t {
            const DISK_TYPE: DiskType = DiskType::$d;
            #[inline]
            fn swap_bytes(self) -> Self {
                <$t>::from_bits(self.to_bits().swap_bytes())
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    };
}
float_voxel!(f32, F32);
float_voxel!(f64, F64);

/// Voxels in their native type, in NIfTI (Fortran) order: `a[[i, j, k]]`.
#[derive(Debug, Clone, PartialEq)]
pub enum VoxelData {
    /// uint8 voxels.
    U8(Array3<u8>),
    /// int8 voxels.
    I8(Array3<i8>),
    /// uint16 voxels.
    U16(Array3<u16>),
    /// int16 voxels (typical CT).
    I16(Array3<i16>),
    /// uint32 voxels.
    U32(Array3<u32>),
    /// int32 voxels.
    I32(Array3<i32>),
    /// float32 voxels.
    F32(Array3<f32>),
    /// float64 voxels.
    F64(Array3<f64>),
}

/// Calls `$body` with `$a` bound to the typed array inside a [`VoxelData`].
#[macro_export]
macro_rules! with_voxels {
    ($data:expr, $a:ident => $body:expr) => {
        match $data {
            $crate::volume::VoxelData::U8($a) => $body,
            $crate::volume::VoxelData::I8($a) => $body,
            $crate::volume::VoxelData::U16($a) => $body,
            $crate::volume::VoxelData::I16($a) => $body,
            $crate::volume::VoxelData::U32($a) => $body,
            $crate::volume::VoxelData::I32($a) => $body,
            $crate::volume::VoxelData::F32($a) => $body,
            $crate::volume::VoxelData::F64($a) => $body,
        }
    };
}

impl VoxelData {
    /// Wraps a flat vector in NIfTI order (`i` fastest) as an array of `shape`.
    ///
    /// # Panics
    /// Never for vectors made by the reader, which sizes them from `shape`.
    pub fn from_vec<T: Voxel>(shape: [usize; 3], values: Vec<T>) -> Array3<T> {
        Array3::from_shape_vec((shape[0], shape[1], shape[2]).f(), values)
            .expect("voxel vector length equals the product of the shape")
    }

    /// The element type in memory.
    pub fn dtype(&self) -> DiskType {
        match self {
            VoxelData::U8(_) => DiskType::U8,
            VoxelData::I8(_) => DiskType::I8,
            VoxelData::U16(_) => DiskType::U16,
            VoxelData::I16(_) => DiskType::I16,
            VoxelData::U32(_) => DiskType::U32,
            VoxelData::I32(_) => DiskType::I32,
            VoxelData::F32(_) => DiskType::F32,
            VoxelData::F64(_) => DiskType::F64,
        }
    }

    /// Array shape (i, j, k).
    pub fn shape(&self) -> [usize; 3] {
        with_voxels!(self, a => { let s = a.shape(); [s[0], s[1], s[2]] })
    }

    /// Bytes the voxels occupy in memory.
    pub fn memory_bytes(&self) -> usize {
        with_voxels!(self, a => array_bytes(a))
    }

    /// The stored value at (i, j, k) as f64, unscaled.
    pub fn get_f64(&self, ijk: [usize; 3]) -> Option<f64> {
        with_voxels!(self, a => a.get(ijk).map(|v| v.to_f64()))
    }
}

fn array_bytes<T>(a: &Array3<T>) -> usize {
    a.len() * std::mem::size_of::<T>()
}
