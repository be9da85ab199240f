//! The review workflow in the app: which review file is open (the dataset's, or
//! the single case's beside its files), applying the panel's and the keyboard's
//! edits with the reviewer's name, saving after every edit (typing debounced),
//! and "next unreviewed case".

use std::path::Path;

use super::switching::Focus;
use super::{SegscopeApp, pressed_with};
use crate::review::store::Edit;
use crate::review::{BookmarkPlace, ReviewStore, SaveOutcome, Verdict};
use crate::ui::review_panel::{self, ReviewAction, ReviewView, verdict_key};

impl SegscopeApp {
    /// The open review file, if any.
    pub fn reviews(&self) -> Option<&ReviewStore> {
        self.reviews.as_ref()
    }

    /// The name the case on screen is reviewed under.
    pub fn review_key(&self) -> Option<&str> {
        self.review_key.as_deref()
    }

    /// The reviewer's name, as entered.
    pub fn reviewer(&self) -> &str {
        &self.reviewer
    }

    /// Opens `path` as the review file of `subject`, saving the previous one first.
    pub(super) fn open_reviews(&mut self, path: &Path, subject: &str) {
        if self.reviews.as_ref().is_some_and(|r| r.path() == path) {
            return;
        }
        self.flush_reviews();
        self.review_notices.clear();
        match ReviewStore::open(path, subject) {
            Ok(store) => {
                for w in &store.warnings {
                    self.review_notices.push((w.clone(), true));
                }
                self.reviews = Some(store);
            }
            Err(e) => {
                self.review_notices.push((e.to_string(), true));
                self.reviews = None;
            }
        }
    }

    /// After a case is installed: the key it is reviewed under, and for a case
    /// opened on its own, the review file beside its files.
    pub(super) fn review_case_opened(&mut self, dataset_case: Option<usize>) {
        let dataset_name = dataset_case
            .and_then(|c| self.browser.as_ref().and_then(|b| b.dataset.cases.get(c)))
            .map(|c| c.name.clone());
        if let Some(name) = dataset_name {
            self.review_key = Some(name);
            return;
        }
        let Some(s) = &self.state else { return };
        let file = s
            .case
            .reference
            .as_ref()
            .map(|m| m.source.path.clone())
            .or_else(|| s.case.images.first().map(|(_, v)| v.source.path.clone()))
            .filter(|f| f.is_file());
        let Some(file) = file else {
            // The demo (generated, not read from disk): nothing to keep reviews beside.
            self.review_key = None;
            if self.browser.is_none() {
                self.flush_reviews();
                self.reviews = None;
            }
            return;
        };
        let key = crate::dataset::nifti_stem(&file).unwrap_or_else(|| s.case.name.clone());
        self.review_key = Some(key);
        self.open_reviews(
            &crate::review::case_review_path(&file),
            &file.display().to_string(),
        );
    }

