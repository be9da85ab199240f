//! Label tables (id → name, colour, visibility): built-in presets, the default
//! palette, and readers for the formats segmentation tools write.

mod embedded;
mod itksnap;
mod json;
pub mod palette;
pub mod presets;
mod slicer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use embedded::from_nifti_extensions;
pub use json::channel_names_from_dataset_json;
pub use palette::default_color;
pub use presets::Preset;

/// What went wrong reading a label table file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct LabelError {
    /// The file.
    pub path: PathBuf,
    /// What was wrong, with the line when there is one.
    pub problem: String,
}

/// One label's display properties.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEntry {
    /// Organ name as the source spells it.
    pub name: String,
    /// RGBA colour.
    pub color: [u8; 4],
    /// Whether the label is drawn.
    pub visible: bool,
}

/// Names and colours for label ids. Ids without an entry still get a default
/// colour and a generic name, so any label map can be shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelTable {
    /// Where the table came from (a file, a preset, a NIfTI extension), for display.
    pub source: String,
    entries: BTreeMap<u16, LabelEntry>,
}

impl LabelTable {
    /// An empty table: every id gets its default colour and the name "label N".
    pub fn empty(source: impl Into<String>) -> Self {
        LabelTable {
            source: source.into(),
            entries: BTreeMap::new(),
        }
    }

    /// Adds or replaces an id. A colour of `None` takes the default palette colour.
    pub fn insert(&mut self, id: u16, name: impl Into<String>, color: Option<[u8; 4]>) {
        let color = color.unwrap_or_else(|| default_color(id));
        self.entries.insert(
            id,
            LabelEntry {
                name: name.into(),
                color,
                visible: true,
            },
        );
    }

    /// Adds or replaces an entry as it is.
    pub fn insert_entry(&mut self, id: u16, entry: LabelEntry) {
        self.entries.insert(id, entry);
    }

    /// The entry for an id, if the table names it.
    pub fn get(&self, id: u16) -> Option<&LabelEntry> {
        self.entries.get(&id)
    }

    /// The name of an id: the table's, or "label N".
    pub fn name(&self, id: u16) -> String {
        self.entries
            .get(&id)
            .map_or_else(|| format!("label {id}"), |e| e.name.clone())
    }

    /// The colour of an id: the table's, or the default palette's.
    pub fn color(&self, id: u16) -> [u8; 4] {
        self.entries
            .get(&id)
            .map_or_else(|| default_color(id), |e| e.color)
    }

    /// Named ids in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &LabelEntry)> {
        self.entries.iter().map(|(&id, e)| (id, e))
    }

    /// Number of named ids.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no id is named.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The id whose name matches (ignoring case, spaces, `_` and `-`), if any.
    pub fn id_by_name(&self, name: &str) -> Option<u16> {
        let key = normalize_name(name);
        self.entries
            .iter()
            .find(|(_, e)| normalize_name(&e.name) == key)
            .map(|(&id, _)| id)
    }

    /// Lays `other` over this table: its ids replace these, others are kept.
    /// This is how a dataset.json or label file corrects a preset (RAOS left/right).
    pub fn overlay(&mut self, other: &LabelTable) {
        for (id, e) in other.iter() {
            self.entries.insert(id, e.clone());
        }
        self.source = if self.source.is_empty() {
            other.source.clone()
        } else {
            format!("{} + {}", self.source, other.source)
        };
    }

    /// Reads a label table, choosing the reader by name and content:
    /// `.json` (nnU-Net dataset.json v1/v2, MSD, or `{"labels": …}`), `.ctbl` (Slicer),
    /// `.txt` (ITK-SNAP label description, else Slicer colour table),
    /// `.nii`/`.nii.gz` (names embedded by TotalSegmentator).
    pub fn from_file(path: &Path) -> Result<Self, LabelError> {
        let err = |problem: String| LabelError {
            path: path.to_path_buf(),
            problem,
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.ends_with(".nii") || name.ends_with(".nii.gz") {
            let volume =
                crate::volume::Volume::load(path).map_err(|e| err(e.problem.to_string()))?;
            return from_nifti_extensions(&volume.source.extensions, &path.display().to_string())
                .ok_or_else(|| {
                    err("this NIfTI file carries no label names in its header extensions".into())
                });
        }
        if path.is_dir() {
            return Err(err("is a directory, expected a label table file".into()));
        }
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        let source = path.display().to_string();
        let table = if name.ends_with(".json") {
            json::parse(&text, source)
        } else if name.ends_with(".ctbl") {
            slicer::parse(&text, source)
        } else if itksnap::looks_like(&text) {
            itksnap::parse(&text, source)
        } else {
            slicer::parse(&text, source)
        };
        table.map_err(err)
    }
}

/// Lower-case with spaces, `_`, `-` and brackets removed, for matching names across tables.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parses "12=adrenal_right" (a `--set-label` argument).
pub fn parse_assignment(text: &str) -> Result<(u16, String), String> {
    let (id, name) = text
        .split_once('=')
        .ok_or_else(|| format!("expected ID=NAME, got {text:?}"))?;
    let id: u16 = id
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a label id (0–65535)", id.trim()))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("label {id} needs a name"));
    }
    Ok((id, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_replaces_only_the_given_ids() {
        let mut t = Preset::Raos.table();
        let mut fix = LabelTable::empty("dataset.json");
        fix.insert(12, "Adrenal (R)", None);
        fix.insert(13, "Adrenal (L)", None);
        t.overlay(&fix);
        assert_eq!(t.name(12), "Adrenal (R)");
        assert_eq!(t.name(13), "Adrenal (L)");
        assert_eq!(t.name(1), "Liver");
        assert_eq!(t.len(), 19);
        assert!(t.source.ends_with("+ dataset.json"));
    }

    #[test]
    fn unknown_ids_get_a_name_and_a_colour() {
        let t = LabelTable::empty("none");
        assert_eq!(t.name(42), "label 42");
        assert_eq!(t.color(1), [255, 0, 0, 255]);
    }

    #[test]
    fn names_match_across_spellings() {
        let t = Preset::Word.table();
        assert_eq!(t.id_by_name("Left Kidney"), Some(3));
        assert_eq!(t.id_by_name("head-of-femur-r"), Some(16));
        assert_eq!(t.id_by_name("heart"), None);
    }

    #[test]
    fn assignments_parse_and_reject_nonsense() {
        assert_eq!(
            parse_assignment("12 = adrenal_right").unwrap(),
            (12, "adrenal_right".into())
        );
        assert!(parse_assignment("x=liver").is_err());
        assert!(parse_assignment("70000=liver").is_err());
        assert!(parse_assignment("3=").is_err());
    }
}
