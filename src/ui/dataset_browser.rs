//! The dataset browser's state, as plain data: the cases, their Dice as the
//! survey finds it, the table's sort order, the case on screen and the one
//! prefetched after it. Drawing is in `browser_panel`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, DatasetError};
use crate::inspect::survey::{CaseDice, Survey, cache_path};
use crate::labels::{LabelTable, normalize_name};

use super::loader::PendingCase;

/// A column the case table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CaseColumn {
    /// Case name.
    Name,
    /// Mean Dice over the case's organs.
    MeanDice,
    /// The case's worst organ's name.
    WorstOrgan,
    /// The case's worst organ's Dice.
    WorstDice,
    /// The case's review status (unreviewed first).
    Review,
}

/// One organ column of the heat map: organs are matched across cases by name
/// (cases may number them differently), by id where nothing names them.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganColumn {
    /// The name shown.
    pub name: String,
    /// Per case (dataset order), the organ's id in that case, where it has one.
    pub ids: Vec<Option<u16>>,
}

/// A dataset open in the browser.
pub struct DatasetBrowser {
    /// The cases and what could not be paired.
    pub dataset: Dataset,
    /// Per-case Dice, filled in by workers (cached cases at once).
    pub survey: Survey,
    /// Names laid over the files' own (dataset.json, then the command line).
    pub labels: Option<LabelTable>,
    /// The prediction folder whose Dice the table shows (index into [`Self::models`]).
    pub model: usize,
    /// Sort column and direction (true: ascending).
    pub sort: (CaseColumn, bool),
    /// The highlighted row's case (dataset index).
    pub selected: Option<usize>,
    /// The case on screen (dataset index).
    pub open: Option<usize>,
    /// The case loading ahead of the user, with its dataset index.
    pub prefetch: Option<(usize, PendingCase)>,
    /// The prediction folders' names, in the order first met.
    models: Vec<String>,
    /// Each case's review status (dataset order), as the app last told it.
    pub review_status: Vec<crate::review::Verdict>,
}

impl DatasetBrowser {
    /// Opens a dataset folder (see [`Dataset::open`]) and starts surveying it,
    /// reusing the user's cache of it.
    pub fn open(
        root: &Path,
        prediction_dirs: &[PathBuf],
        label_overlay: Option<&LabelTable>,
    ) -> Result<Self, DatasetError> {
        let dataset = Dataset::open(root, prediction_dirs)?;
        if dataset.cases.is_empty() {
            return Err(DatasetError {
                path: root.to_path_buf(),
                problem: "no case has both its images and a reference".into(),
            });
        }
        Ok(Self::new(dataset, cache_path(root), label_overlay))
    }

    /// Browses a dataset already discovered; `cache` is the survey's cache file.
    pub fn new(
        dataset: Dataset,
        cache: Option<PathBuf>,
        label_overlay: Option<&LabelTable>,
    ) -> Self {
        let mut labels = dataset.labels.clone();
        if let Some(overlay) = label_overlay {
            labels
                .get_or_insert_with(|| LabelTable::empty("command line"))
                .overlay(overlay);
        }
        let survey = Survey::start(dataset.cases.clone(), cache);
        let mut models: Vec<String> = Vec::new();
        for p in dataset.cases.iter().flat_map(|c| &c.predictions) {
            if !models.contains(&p.name) {
                models.push(p.name.clone());
            }
        }
        let review_status = vec![crate::review::Verdict::Unreviewed; dataset.cases.len()];
        DatasetBrowser {
            models,
            review_status,
            dataset,
            survey,
            labels,
            model: 0,
            sort: (CaseColumn::Name, true),
            selected: Some(0),
            open: None,
            prefetch: None,
        }
    }

    /// The prediction folders' names, in order (the table shows one at a time).
    pub fn models(&self) -> &[String] {
        &self.models
    }

    /// The index, among case `case`'s predictions, of the model the table shows.
    pub fn model_index(&self, case: usize) -> Option<usize> {
        let name = self.models.get(self.model)?;
        self.dataset
            .cases
            .get(case)?
            .predictions
            .iter()
            .position(|p| &p.name == name)
    }

    /// Case `case`'s Dice per organ under the shown model, once surveyed.
    pub fn dice(&self, case: usize) -> Option<&BTreeMap<u16, f64>> {
        let known = self.survey.cases.get(case)?.as_ref()?;
        known.models.get(self.model_index(case)?)
    }

    /// The survey's record of case `case`, once known.
    pub fn record(&self, case: usize) -> Option<&CaseDice> {
        self.survey.cases.get(case)?.as_ref()
    }

