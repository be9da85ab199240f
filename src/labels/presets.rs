//! Built-in label tables for the datasets segscope is made for.

use super::LabelTable;

/// A built-in label table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// WORD: 16 abdominal organs.
    Word,
    /// RAOS: 19 abdominal organs (adrenal and femoral-head left/right order overridable).
    Raos,
    /// TotalSegmentator v2 `total` (117 classes).
    TotalsegTotal,
    /// TotalSegmentator `total_mr` (50 classes).
    TotalsegTotalMr,
    /// TotalSegmentator v1 `total` (104 classes).
    TotalsegV1,
}

impl Preset {
    /// Every preset, for help texts and menus.
    pub const ALL: [Preset; 5] = [
        Preset::Word,
        Preset::Raos,
        Preset::TotalsegTotal,
        Preset::TotalsegTotalMr,
        Preset::TotalsegV1,
    ];

    /// The preset's name as shown to users.
    pub fn title(self) -> &'static str {
        match self {
            Preset::Word => "WORD (16 organs)",
            Preset::Raos => "RAOS (19 organs)",
            Preset::TotalsegTotal => "TotalSegmentator total (v2)",
            Preset::TotalsegTotalMr => "TotalSegmentator total_mr",
            Preset::TotalsegV1 => "TotalSegmentator total (v1)",
        }
    }

    fn json(self) -> &'static str {
        match self {
            Preset::Word => include_str!("../../assets/labels/word.json"),
            Preset::Raos => include_str!("../../assets/labels/raos.json"),
            Preset::TotalsegTotal => {
                include_str!("../../assets/labels/totalsegmentator_total.json")
            }
            Preset::TotalsegTotalMr => {
                include_str!("../../assets/labels/totalsegmentator_total_mr.json")
            }
            Preset::TotalsegV1 => {
                include_str!("../../assets/labels/totalsegmentator_total_v1.json")
            }
        }
    }

    /// The table, with ITK-SNAP default colours.
    pub fn table(self) -> LabelTable {
        // The assets are part of the binary and checked by the tests below.
        super::json::parse(self.json(), format!("preset {}", self.title()))
            .unwrap_or_else(|e| panic!("built-in preset {} is malformed: {e}", self.title()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_with_the_expected_size() {
        let sizes: Vec<usize> = Preset::ALL.iter().map(|p| p.table().len()).collect();
        assert_eq!(sizes, vec![16, 19, 117, 50, 104]);
    }

    #[test]
    fn presets_name_the_organs_users_expect() {
        assert_eq!(Preset::Word.table().name(1), "liver");
        assert_eq!(Preset::Word.table().name(16), "Head_of_femur_R");
        assert_eq!(Preset::Raos.table().name(18), "Prostate");
        assert_eq!(Preset::TotalsegTotal.table().name(5), "liver");
        assert_eq!(Preset::Word.table().color(1), [255, 0, 0, 255]);
    }
}
