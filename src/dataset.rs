//! Finding cases in folders: nnU-Net layout (`imagesTs/CASE_0000.nii.gz`,
//! `labelsTs/CASE.nii.gz`, predictions `CASE.nii.gz`) or folders given explicitly.
//! Files are paired by case name; whatever cannot be paired is listed with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::case::{CaseFiles, NamedFile};
use crate::labels::{LabelTable, channel_names_from_dataset_json};

/// A file that belongs to no complete case, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaired {
    /// The file.
    pub path: PathBuf,
    /// Why it is not in a case.
    pub reason: String,
}

/// The cases found in a dataset's folders.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Complete cases (all image channels and a reference), sorted by name.
    pub cases: Vec<CaseFiles>,
    /// Files that could not be paired, never silently dropped.
    pub unpaired: Vec<Unpaired>,
    /// Channel names from dataset.json (index → name).
    pub channel_names: Vec<(usize, String)>,
    /// Label names from dataset.json, when present.
    pub labels: Option<LabelTable>,
    /// Per case, the prediction folders that have no file for it.
    pub missing_predictions: Vec<(String, PathBuf)>,
    /// The dataset's folder (what its cache and review files are keyed by).
    pub root: PathBuf,
}

/// Why a dataset folder could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct DatasetError {
    /// The folder.
    pub path: PathBuf,
    /// What was wrong.
    pub problem: String,
}

/// The case name and channel of an image file name (`CASE_0001.nii.gz` → ("CASE", 1)).
pub fn split_channel(stem: &str) -> (String, Option<usize>) {
    if let Some((case, channel)) = stem.rsplit_once('_')
        && channel.len() == 4
        && channel.bytes().all(|b| b.is_ascii_digit())
    {
        return (case.to_string(), channel.parse().ok());
    }
    (stem.to_string(), None)
}

/// The file name without `.nii.gz` / `.nii`, or `None` for other files.
pub fn nifti_stem(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let lower = name.to_lowercase();
    for ext in [".nii.gz", ".nii"] {
        if lower.ends_with(ext) {
            return Some(name[..name.len() - ext.len()].to_string());
        }
    }
    None
}

fn nifti_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, DatasetError> {
    let err = |problem: String| DatasetError {
        path: dir.to_path_buf(),
        problem,
    };
    if !dir.is_dir() {
        return Err(err("not a folder".into()));
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| err(e.to_string()))? {
        let path = entry.map_err(|e| err(e.to_string()))?.path();
        if let Some(stem) = nifti_stem(&path).filter(|_| path.is_file()) {
            out.push((stem, path));
        }
    }
    out.sort();
    Ok(out)
}

impl Dataset {
    /// Opens a dataset folder of any layout segscope knows: nnU-Net
    /// (`imagesTs`/`labelsTs`, else `imagesTr`/`labelsTr`, names from `dataset.json`),
    /// or reference label maps alone (`labelsTs/` or `labelsTr/` without images, as
    /// when comparing annotators). Prediction folders are `prediction_dirs` when given,
    /// else every folder in the root whose name starts with `predictions`
    /// (`predictions/`, `predictions_modelA/`, …), in name order.
    pub fn open(root: &Path, prediction_dirs: &[PathBuf]) -> Result<Dataset, DatasetError> {
        let found;
        let prediction_dirs = if prediction_dirs.is_empty() {
            found = prediction_folders(root)?;
            &found[..]
        } else {
            prediction_dirs
        };
        let has = |name: &str| root.join(name).is_dir();
        let mut dataset = if (has("imagesTs") && has("labelsTs"))
            || (has("imagesTr") && has("labelsTr"))
        {
            Self::from_nnunet(root, prediction_dirs)?
        } else if let Some(labels) = ["labelsTs", "labelsTr"].iter().find(|l| has(l)) {
            Self::from_folders(None, &root.join(labels), prediction_dirs)?
        } else {
            return Err(DatasetError {
                path: root.to_path_buf(),
                problem: "not a dataset folder: expected imagesTs/ and labelsTs/ (nnU-Net), or labelsTs/ alone".into(),
            });
        };
        if dataset.labels.is_none() {
            let json = root.join("dataset.json");
            dataset.labels = json
                .is_file()
                .then(|| LabelTable::from_file(&json).ok())
                .flatten();
        }
        dataset.root = root.to_path_buf();
        Ok(dataset)
    }

    /// Discovers an nnU-Net dataset folder: `imagesTs`/`labelsTs` when present, else
    /// `imagesTr`/`labelsTr`, with channel and label names from `dataset.json`.
    pub fn from_nnunet(root: &Path, prediction_dirs: &[PathBuf]) -> Result<Dataset, DatasetError> {
        let split = if root.join("imagesTs").is_dir() && root.join("labelsTs").is_dir() {
            "Ts"
        } else {
            "Tr"
        };
        let images = root.join(format!("images{split}"));
        let labels = root.join(format!("labels{split}"));
        if !images.is_dir() || !labels.is_dir() {
            return Err(DatasetError {
                path: root.to_path_buf(),
                problem: "not an nnU-Net dataset: expected imagesTs/ and labelsTs/ (or imagesTr/ and labelsTr/)".into(),
            });
        }
        let mut dataset = Self::from_folders(Some(&images), &labels, prediction_dirs)?;
        let json = root.join("dataset.json");
        if json.is_file() {
            dataset.channel_names = channel_names_from_dataset_json(&json).unwrap_or_default();
            dataset.labels = LabelTable::from_file(&json).ok();
            dataset.name_channels();
        }
        dataset.root = root.to_path_buf();
        Ok(dataset)
    }