    /// Saves what is due; called every frame. At most every two seconds it also
    /// takes in what another segscope saved to the same file.
    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
        let Some(store) = &mut self.reviews else {
            return;
        };
        let now = std::time::Instant::now();
        if self
            .reviews_checked
            .is_none_or(|t| now.duration_since(t) >= REFRESH_EVERY)
        {
            self.reviews_checked = Some(now);
            if store.refresh() {
                self.review_notices.retain(|(_, bad)| *bad);
                self.review_notices.push((
                    format!("{}: another segscope's reviews taken in", clock()),
                    false,
                ));
            }
        }
        // No repaint is asked for this: an idle window need not wake up, and any
        // save merges first anyway.
        if store.has_unsaved() {
            // Typing is saved once it pauses: come back then.
            ctx.request_repaint_after(crate::review::store::TYPING_DEBOUNCE);
        }
        if let Some(result) = store.save_if_due() {
            self.review_notices.retain(|(_, bad)| *bad);
            self.review_notices.push(match result {
                Ok(SaveOutcome::Saved) => (format!("saved {}", clock()), false),
                Ok(SaveOutcome::Merged) => (
                    format!(
                        "saved {}, with another segscope's changes to the file merged in",
                        clock()
                    ),
                    false,
                ),
                Err(e) => (format!("NOT SAVED: {e}"), true),
            });
            self.review_notices.dedup();
        }
    }

    /// Saves anything unsaved now (switching files, closing the window).
    pub(super) fn flush_reviews(&mut self) {
        if let Some(store) = &mut self.reviews
            && store.has_unsaved()
            && let Err(e) = store.save()
        {
            eprintln!("segscope: reviews not saved: {e}");
        }
    }

    /// Applies one edit to the open case's review, stamped with the reviewer.
    pub fn apply_review(&mut self, action: ReviewAction) {
        if let ReviewAction::NextUnreviewed = action {
            self.next_unreviewed();
            return;
        }
        if let ReviewAction::Export = action {
            let notice = self.export_reviews();
            self.review_notices.push(notice);
            return;
        }
        if let ReviewAction::GoTo(b) = &action {
            if let Some(s) = &mut self.state {
                let target = s.display_of(b.voxel.map(|c| c as f64));
                if b.organ.is_some() {
                    s.select_organ(b.organ);
                }
                s.go_to(target);
                s.note = Some(format!("bookmark: {}", b.note));
            }
            return;
        }
        let reviewer = self.reviewer.trim().to_string();
        let (Some(store), Some(key)) = (&mut self.reviews, &self.review_key) else {
            return;
        };
        if reviewer.is_empty() {
            self.review_notices
                .push(("enter your name in the review panel first".into(), true));
            self.review_notices.dedup();
            return;
        }
        let organ = self
            .state
            .as_ref()
            .and_then(|s| s.selected_organ.map(|id| (id, s.labels.name(id))));
        let r = &mut store.reviews;
        let edit = match action {
            ReviewAction::Status(v) => {
                r.set_status(key, v, &reviewer);
                Edit::Discrete
            }
            ReviewAction::CaseNote(note) => {
                r.set_case_note(key, &note, &reviewer);
                Edit::Typing
            }
            ReviewAction::OrganVerdict(v) => {
                let Some((id, name)) = &organ else { return };
                r.set_verdict(key, (*id, name), v, &reviewer);
                Edit::Discrete
            }
            ReviewAction::OrganNote(note) => {
                let Some((id, name)) = &organ else { return };
                r.set_organ_note(key, (*id, name), &note, &reviewer);
                Edit::Typing
            }
            ReviewAction::AddBookmark => {
                let Some(s) = &self.state else { return };
                let voxel = s.voxel_of(s.crosshair);
                let world = s.grid().voxel_to_world(voxel.map(|c| c as f64));
                // The organ under the crosshair in the reference, else the one inspected.
                let under = s
                    .case
                    .reference
                    .as_ref()
                    .and_then(|m| m.voxels.get(voxel))
                    .filter(|&id| id != 0)
                    .or(s.selected_organ);
                let place = BookmarkPlace {
                    voxel,
                    world_mm: world,
                    organ: under.map(|id| (id, s.labels.name(id))),
                    note: std::mem::take(&mut self.review_panel.bookmark_note),
                };
                r.add_bookmark(key, place, &reviewer);
                Edit::Discrete
            }
            ReviewAction::DeleteBookmark(id) => {
                r.delete_bookmark(key, &id, &reviewer);
                Edit::Discrete
            }
            ReviewAction::GoTo(_) | ReviewAction::NextUnreviewed | ReviewAction::Export => return,
        };
        store.edited(edit);
    }

    /// Writes the reviews as CSV and JSON beside the review file
    /// (`segscope-review-export.csv` / `.json`); returns what to tell the user.
    fn export_reviews(&mut self) -> (String, bool) {
        let Some(store) = &self.reviews else {
            return ("no review file is open".into(), true);
        };
        let cases: Vec<String> = self.browser.as_ref().map_or_else(
            || self.review_key.iter().cloned().collect(),
            |b| b.dataset.cases.iter().map(|c| c.name.clone()).collect(),
        );
        let reviews = crate::review::export::complete(&store.reviews, &cases);
        let base = store.path().with_extension("");
        let name = base
            .file_name()
            .map_or_else(|| "reviews".into(), |n| n.to_string_lossy().into_owned());
        let csv = base.with_file_name(format!("{name}-export.csv"));
        let json = base.with_file_name(format!("{name}-export.json"));
        let written = crate::atomic_file::write_atomically(
            &csv,
            crate::review::export::to_csv(&reviews).as_bytes(),
        )
        .and_then(|()| {
            crate::atomic_file::write_atomically(
                &json,
                (crate::review::export::to_json(&reviews) + "\n").as_bytes(),
            )
        });
        match written {
            Ok(()) => (
                format!("exported to {} and {}", csv.display(), json.display()),
                false,
            ),
            Err(e) => (format!("export failed: {}: {e}", csv.display()), true),
        }
    }

    /// Opens the next case of the table's order that has no status yet.
    pub fn next_unreviewed(&mut self) {
        let Some(b) = &self.browser else { return };
        let order = b.order();
        let start = b
            .open
            .and_then(|c| order.iter().position(|&o| o == c))
            .map_or(0, |at| at + 1);
        let reviewed = |case: usize| {
            self.reviews.as_ref().is_some_and(|r| {
                r.reviews.status(&b.dataset.cases[case].name) != Verdict::Unreviewed
            })
        };
        let next = (0..order.len())
            .map(|k| order[(start + k) % order.len()])
            .find(|&c| !reviewed(c) && b.open != Some(c));
        match next {
            Some(case) => self.open_dataset_case(case, Some(Focus::Worst)),
            None => {
                if let Some(s) = &mut self.state {
                    s.note = Some("every case of the dataset has a status".into());
                }
            }
        }
    }

    /// Ctrl+0..3 case status, Alt+0..3 the selected organ's verdict, K bookmark,
    /// U next unreviewed case.
    pub(super) fn review_keys(&mut self, ui: &egui::Ui) {
        let mut actions = Vec::new();
        ui.input(|i| {
            for v in Verdict::ALL {
                let (key, _) = verdict_key(v);
                match pressed_with(i, key) {
                    Some(m) if m.command && !m.alt => actions.push(ReviewAction::Status(v)),
                    Some(m) if m.alt && !m.command => actions.push(ReviewAction::OrganVerdict(v)),
                    _ => {}
                }
            }
            if pressed_with(i, egui::Key::K).is_some_and(|m| m.is_none()) {
                actions.push(ReviewAction::AddBookmark);
            }
            if pressed_with(i, egui::Key::U).is_some_and(|m| m.is_none()) {
                actions.push(ReviewAction::NextUnreviewed);
            }
        });
        for a in actions {
            self.apply_review(a);
        }
    }

    /// The review panel beside the views.
    pub(super) fn review_side_panel(&mut self, ui: &mut egui::Ui) {
        let progress = self.browser.as_ref().map(|b| {
            let done = self.reviews.as_ref().map_or(0, |r| {
                r.reviews
                    .reviewed_among(b.dataset.cases.iter().map(|c| c.name.as_str()))
            });
            (done, b.dataset.cases.len())
        });
        let file = match (&self.reviews, &self.review_key) {
            (Some(store), Some(_)) => match store.read_only() {
                Some(why) => Err(why.to_string()),
                None => Ok(store.path().display().to_string()),
            },
            (None, Some(_)) => Err("reviews cannot be kept for this case (see above)".into()),
            (_, None) => Err("reviews are kept for cases opened from files, not the demo".into()),
        };
        let case = self
            .reviews
            .as_ref()
            .zip(self.review_key.as_ref())
            .and_then(|(r, k)| r.reviews.cases.get(k));
        let organ = self
            .state
            .as_ref()
            .and_then(|s| s.selected_organ.map(|id| (id, s.labels.name(id))));
        let view = ReviewView {
            case,
            organ,
            file,
            notices: self.review_notices.clone(),
            progress,
        };
        let actions = review_panel::show(ui, &mut self.review_panel, &view, &mut self.reviewer);
        for a in actions {
            self.apply_review(a);
        }
    }
}

/// How often the review file is checked for other writers' changes.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The time of day (UTC) for "saved at".
fn clock() -> String {
    let now = crate::review::now_utc();
    now.get(11..19).map_or(now.clone(), str::to_string) + " UTC"
}
