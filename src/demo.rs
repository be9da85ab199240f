//! The built-in demo: an abdominal phantom that segscope generates itself (no
//! patient data ships with the program), with a reference segmentation and a
//! prediction that fails in the ways real models do.

use std::path::PathBuf;

use crate::case::Case;
use crate::volume::{
    DiskType, Geometry, LabelMap, LabelVoxels, NiftiVersion, SourceFile, Volume, VoxelData,
};

/// Phantom grid: 160×128×80 voxels of 1.5×1.5×2.5 mm, RAS.
const SHAPE: [usize; 3] = [160, 128, 80];
const SPACING: [f64; 3] = [1.5, 1.5, 2.5];

/// An organ as an axis-aligned ellipsoid in mm (centre relative to the grid centre, RAS).
struct Organ {
    id: u8,
    centre: [f64; 3],
    radii: [f64; 3],
    hu: i16,
}

/// WORD ids, placed where they sit in a patient (x: +right, y: +anterior, z: +superior).
const ORGANS: [Organ; 8] = [
    Organ {
        id: 1,
        centre: [45.0, 5.0, 15.0],
        radii: [55.0, 45.0, 45.0],
        hu: 60,
    },
    Organ {
        id: 2,
        centre: [-60.0, -30.0, 20.0],
        radii: [22.0, 30.0, 35.0],
        hu: 50,
    },
    Organ {
        id: 3,
        centre: [-45.0, -45.0, -20.0],
        radii: [18.0, 18.0, 35.0],
        hu: 150,
    },
    Organ {
        id: 4,
        centre: [45.0, -45.0, -30.0],
        radii: [18.0, 18.0, 35.0],
        hu: 150,
    },
    Organ {
        id: 5,
        centre: [-30.0, 30.0, 20.0],
        radii: [30.0, 20.0, 30.0],
        hu: 20,
    },
    Organ {
        id: 6,
        centre: [35.0, 30.0, -10.0],
        radii: [10.0, 10.0, 15.0],
        hu: 10,
    },
    Organ {
        id: 8,
        centre: [-10.0, -5.0, -5.0],
        radii: [35.0, 8.0, 8.0],
        hu: 45,
    },
    Organ {
        id: 14,
        centre: [0.0, 20.0, -80.0],
        radii: [25.0, 20.0, 18.0],
        hu: 10,
    },
];

/// The phantom's voxel-to-world affine (RAS, centred on the origin).
pub fn geometry() -> Geometry {
    let mut affine = [[0.0; 4]; 4];
    for a in 0..3 {
        affine[a][a] = SPACING[a];
        affine[a][3] = -(SHAPE[a] as f64 - 1.0) / 2.0 * SPACING[a];
    }
    affine[3][3] = 1.0;
    Geometry::new(SHAPE, affine)
}

fn source(name: &str, disk_type: DiskType) -> SourceFile {
    SourceFile {
        path: PathBuf::from(format!("demo:{name}")),
        version: NiftiVersion::Nifti1,
        compressed: false,
        disk_type,
        scl: (1.0, 0.0),
        spatial_unit: "mm",
        description: "segscope demo phantom".into(),
        extensions: Vec::new(),
        intent_code: 0,
    }
}

/// Deterministic pseudo-random noise per voxel (SplitMix64 of the index): no patterns.
fn noise_hash(i: usize, j: usize, k: usize) -> u64 {
    let mut z = (i as u64) | ((j as u64) << 21) | ((k as u64) << 42);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn inside(o: &Organ, p: [f64; 3], shift: [f64; 3], scale: f64) -> bool {
    (0..3)
        .map(|a| ((p[a] - o.centre[a] - shift[a]) / (o.radii[a] * scale)).powi(2))
        .sum::<f64>()
        <= 1.0
}

/// Builds the demo case: a CT-like int16 image, its reference, and one prediction
/// with a shifted liver, an under-segmented spleen, a missed right kidney, an
/// over-segmented stomach and a false-positive gallbladder island.
pub fn phantom_case() -> Case {
    let g = geometry();
    let n = g.voxel_count();
    let mut image = Vec::with_capacity(n);
    let mut reference = Vec::with_capacity(n);
    let mut prediction = Vec::with_capacity(n);
    for k in 0..SHAPE[2] {
        for j in 0..SHAPE[1] {
            for i in 0..SHAPE[0] {
                let p = g.voxel_to_world([i as f64, j as f64, k as f64]);
                let body = (p[0] / 115.0).powi(2) + (p[1] / 90.0).powi(2) <= 1.0;
                let spine = (p[0] / 14.0).powi(2) + ((p[1] + 70.0) / 14.0).powi(2) <= 1.0;
                let organ = ORGANS.iter().find(|o| inside(o, p, [0.0; 3], 1.0));
                let noise = (noise_hash(i, j, k) % 41) as i16 - 20;
                let hu = match (body, spine, organ) {
                    (false, _, _) => -1000,
                    (true, true, _) => 700,
                    (true, false, Some(o)) => o.hu,
                    (true, false, None) => -80,
                };
                image.push(hu + noise);
                reference.push(organ.map_or(0, |o| o.id));
                let predicted = ORGANS.iter().find(|o| match o.id {
                    1 => inside(o, p, [6.0, 0.0, 5.0], 1.0),
                    2 => inside(o, p, [0.0; 3], 0.8),
                    4 => false,
                    5 => inside(o, p, [0.0; 3], 1.2),
                    _ => inside(o, p, [0.0; 3], 1.0),
                });
                let island = ((p[0] + 20.0) / 8.0).powi(2)
                    + ((p[1] - 45.0) / 8.0).powi(2)
                    + ((p[2] + 30.0) / 8.0).powi(2)
                    <= 1.0;
                prediction.push(if island {
                    6
                } else {
                    predicted.map_or(0, |o| o.id)
                });
            }
        }
    }
    let labels = |name: &str, v: Vec<u8>| LabelMap {
        source: source(name, DiskType::U8),
        geometry: g.clone(),
        voxels: LabelVoxels::U8(VoxelData::from_vec(SHAPE, v)),
    };
    Case {
        name: "demo phantom".into(),
        images: vec![(
            "CT".into(),
            Volume {
                source: source("image", DiskType::I16),
                geometry: g.clone(),
                data: VoxelData::I16(VoxelData::from_vec(SHAPE, image)),
                scaling: None,
            },
        )],
        reference: Some(labels("reference", reference)),
        predictions: vec![("prediction".into(), labels("prediction", prediction))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_liver_is_on_the_patient_right() {
        let case = phantom_case();
        let reference = case.reference.as_ref().unwrap();
        let g = &reference.geometry;
        let (mut sum_x, mut count) = (0.0, 0.0);
        let LabelVoxels::U8(a) = &reference.voxels else {
            panic!("u8 phantom")
        };
        for ((i, j, k), &v) in a.indexed_iter() {
            if v == 1 {
                sum_x += g.voxel_to_world([i as f64, j as f64, k as f64])[0];
                count += 1.0;
            }
        }
        assert!(count > 10_000.0);
        assert!(sum_x / count > 20.0, "liver centroid x = {}", sum_x / count);
    }

    #[test]
    fn the_prediction_differs_where_it_should() {
        let case = phantom_case();
        let reference = case.reference.as_ref().unwrap().present_labels();
        let prediction = case.predictions[0].1.present_labels();
        assert!(reference.iter().any(|&(id, _)| id == 4));
        assert!(
            !prediction.iter().any(|&(id, _)| id == 4),
            "right kidney is missed"
        );
        assert_eq!(reference.len(), 8);
        assert!(case.grid_mismatches().is_empty());
    }
}
