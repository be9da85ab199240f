//! A case: one or more images on one grid, a reference label map and any number
//! of predictions, all checked to share the grid before anything is compared.

use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::labels::{LabelTable, from_nifti_extensions};
use crate::volume::{Geometry, GridDifference, LabelMap, LoadError, Volume};

/// A file with the name it is shown under (an image channel or a prediction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedFile {
    /// Display name: "CT", "0000", "nnunet_fold0", …
    pub name: String,
    /// The file.
    pub path: PathBuf,
}

/// The files that make up one case, before loading.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseFiles {
    /// Case identifier (the file-name stem shared by its files).
    pub name: String,
    /// Image channels in order (CT, then MR sequences; nnU-Net `_0000`, `_0001`, …).
    pub images: Vec<NamedFile>,
    /// The reference (ground-truth) label map.
    pub reference: Option<PathBuf>,
    /// Predicted label maps.
    pub predictions: Vec<NamedFile>,
}

/// A label map that is not on the case's grid.
#[derive(Debug, Clone)]
pub struct GridMismatch {
    /// The file that does not match.
    pub path: PathBuf,
    /// The file whose grid the case uses.
    pub grid_of: PathBuf,
    /// What differs.
    pub differences: Vec<GridDifference>,
}

impl fmt::Display for GridMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let diffs: Vec<String> = self.differences.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{}: not on the grid of {}: {}",
            self.path.display(),
            self.grid_of.display(),
            diffs.join("; ")
        )
    }
}

/// Why a case could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// A file failed to load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Files are on different grids (each mismatch on its own line).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Grid(Vec<GridMismatch>),
    /// The case names no file at all.
    #[error("case {0} has no image and no label map")]
    Empty(String),
}

/// A loaded case whose volumes all share one grid.
#[derive(Debug, Clone)]
pub struct Case {
    /// Case identifier.
    pub name: String,
    /// Image channels with their names.
    pub images: Vec<(String, Volume)>,
    /// The reference label map.
    pub reference: Option<LabelMap>,
    /// Predictions with their names.
    pub predictions: Vec<(String, LabelMap)>,
}

impl Case {
    /// Loads every file (in parallel) and checks that all share the first one's grid.
    pub fn load(files: &CaseFiles) -> Result<Case, CaseError> {
        let images: Vec<Result<(String, Volume), LoadError>> = files
            .images
            .par_iter()
            .map(|f| Ok((f.name.clone(), Volume::load(&f.path)?)))
            .collect();
        let reference = files.reference.as_deref().map(LabelMap::load).transpose()?;
        let predictions: Vec<Result<(String, LabelMap), LoadError>> = files
            .predictions
            .par_iter()
            .map(|f| Ok((f.name.clone(), LabelMap::load(&f.path)?)))
            .collect();
        let case = Case {
            name: files.name.clone(),
            images: images.into_iter().collect::<Result<_, _>>()?,
            reference,
            predictions: predictions.into_iter().collect::<Result<_, _>>()?,
        };
        let mismatches = case.grid_mismatches();
        if !mismatches.is_empty() {
            return Err(CaseError::Grid(mismatches));
        }
        if case.grid().is_none() {
            return Err(CaseError::Empty(case.name));
        }
        Ok(case)
    }

    /// Every volume in the case with its path and geometry: images, reference, predictions.
    pub fn members(&self) -> Vec<(&Path, &Geometry)> {
        let images = self
            .images
            .iter()
            .map(|(_, v)| (v.source.path.as_path(), &v.geometry));
        let reference = self
            .reference
            .iter()
            .map(|m| (m.source.path.as_path(), &m.geometry));
        let predictions = self
            .predictions
            .iter()
            .map(|(_, m)| (m.source.path.as_path(), &m.geometry));
        images.chain(reference).chain(predictions).collect()
    }

    /// The case's grid: the first image's, else the reference's.
    pub fn grid(&self) -> Option<&Geometry> {
        self.members().first().map(|(_, g)| *g)
    }

    /// Members not on the first member's grid.
    pub fn grid_mismatches(&self) -> Vec<GridMismatch> {
        check_grids(&self.members())
    }

    /// Label names for the case, with every prediction numbered like the reference:
    /// a prediction whose embedded class map differs from the reference's is
    /// renumbered by organ name (as `segscope metrics` pairs them), so both layers
    /// share one set of ids and colours and the metrics compare like with like.
    pub fn align_predictions_by_name(&mut self) -> LabelTable {
        let embedded = |m: &LabelMap| {
            from_nifti_extensions(&m.source.extensions, &m.source.path.display().to_string())
        };
        let Some(reference_names) = self.reference.as_ref().and_then(embedded) else {
            return self
                .embedded_labels()
                .unwrap_or_else(|| LabelTable::empty(""));
        };
        let mut names = reference_names.clone();
        for (_, prediction) in &mut self.predictions {
            let Some(own) = embedded(prediction) else {
                continue;
            };
            if own.iter().eq(reference_names.iter()) {
                continue;
            }
            let (map, merged) = crate::metrics::match_by_name(&reference_names, &own);
            prediction.voxels = crate::volume::labelmap::rename(&prediction.voxels, &map);
            for (id, entry) in merged.iter() {
                if names.get(id).is_none() {
                    names.insert_entry(id, entry.clone());
                }
            }
        }
        names
    }

    /// Label names embedded in the reference (TotalSegmentator), else in a prediction.
    pub fn embedded_labels(&self) -> Option<LabelTable> {
        let maps = self
            .reference
            .iter()
            .chain(self.predictions.iter().map(|(_, m)| m));
        maps.into_iter().find_map(|m| {
            from_nifti_extensions(&m.source.extensions, &m.source.path.display().to_string())
        })
    }
}

/// Compares every file's grid with the first one's; returns the mismatches.
pub fn check_grids(members: &[(&Path, &Geometry)]) -> Vec<GridMismatch> {
    let Some(&(first_path, first)) = members.first() else {
        return Vec::new();
    };
    members[1..]
        .iter()
        .filter_map(|&(path, g)| {
            let differences = first.differences(g);
            (!differences.is_empty()).then(|| GridMismatch {
                path: path.to_path_buf(),
                grid_of: first_path.to_path_buf(),
                differences,
            })
        })
        .collect()
}
