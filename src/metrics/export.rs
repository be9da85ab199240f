//! Metric exports: the CSV contract (one row per case × organ) and a JSON summary
//! in the shape of nnU-Net's `summary.json`, both stating convention, surface
//! definition and tolerances.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{LabelMetrics, MetricsSettings};

/// Formats a metric value for CSV: shortest round-trip decimal, `nan`, `inf`.
pub fn csv_number(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x}")
    }
}

/// Formats a tolerance for a column name: `1` → `nsd_1mm`, `0.5` → `nsd_0.5mm`.
pub fn nsd_column(tolerance: f64) -> String {
    format!("nsd_{}mm", csv_number(tolerance))
}

/// The CSV header for these settings.
pub fn csv_header(settings: &MetricsSettings) -> String {
    let mut cols: Vec<String> = [
        "case",
        "label_id",
        "label_name",
        "convention",
        "reference_ml",
        "prediction_ml",
        "dice",
        "iou",
        "hd_mm",
        "hd95_mm",
        "assd_mm",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cols.extend(settings.tolerances.iter().map(|&t| nsd_column(t)));
    if settings.convention == super::Convention::Flare22 {
        cols.push("nsd_flare22".into());
    }
    cols.push("status".into());
    cols.join(",")
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One CSV row.
pub fn csv_row(case: &str, m: &LabelMetrics, settings: &MetricsSettings) -> String {
    let mut fields = vec![
        csv_field(case),
        m.label_id.to_string(),
        csv_field(&m.label_name),
        settings.convention.as_str().to_string(),
        csv_number(m.reference_ml),
        csv_number(m.prediction_ml),
        csv_number(m.dice),
        csv_number(m.iou),
        csv_number(m.hd_mm),
        csv_number(m.hd95_mm),
        csv_number(m.assd_mm),
    ];
    fields.extend(m.nsd.iter().map(|&(_, v)| csv_number(v)));
    if let Some((_, v)) = m.nsd_organ {
        fields.push(csv_number(v));
    }
    fields.push(m.status.as_str().to_string());
    fields.join(",")
}

/// One organ's numbers in the JSON summary (NaN written as null).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrganEntry {
    /// Organ name.
    pub name: String,
    /// Metric name → value.
    pub values: BTreeMap<String, Option<f64>>,
    /// ok, both_absent, absent_in_reference, absent_in_prediction.
    pub status: String,
}

/// One case in the JSON summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseEntry {
    /// Case name.
    pub case: String,
    /// Reference file.
    pub reference_file: String,
    /// Prediction file.
    pub prediction_file: String,
    /// Label id → metrics.
    pub metrics: BTreeMap<u16, OrganEntry>,
}

/// The dataset summary (nnU-Net `summary.json` shape plus the settings and hallucinations).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Empty-mask convention.
    pub convention: String,
    /// Surface definition.
    pub surface_definition: String,
    /// NSD tolerances (mm).
    pub tolerances_mm: Vec<f64>,
    /// Every case, sorted by name.
    pub metric_per_case: Vec<CaseEntry>,
    /// Label id → metric → mean over cases where it is defined (NaN excluded).
    pub mean: BTreeMap<u16, BTreeMap<String, Option<f64>>>,
    /// Metric → mean over labels of the per-label means.
    pub foreground_mean: BTreeMap<String, Option<f64>>,
    /// Label id → number of cases where the organ was predicted but absent from the reference.
    pub hallucinations: BTreeMap<u16, usize>,
    /// Files that could not be paired, with reasons.
    pub unpaired: Vec<String>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The summary entry of one case.
pub fn case_entry(
    case: &str,
    reference_file: &str,
    prediction_file: &str,
    labels: &[LabelMetrics],
) -> CaseEntry {
    let metrics = labels
        .iter()
        .map(|m| {
            let mut values = BTreeMap::new();
            for (k, v) in [
                ("Dice", m.dice),
                ("IoU", m.iou),
                ("HD_mm", m.hd_mm),
                ("HD95_mm", m.hd95_mm),
                ("ASSD_mm", m.assd_mm),
                ("reference_ml", m.reference_ml),
                ("prediction_ml", m.prediction_ml),
                ("n_ref", m.counts.reference as f64),
                ("n_pred", m.counts.prediction as f64),
                ("TP", m.counts.both as f64),
                ("FP", m.counts.false_positives() as f64),
                ("FN", m.counts.false_negatives() as f64),
            ] {
                values.insert(k.to_string(), finite(v));
            }
            for &(t, v) in &m.nsd {
                values.insert(nsd_column(t), finite(v));
            }
            if let Some((_, v)) = m.nsd_organ {
                values.insert("nsd_flare22".into(), finite(v));
            }
            (
                m.label_id,
                OrganEntry {
                    name: m.label_name.clone(),
                    values,
                    status: m.status.as_str().to_string(),
                },
            )
        })
        .collect();
    CaseEntry {
        case: case.into(),
        reference_file: reference_file.into(),
        prediction_file: prediction_file.into(),
        metrics,
    }
}

impl Summary {
    /// Builds the summary from case entries (sorted here, so shards merge to the same result).
    pub fn build(
        settings_convention: &str,
        surface: &str,
        tolerances: &[f64],
        mut cases: Vec<CaseEntry>,
        mut unpaired: Vec<String>,
    ) -> Summary {
        cases.sort_by(|a, b| a.case.cmp(&b.case));
        unpaired.sort();
        let mut sums: BTreeMap<u16, BTreeMap<String, (f64, usize)>> = BTreeMap::new();
        let mut hallucinations: BTreeMap<u16, usize> = BTreeMap::new();
        for case in &cases {
            for (&id, organ) in &case.metrics {
                if organ.status == "absent_in_reference" {
                    *hallucinations.entry(id).or_default() += 1;
                }
                let per_label = sums.entry(id).or_default();
                for (metric, value) in &organ.values {
                    let slot = per_label.entry(metric.clone()).or_insert((0.0, 0));
                    if let Some(v) = value {
                        slot.0 += v;
                        slot.1 += 1;
                    }
                }
            }
        }
        let mean: BTreeMap<u16, BTreeMap<String, Option<f64>>> = sums
            .into_iter()
            .map(|(id, metrics)| {
                (
                    id,
                    metrics
                        .into_iter()
                        .map(|(k, (s, n))| (k, (n > 0).then(|| s / n as f64)))
                        .collect(),
                )
            })
            .collect();
        let mut fg: BTreeMap<String, (f64, usize)> = BTreeMap::new();
        for metrics in mean.values() {
            for (k, v) in metrics {
                let slot = fg.entry(k.clone()).or_insert((0.0, 0));
                if let Some(v) = v {
                    slot.0 += v;
                    slot.1 += 1;
                }
            }
        }
        let foreground_mean = fg
            .into_iter()
            .map(|(k, (s, n))| (k, (n > 0).then(|| s / n as f64)))
            .collect();
        Summary {
            convention: settings_convention.into(),
            surface_definition: surface.into(),
            tolerances_mm: tolerances.to_vec(),
            metric_per_case: cases,
            mean,
            foreground_mean,
            hallucinations,
            unpaired,
        }
    }
}
