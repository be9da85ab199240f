//! Empty-mask conventions: how the field's evaluation protocols define a metric
//! when an organ is missing from the reference, the prediction, or both.

use serde::{Deserialize, Serialize};

use super::surface::SurfaceDefinition;
use crate::labels::normalize_name;

/// A named evaluation protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// nnU-Net: both empty → NaN (excluded from means); one empty → Dice 0, distances NaN, NSD 0.
    #[default]
    Nnunet,
    /// WORD: either empty → Dice 0, HD95 50 mm; MedPy surfaces.
    Word,
    /// FLARE22: both empty → Dice and NSD 1; one empty → 0; per-organ NSD tolerances.
    Flare22,
}

/// Which masks are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Present in both.
    Ok,
    /// In neither (e.g. an organ removed by surgery and correctly not predicted).
    BothAbsent,
    /// Predicted but not in the reference: an organ hallucination.
    AbsentInReference,
    /// In the reference but not predicted: a missed organ.
    AbsentInPrediction,
}

impl Status {
    /// From voxel counts.
    pub fn from_counts(reference: u64, prediction: u64) -> Self {
        match (reference > 0, prediction > 0) {
            (true, true) => Status::Ok,
            (false, false) => Status::BothAbsent,
            (false, true) => Status::AbsentInReference,
            (true, false) => Status::AbsentInPrediction,
        }
    }

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::BothAbsent => "both_absent",
            Status::AbsentInReference => "absent_in_reference",
            Status::AbsentInPrediction => "absent_in_prediction",
        }
    }
}

/// WORD's value for distances when a mask is empty.
pub const WORD_EMPTY_DISTANCE_MM: f64 = 50.0;

/// FLARE22's NSD tolerance (mm) per organ, matched by name.
const FLARE22_TOLERANCES: [(&str, f64); 9] = [
    ("liver", 5.0),
    ("spleen", 3.0),
    ("pancreas", 5.0),
    ("aorta", 2.0),
    ("inferiorvenacava", 2.0),
    ("ivc", 2.0),
    ("gallbladder", 2.0),
    ("esophagus", 3.0),
    ("stomach", 5.0),
];

impl Convention {
    /// The surface definition the protocol's published numbers used.
    pub fn default_surface(self) -> SurfaceDefinition {
        match self {
            Convention::Word => SurfaceDefinition::Medpy,
            Convention::Nnunet | Convention::Flare22 => SurfaceDefinition::Deepmind,
        }
    }

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Convention::Nnunet => "nnunet",
            Convention::Word => "word",
            Convention::Flare22 => "flare22",
        }
    }

    /// FLARE22's NSD tolerance for an organ name (adrenals 2 mm, duodenum 7 mm, …).
    pub fn flare22_tolerance(name: &str) -> Option<f64> {
        let key = normalize_name(name);
        if key.contains("adrenal") {
            return Some(2.0);
        }
        if key.contains("duodenum") {
            return Some(7.0);
        }
        if key.contains("kidney") {
            return Some(3.0);
        }
        FLARE22_TOLERANCES
            .iter()
            .find(|(n, _)| key == *n || key.starts_with(n))
            .map(|&(_, t)| t)
    }
}

/// Overlap and distance values after the convention has defined the empty cases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Defined {
    /// Dice.
    pub dice: f64,
    /// IoU.
    pub iou: f64,
    /// HD (mm).
    pub hd: f64,
    /// HD95 (mm).
    pub hd95: f64,
    /// ASSD (mm).
    pub assd: f64,
    /// MASD (mm).
    pub masd: f64,
}

impl Convention {
    /// Applies the convention to raw values (raw distances are infinite, and raw
    /// Dice undefined, when a mask is empty). NSD is handled by [`Convention::nsd`].
    pub fn define(self, status: Status, raw: Defined) -> Defined {
        let nan = f64::NAN;
        match (self, status) {
            (_, Status::Ok) => raw,
            (Convention::Nnunet, Status::BothAbsent) => Defined {
                dice: nan,
                iou: nan,
                hd: nan,
                hd95: nan,
                assd: nan,
                masd: nan,
            },
            (Convention::Nnunet, _) => Defined {
                dice: 0.0,
                iou: 0.0,
                hd: nan,
                hd95: nan,
                assd: nan,
                masd: nan,
            },
            (Convention::Word, _) => {
                let d = WORD_EMPTY_DISTANCE_MM;
                Defined {
                    dice: 0.0,
                    iou: 0.0,
                    hd: d,
                    hd95: d,
                    assd: d,
                    masd: d,
                }
            }
            (Convention::Flare22, Status::BothAbsent) => Defined {
                dice: 1.0,
                iou: 1.0,
                hd: nan,
                hd95: nan,
                assd: nan,
                masd: nan,
            },
            (Convention::Flare22, _) => Defined {
                dice: 0.0,
                iou: 0.0,
                hd: nan,
                hd95: nan,
                assd: nan,
                masd: nan,
            },
        }
    }

    /// NSD under the convention.
    pub fn nsd(self, status: Status, raw: f64) -> f64 {
        match (self, status) {
            (_, Status::Ok) => raw,
            (Convention::Flare22, Status::BothAbsent) => 1.0,
            (Convention::Nnunet, Status::BothAbsent) => f64::NAN,
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flare22_tolerances_by_name() {
        assert_eq!(Convention::flare22_tolerance("liver"), Some(5.0));
        assert_eq!(Convention::flare22_tolerance("Kidney (L)"), Some(3.0));
        assert_eq!(
            Convention::flare22_tolerance("adrenal_gland_left"),
            Some(2.0)
        );
        assert_eq!(
            Convention::flare22_tolerance("inferior_vena_cava"),
            Some(2.0)
        );
        assert_eq!(Convention::flare22_tolerance("duodenum"), Some(7.0));
        assert_eq!(Convention::flare22_tolerance("colon"), None);
    }

    #[test]
    fn empty_cases_follow_each_protocol() {
        let raw = Defined {
            dice: 0.0,
            iou: 0.0,
            hd: f64::INFINITY,
            hd95: f64::INFINITY,
            assd: f64::INFINITY,
            masd: f64::INFINITY,
        };
        assert!(
            Convention::Nnunet
                .define(Status::BothAbsent, raw)
                .dice
                .is_nan()
        );
        assert_eq!(
            Convention::Word
                .define(Status::AbsentInPrediction, raw)
                .hd95,
            50.0
        );
        assert_eq!(
            Convention::Flare22.define(Status::BothAbsent, raw).dice,
            1.0
        );
        assert_eq!(Convention::Flare22.nsd(Status::BothAbsent, f64::NAN), 1.0);
        assert_eq!(
            Convention::Flare22
                .define(Status::AbsentInReference, raw)
                .dice,
            0.0
        );
    }
}
