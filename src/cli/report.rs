//! What `segscope info` says about one file, as a struct that prints as text or JSON.

use serde::Serialize;

use crate::labels::LabelTable;
use crate::volume::geometry::{fmt_num, fmt_shape, fmt_vec};
use crate::volume::{LabelMap, LabelVoxels, NiftiVersion, SourceFile, Volume};

/// Everything `info` reports about a file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    path: String,
    format: &'static str,
    compressed: bool,
    shape: [usize; 3],
    spacing: [f64; 3],
    spatial_unit: &'static str,
    dtype_on_disk: &'static str,
    dtype_in_memory: &'static str,
    scl_slope: f64,
    scl_inter: f64,
    scaling_applied: bool,
    affine_source: String,
    affine: [[f64; 4]; 4],
    orientation: String,
    oblique_degrees: Option<f64>,
    memory_bytes: usize,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    intensity: Option<IntensityReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<LabelsReport>,
}

/// Intensity range of an image.
#[derive(Debug, Serialize)]
pub struct IntensityReport {
    min: Option<f64>,
    max: Option<f64>,
    nan_voxels: u64,
    inf_voxels: u64,
}

/// Label ids of a label map.
#[derive(Debug, Serialize)]
pub struct LabelsReport {
    names_from: String,
    present: Vec<LabelRow>,
    absent_named: Vec<LabelRow>,
}

/// One label id.
#[derive(Debug, Serialize)]
pub struct LabelRow {
    id: u16,
    name: String,
    voxels: u64,
    ml: f64,
}

fn common(
    source: &SourceFile,
    geometry: &crate::volume::Geometry,
    kind: &'static str,
    memory_dtype: &'static str,
    memory_bytes: usize,
    scaled: bool,
) -> FileReport {
    FileReport {
        path: source.path.display().to_string(),
        format: match source.version {
            NiftiVersion::Nifti1 => "NIfTI-1",
            NiftiVersion::Nifti2 => "NIfTI-2",
        },
        compressed: source.compressed,
        shape: geometry.shape,
        spacing: geometry.spacing,
        spatial_unit: source.spatial_unit,
        dtype_on_disk: source.disk_type.name(),
        dtype_in_memory: memory_dtype,
        scl_slope: source.scl.0,
        scl_inter: source.scl.1,
        scaling_applied: scaled,
        affine_source: geometry.source.to_string(),
        affine: geometry.affine,
        orientation: geometry.orientation_code(),
        oblique_degrees: geometry.is_oblique().then(|| geometry.obliquity_degrees()),
        memory_bytes,
        kind,
        intensity: None,
        labels: None,
    }
}

/// Report for an intensity image.
pub fn image_report(v: &Volume) -> FileReport {
    let mut r = common(
        &v.source,
        &v.geometry,
        "image",
        v.data.dtype().name(),
        v.data.memory_bytes(),
        v.scaling.is_some(),
    );
    let s = v.intensity_stats();
    let finite = |x: f64| x.is_finite().then_some(x);
    r.intensity = Some(IntensityReport {
        min: finite(s.min),
        max: finite(s.max),
        nan_voxels: s.nan_count,
        inf_voxels: s.inf_count,
    });
    r
}

/// Report for a label map, with names from `table`.
pub fn label_report(m: &LabelMap, table: &LabelTable) -> FileReport {
    let dtype = match m.voxels {
        LabelVoxels::U8(_) => "uint8",
        LabelVoxels::U16(_) => "uint16",
    };
    let scaled = m.source.scl.0 != 0.0 && (m.source.scl.0 != 1.0 || m.source.scl.1 != 0.0);
    let mut r = common(
        &m.source,
        &m.geometry,
        "label map",
        dtype,
        m.voxels.memory_bytes(),
        scaled,
    );
    let ml = m.geometry.voxel_volume_ml();
    let present: Vec<LabelRow> = m
        .present_labels()
        .into_iter()
        .map(|(id, voxels)| LabelRow {
            id,
            name: table.name(id),
            voxels,
            ml: voxels as f64 * ml,
        })
        .collect();
    let absent_named = table
        .iter()
        .filter(|(id, _)| !present.iter().any(|p| p.id == *id))
        .map(|(id, e)| LabelRow {
            id,
            name: e.name.clone(),
            voxels: 0,
            ml: 0.0,
        })
        .collect();
    let names_from = if table.is_empty() {
        "none (generic names)".to_string()
    } else {
        table.source.clone()
    };
    r.labels = Some(LabelsReport {
        names_from,
        present,
        absent_named,
    });
    r
}