    /// Mean Dice of case `case` under the shown model (NaN until known).
    pub fn mean_dice(&self, case: usize) -> f64 {
        match (self.record(case), self.model_index(case)) {
            (Some(record), Some(m)) => record.mean(m),
            _ => f64::NAN,
        }
    }

    /// The worst organ of case `case` under the shown model, with its Dice.
    pub fn worst(&self, case: usize) -> Option<(u16, f64)> {
        self.record(case)?.worst(self.model_index(case)?)
    }

    /// The name of organ `id` in case `case`: the dataset's or the user's table,
    /// else the case's own files, else "label N".
    pub fn organ_name(&self, case: usize, id: u16) -> String {
        if let Some(entry) = self.labels.as_ref().and_then(|l| l.get(id)) {
            return entry.name.clone();
        }
        self.record(case)
            .and_then(|r| r.names.get(&id).cloned())
            .unwrap_or_else(|| format!("label {id}"))
    }

    /// Case indices in the table's order. Cases whose value is not known yet (or
    /// is not a number) come last whichever way the column is sorted, so sorting
    /// by worst Dice puts the worst known case first.
    pub fn order(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..self.dataset.cases.len()).collect();
        let (column, ascending) = self.sort;
        let directed = |o: std::cmp::Ordering| if ascending { o } else { o.reverse() };
        match column {
            CaseColumn::Name => rows.sort_by(|&a, &b| {
                directed(self.dataset.cases[a].name.cmp(&self.dataset.cases[b].name))
            }),
            CaseColumn::Review => {
                let rank = |c: usize| {
                    crate::review::Verdict::ALL
                        .iter()
                        .position(|v| Some(v) == self.review_status.get(c))
                        .unwrap_or(0)
                };
                rows.sort_by(|&a, &b| directed(rank(a).cmp(&rank(b))).then(a.cmp(&b)));
            }
            CaseColumn::WorstOrgan => {
                let key = |c: usize| self.worst(c).map(|(id, _)| self.organ_name(c, id));
                rows.sort_by(|&a, &b| match (key(a), key(b)) {
                    (Some(x), Some(y)) => directed(x.cmp(&y)).then(a.cmp(&b)),
                    (x, y) => x.is_none().cmp(&y.is_none()).then(a.cmp(&b)),
                });
            }
            CaseColumn::MeanDice | CaseColumn::WorstDice => {
                // Ties on the worst organ (a model that always misses one organ)
                // are broken by the mean: the case that is worse overall first.
                let value = |c: usize| match column {
                    CaseColumn::MeanDice => (self.mean_dice(c), 0.0),
                    _ => (
                        self.worst(c).map_or(f64::NAN, |(_, d)| d),
                        self.mean_dice(c),
                    ),
                };
                rows.sort_by(|&a, &b| {
                    let (x, y) = (value(a), value(b));
                    match (x.0.is_nan(), y.0.is_nan()) {
                        (false, false) => {
                            directed(x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1))).then(a.cmp(&b))
                        }
                        (nan_x, nan_y) => nan_x.cmp(&nan_y).then(a.cmp(&b)),
                    }
                });
            }
        }
        rows
    }

    /// Sorts by `column`; the same column again reverses the direction. Dice
    /// columns start ascending (worst first), as a user hunting failures wants.
    pub fn sort_by(&mut self, column: CaseColumn) {
        self.sort = if self.sort.0 == column {
            (column, !self.sort.1)
        } else {
            (column, true)
        };
    }

    /// The case `step` rows after (or before) `from` in the table's order, if any.
    pub fn neighbour(&self, from: usize, step: i64) -> Option<usize> {
        let order = self.order();
        let at = order.iter().position(|&c| c == from)? as i64 + step;
        usize::try_from(at).ok().and_then(|i| order.get(i).copied())
    }

    /// The heat map's organ columns: every organ any surveyed case has, matched
    /// across cases by name, ordered by the smallest id they appear under.
    pub fn organ_columns(&self) -> Vec<OrganColumn> {
        let n = self.dataset.cases.len();
        let mut columns: Vec<(u16, OrganColumn)> = Vec::new();
        let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
        for case in 0..n {
            let Some(dice) = self.dice(case) else {
                continue;
            };
            for &id in dice.keys() {
                let name = self.organ_name(case, id);
                let key = normalize_name(&name);
                let at = *by_name.entry(key).or_insert_with(|| {
                    columns.push((
                        id,
                        OrganColumn {
                            name,
                            ids: vec![None; n],
                        },
                    ));
                    columns.len() - 1
                });
                columns[at].0 = columns[at].0.min(id);
                columns[at].1.ids[case] = Some(id);
            }
        }
        columns.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        columns.into_iter().map(|(_, c)| c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{CaseFiles, NamedFile};

    /// A browser over cases whose survey is filled in by hand (no files read).
    fn browser(dice: &[&[(u16, f64)]]) -> DatasetBrowser {
        let cases: Vec<CaseFiles> = (0..dice.len())
            .map(|i| CaseFiles {
                name: format!("case_{i}"),
                images: Vec::new(),
                reference: Some(PathBuf::from(format!("/nonexistent/{i}.nii.gz"))),
                predictions: vec![NamedFile {
                    name: "predictions".into(),
                    path: PathBuf::from(format!("/nonexistent/p{i}.nii.gz")),
                }],
            })
            .collect();
        let dataset = Dataset {
            cases,
            ..Default::default()
        };
        let mut b = DatasetBrowser::new(dataset, None, None);
        b.survey.wait();
        for (i, organs) in dice.iter().enumerate() {
            b.survey.cases[i] = Some(CaseDice {
                models: vec![organs.iter().copied().collect()],
                names: BTreeMap::new(),
                error: None,
            });
        }
        b
    }

    #[test]
    fn sorting_by_worst_dice_puts_the_worst_case_first_and_unknown_last() {
        let mut b = browser(&[&[(1, 0.9), (2, 0.8)], &[(1, 0.95), (2, 0.2)], &[(1, 0.7)]]);
        b.survey.cases.push(None);
        b.dataset.cases.push(b.dataset.cases[0].clone());
        b.sort_by(CaseColumn::WorstDice);
        assert_eq!(b.order(), vec![1, 2, 0, 3]);
        assert_eq!(b.worst(1), Some((2, 0.2)));
        b.sort_by(CaseColumn::WorstDice);
        assert_eq!(
            b.order(),
            vec![0, 2, 1, 3],
            "descending, unknown still last"
        );
        b.sort_by(CaseColumn::MeanDice);
        assert_eq!(b.order(), vec![1, 2, 0, 3]);
    }

    #[test]
    fn ties_on_the_worst_organ_are_broken_by_the_mean() {
        let mut b = browser(&[
            &[(1, 0.9), (12, 0.0)],
            &[(1, 0.7), (12, 0.0)],
            &[(1, 0.8), (12, 0.0)],
        ]);
        b.sort_by(CaseColumn::WorstDice);
        assert_eq!(b.order(), vec![1, 2, 0]);
    }

    #[test]
    fn sorting_by_review_status_puts_unreviewed_cases_first() {
        use crate::review::Verdict;
        let mut b = browser(&[&[(1, 0.9)], &[(1, 0.1)], &[(1, 0.5)]]);
        b.review_status = vec![Verdict::Rejected, Verdict::Unreviewed, Verdict::Accepted];
        b.sort_by(CaseColumn::Review);
        assert_eq!(b.order(), vec![1, 2, 0]);
    }

    #[test]
    fn neighbours_follow_the_table_order() {
        let mut b = browser(&[&[(1, 0.9)], &[(1, 0.1)], &[(1, 0.5)]]);
        b.sort_by(CaseColumn::WorstDice);
        assert_eq!(b.neighbour(1, 1), Some(2));
        assert_eq!(b.neighbour(2, 1), Some(0));
        assert_eq!(b.neighbour(0, 1), None);
        assert_eq!(b.neighbour(1, -1), None);
    }

    #[test]
    fn heat_map_columns_match_organs_by_name_across_numberings() {
        let mut b = browser(&[&[(1, 0.9), (2, 0.8)], &[(5, 0.5), (1, 0.7)]]);
        let names = |pairs: &[(u16, &str)]| {
            pairs
                .iter()
                .map(|&(id, n)| (id, n.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        if let Some(r) = b.survey.cases[0].as_mut() {
            r.names = names(&[(1, "liver"), (2, "spleen")]);
        }
        if let Some(r) = b.survey.cases[1].as_mut() {
            r.names = names(&[(5, "Liver"), (1, "spleen")]);
        }
        let columns = b.organ_columns();
        assert_eq!(columns.len(), 2);
        assert_eq!(columns[0].name, "liver");
        assert_eq!(columns[0].ids, vec![Some(1), Some(5)]);
        assert_eq!(columns[1].ids, vec![Some(2), Some(1)]);
    }
}