    /// Pairs images (when there is an image folder), references and predictions
    /// from explicit folders by case name. Without images, every reference is a case.
    pub fn from_folders(
        images_dir: Option<&Path>,
        labels_dir: &Path,
        prediction_dirs: &[PathBuf],
    ) -> Result<Dataset, DatasetError> {
        let mut images: BTreeMap<String, Vec<(Option<usize>, PathBuf)>> = BTreeMap::new();
        let labels: BTreeMap<String, PathBuf> = nifti_files(labels_dir)?.into_iter().collect();
        match images_dir {
            Some(dir) => {
                for (stem, path) in nifti_files(dir)? {
                    let (case, channel) = split_channel(&stem);
                    images.entry(case).or_default().push((channel, path));
                }
            }
            None => images.extend(labels.keys().map(|case| (case.clone(), Vec::new()))),
        }
        let mut predictions = Vec::new();
        for dir in prediction_dirs {
            let files: BTreeMap<String, PathBuf> = nifti_files(dir)?.into_iter().collect();
            predictions.push((prediction_name(dir), dir.clone(), files));
        }
        let channel_count = images.values().map(Vec::len).max().unwrap_or(0);

        let mut dataset = Dataset {
            root: labels_dir.parent().unwrap_or(labels_dir).to_path_buf(),
            ..Dataset::default()
        };
        for (case, mut channels) in images {
            channels.sort();
            let Some(reference) = labels.get(&case) else {
                for (_, path) in channels {
                    dataset.unpaired.push(Unpaired {
                        path,
                        reason: format!(
                            "image of case {case} has no reference in {}",
                            labels_dir.display()
                        ),
                    });
                }
                continue;
            };
            if channels.len() < channel_count {
                for (_, path) in channels {
                    dataset.unpaired.push(Unpaired {
                        path,
                        reason: format!(
                            "case {case} has {} image channel(s), other cases have {channel_count}",
                            channel_count
                        ),
                    });
                }
                dataset.unpaired.push(Unpaired {
                    path: reference.clone(),
                    reason: format!("case {case} is missing image channels"),
                });
                continue;
            }
            let images = channels
                .into_iter()
                .enumerate()
                .map(|(i, (channel, path))| NamedFile {
                    name: format!("{:04}", channel.unwrap_or(i)),
                    path,
                })
                .collect();
            let mut files = CaseFiles {
                name: case.clone(),
                images,
                reference: Some(reference.clone()),
                predictions: Vec::new(),
            };
            for (name, dir, found) in &predictions {
                match found.get(&case) {
                    Some(path) => files.predictions.push(NamedFile {
                        name: name.clone(),
                        path: path.clone(),
                    }),
                    None => dataset
                        .missing_predictions
                        .push((case.clone(), dir.clone())),
                }
            }
            dataset.cases.push(files);
        }
        let paired: std::collections::BTreeSet<&str> =
            dataset.cases.iter().map(|c| c.name.as_str()).collect();
        let listed: std::collections::BTreeSet<PathBuf> =
            dataset.unpaired.iter().map(|u| u.path.clone()).collect();
        for (case, path) in &labels {
            if !paired.contains(case.as_str()) && !listed.contains(path) {
                dataset.unpaired.push(Unpaired {
                    path: path.clone(),
                    reason: format!(
                        "reference of case {case} has no image in {}",
                        images_dir.map_or(String::new(), |d| d.display().to_string())
                    ),
                });
            }
        }
        for (_, dir, found) in &predictions {
            for (case, path) in found {
                if !paired.contains(case.as_str()) {
                    dataset.unpaired.push(Unpaired { path: path.clone(), reason: format!("prediction for case {case}, which has no image and reference pair (in {})", dir.display()) });
                }
            }
        }
        Ok(dataset)
    }

    /// Replaces channel numbers by dataset.json's names ("0000" → "CT").
    fn name_channels(&mut self) {
        for case in &mut self.cases {
            for (i, image) in case.images.iter_mut().enumerate() {
                if let Some((_, name)) = self.channel_names.iter().find(|(c, _)| *c == i) {
                    image.name = name.clone();
                }
            }
        }
    }
}

/// The folders in `root` whose name starts with `predictions`, sorted by name.
fn prediction_folders(root: &Path) -> Result<Vec<PathBuf>, DatasetError> {
    let entries = std::fs::read_dir(root).map_err(|e| DatasetError {
        path: root.to_path_buf(),
        problem: e.to_string(),
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("predictions"))
        })
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn prediction_name(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_suffixes_split_only_when_four_digits() {
        assert_eq!(
            split_channel("word_0014_0001"),
            ("word_0014".into(), Some(1))
        );
        assert_eq!(split_channel("case_12"), ("case_12".into(), None));
        assert_eq!(split_channel("liver"), ("liver".into(), None));
    }

    #[test]
    fn stems_drop_nifti_extensions_only() {
        assert_eq!(
            nifti_stem(Path::new("a/CASE_0000.nii.gz")),
            Some("CASE_0000".into())
        );
        assert_eq!(nifti_stem(Path::new("a/b.NII")), Some("b".into()));
        assert_eq!(nifti_stem(Path::new("a/plans.json")), None);
    }
}