impl FileReport {
    /// Human-readable text, one fact per line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut line = |key: &str, value: String| out.push_str(&format!("  {key:<12}{value}\n"));
        line(
            "file",
            format!(
                "{}{}",
                self.format,
                if self.compressed {
                    ", gzip-compressed"
                } else {
                    ""
                }
            ),
        );
        line("shape", format!("{} voxels", fmt_shape(&self.shape)));
        line(
            "spacing",
            format!(
                "{} × {} × {} {}",
                fmt_num(self.spacing[0]),
                fmt_num(self.spacing[1]),
                fmt_num(self.spacing[2]),
                self.spatial_unit
            ),
        );
        let scaling = if self.scaling_applied {
            format!(
                "scl_slope {}, scl_inter {} (applied)",
                fmt_num(self.scl_slope),
                fmt_num(self.scl_inter)
            )
        } else {
            format!(
                "scl_slope {}, scl_inter {} (no scaling)",
                fmt_num(self.scl_slope),
                fmt_num(self.scl_inter)
            )
        };
        line(
            "dtype",
            format!(
                "{} on disk, {} in memory ({}); {scaling}",
                self.dtype_on_disk,
                self.dtype_in_memory,
                human_bytes(self.memory_bytes)
            ),
        );
        line("affine", format!("from {}", self.affine_source));
        for row in &self.affine[..3] {
            line(
                "",
                format!(
                    "[{:>10} {:>10} {:>10} {:>10} ]",
                    fmt_num(row[0]),
                    fmt_num(row[1]),
                    fmt_num(row[2]),
                    fmt_num(row[3])
                ),
            );
        }
        let origin = [self.affine[0][3], self.affine[1][3], self.affine[2][3]];
        let mut orientation = format!(
            "{} (voxel (0,0,0) at {} mm RAS)",
            self.orientation,
            fmt_vec(&origin)
        );
        if let Some(deg) = self.oblique_degrees {
            orientation.push_str(&format!(
                "; OBLIQUE by {deg:.2}°: displayed along the closest axes, not resampled"
            ));
        }
        line("orientation", orientation);
        if let Some(i) = &self.intensity {
            let range = match (i.min, i.max) {
                (Some(a), Some(b)) => format!("{} … {}", fmt_num(a), fmt_num(b)),
                _ => "no finite values".into(),
            };
            let mut text = format!("image, intensity {range}");
            if i.nan_voxels + i.inf_voxels > 0 {
                text.push_str(&format!(
                    "; WARNING {} NaN and {} ±Inf voxels",
                    i.nan_voxels, i.inf_voxels
                ));
            }
            line("kind", text);
        }
        if let Some(l) = &self.labels {
            line(
                "kind",
                format!(
                    "label map, {} labels present; names from {}",
                    l.present.len(),
                    l.names_from
                ),
            );
            out.push_str(&format!(
                "  {:>6}  {:<32} {:>12} {:>11}\n",
                "id", "name", "voxels", "ml"
            ));
            for row in &l.present {
                out.push_str(&format!(
                    "  {:>6}  {:<32} {:>12} {:>11.3}\n",
                    row.id, row.name, row.voxels, row.ml
                ));
            }
            if !l.absent_named.is_empty() {
                let names: Vec<String> = l
                    .absent_named
                    .iter()
                    .map(|r| format!("{} {}", r.id, r.name))
                    .collect();
                if names.len() <= 30 {
                    out.push_str(&format!("  absent: {}\n", names.join(", ")));
                } else {
                    out.push_str(&format!(
                        "  absent: {} named labels not in this file\n",
                        names.len()
                    ));
                }
            }
        }
        out
    }
}

fn human_bytes(n: usize) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else {
        format!("{:.1} kB", n / 1e3)
    }
}
