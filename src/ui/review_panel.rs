//! The review panel beside the views: who reviews, the case's status and note,
//! the selected organ's verdict and note, bookmarks (click to go back to one),
//! and whether everything is saved. It only reports what the user did; the app
//! applies it to the reviews and saves.

use egui::{Color32, RichText};

use crate::review::{Bookmark, CaseReview, Verdict};

/// What the user did in the panel this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewAction {
    /// The case's status.
    Status(Verdict),
    /// The case's note, as it now reads.
    CaseNote(String),
    /// The selected organ's verdict.
    OrganVerdict(Verdict),
    /// The selected organ's note, as it now reads.
    OrganNote(String),
    /// A bookmark at the crosshair with the draft note.
    AddBookmark,
    /// Delete this bookmark.
    DeleteBookmark(String),
    /// Go to this bookmark.
    GoTo(Bookmark),
    /// The next case nobody has reviewed.
    NextUnreviewed,
    /// Write the reviews as CSV and JSON beside the review file.
    Export,
}

/// The panel's own state between frames.
#[derive(Debug, Default)]
pub struct ReviewPanel {
    /// The note the next bookmark gets.
    pub bookmark_note: String,
}

/// What the panel shows.
pub struct ReviewView<'a> {
    /// The case's review so far (none: nothing recorded yet).
    pub case: Option<&'a CaseReview>,
    /// The organ under inspection, with its name.
    pub organ: Option<(u16, String)>,
    /// Where reviews are saved, or why they are not kept for this case.
    pub file: Result<String, String>,
    /// The last save's result, warnings about the file, shown in red when bad.
    pub notices: Vec<(String, bool)>,
    /// "n of N reviewed" when a dataset is open.
    pub progress: Option<(usize, usize)>,
}

/// Colour of a verdict's label.
pub fn verdict_colour(v: Verdict) -> Color32 {
    match v {
        Verdict::Unreviewed => Color32::GRAY,
        Verdict::Accepted => Color32::from_rgb(90, 200, 110),
        Verdict::NeedsCorrection => Color32::from_rgb(240, 190, 60),
        Verdict::Rejected => Color32::from_rgb(255, 100, 90),
    }
}

/// The shortcut that gives a case (Ctrl) or the selected organ (Alt) a verdict.
pub fn verdict_key(v: Verdict) -> (egui::Key, &'static str) {
    match v {
        Verdict::Unreviewed => (egui::Key::Num0, "0"),
        Verdict::Accepted => (egui::Key::Num1, "1"),
        Verdict::NeedsCorrection => (egui::Key::Num2, "2"),
        Verdict::Rejected => (egui::Key::Num3, "3"),
    }
}

/// Draws the panel; `reviewer` is edited in place. Returns what the user did.
pub fn show(
    ui: &mut egui::Ui,
    panel: &mut ReviewPanel,
    view: &ReviewView<'_>,
    reviewer: &mut String,
) -> Vec<ReviewAction> {
    let mut actions = Vec::new();
    ui.heading("Review");
    ui.horizontal(|ui| {
        let label = ui.label("reviewer");
        ui.add(
            egui::TextEdit::singleline(reviewer)
                .hint_text("your name")
                .desired_width(170.0),
        )
        .labelled_by(label.id);
    });
    let named = !reviewer.trim().is_empty();
    if !named {
        ui.colored_label(
            Color32::from_rgb(240, 190, 60),
            "enter your name: every record carries it",
        );
    }
    match &view.file {
        Ok(path) => ui.label(RichText::new(format!("saved to {path}")).small()),
        Err(why) => ui.colored_label(Color32::from_rgb(240, 190, 60), why.as_str()),
    };
    for (text, bad) in &view.notices {
        let colour = if *bad {
            Color32::from_rgb(255, 110, 90)
        } else {
            Color32::GRAY
        };
        ui.colored_label(colour, RichText::new(text.as_str()).small());
    }
    if let Some((done, all)) = view.progress {
        ui.horizontal(|ui| {
            ui.label(format!("{done} of {all} cases reviewed"));
            if ui
                .add_enabled(done < all, egui::Button::new("next unreviewed"))
                .on_hover_text("U: the next case in the table nobody has given a status")
                .clicked()
            {
                actions.push(ReviewAction::NextUnreviewed);
            }
        });
    }
    if view.file.is_err() {
        return actions;
    }
    if ui
        .button("export CSV + JSON")
        .on_hover_text("one row per case × reviewed organ; as `segscope review export`")
        .clicked()
    {
        actions.push(ReviewAction::Export);
    }
    ui.separator();
    ui.add_enabled_ui(named, |ui| {
        case_section(ui, view, &mut actions);
        ui.separator();
        organ_section(ui, view, &mut actions);
        ui.separator();
        bookmark_section(ui, panel, view, &mut actions);
    });
    actions
}

fn verdict_buttons(
    ui: &mut egui::Ui,
    current: Verdict,
    modifier: &str,
    mut chosen: impl FnMut(Verdict),
) {
    ui.horizontal_wrapped(|ui| {
        for v in Verdict::ALL {
            let text = RichText::new(v.title()).color(verdict_colour(v));
            let (_, key) = verdict_key(v);
            if ui
                .selectable_label(current == v, text)
                .on_hover_text(format!("{modifier}+{key}"))
                .clicked()
            {
                chosen(v);
            }
        }
    });
}

/// A labelled two-line note editor; the new text when the user changed it.
fn note_field(ui: &mut egui::Ui, title: &str, current: &str) -> Option<String> {
    let mut note = current.to_string();
    let label = ui.label(title);
    ui.add(
        egui::TextEdit::multiline(&mut note)
            .desired_rows(2)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id)
    .changed()
    .then_some(note)
}

fn case_section(ui: &mut egui::Ui, view: &ReviewView<'_>, actions: &mut Vec<ReviewAction>) {
    let record = view.case.map(|c| &c.case);
    ui.strong("case (Ctrl+0..3)");
    verdict_buttons(
        ui,
        record.map_or(Verdict::Unreviewed, |c| c.status),
        "Ctrl",
        |v| actions.push(ReviewAction::Status(v)),
    );
    if let Some(note) = note_field(ui, "case note", record.map_or("", |c| c.note.as_str())) {
        actions.push(ReviewAction::CaseNote(note));
    }
    if let Some(c) = record.filter(|c| !c.stamp.at.is_empty()) {
        ui.label(RichText::new(format!("{} at {}", c.stamp.reviewer, c.stamp.at)).small());
    }
}

fn organ_section(ui: &mut egui::Ui, view: &ReviewView<'_>, actions: &mut Vec<ReviewAction>) {
    let Some((id, name)) = &view.organ else {
        ui.label("select an organ in the table to give it a verdict");
        return;
    };
    let record = view.case.and_then(|c| c.organs.get(id));
    ui.strong(format!("{name} (Alt+0..3)"));
    verdict_buttons(
        ui,
        record.map_or(Verdict::Unreviewed, |o| o.verdict),
        "Alt",
        |v| actions.push(ReviewAction::OrganVerdict(v)),
    );
    if let Some(note) = note_field(ui, "organ note", record.map_or("", |o| o.note.as_str())) {
        actions.push(ReviewAction::OrganNote(note));
    }
    let others: Vec<String> = view
        .case
        .map(|c| {
            c.organs
                .iter()
                .filter(|(o, v)| *o != id && v.verdict != Verdict::Unreviewed)
                .map(|(_, v)| format!("{}: {}", v.name, v.verdict.title()))
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        ui.label(RichText::new(others.join(", ")).small());
    }
}

fn bookmark_section(
    ui: &mut egui::Ui,
    panel: &mut ReviewPanel,
    view: &ReviewView<'_>,
    actions: &mut Vec<ReviewAction>,
) {
    ui.strong("bookmarks (K: at the crosshair)");
    ui.horizontal(|ui| {
        let label = ui.label("note");
        ui.add(
            egui::TextEdit::singleline(&mut panel.bookmark_note)
                .hint_text("FN: pancreatic tail missed")
                .desired_width(170.0),
        )
        .labelled_by(label.id);
        if ui.button("bookmark").on_hover_text("K").clicked() {
            actions.push(ReviewAction::AddBookmark);
        }
    });
    let Some(case) = view.case else { return };
    egui::ScrollArea::vertical()
        .id_salt("bookmarks")
        .max_height(220.0)
        .show(ui, |ui| {
            for b in case.live_bookmarks() {
                ui.horizontal(|ui| {
                    let organ = if b.organ_name.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", b.organ_name)
                    };
                    let note = if b.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", b.note)
                    };
                    let text = format!(
                        "({}, {}, {}){organ}{note}",
                        b.voxel[0], b.voxel[1], b.voxel[2]
                    );
                    if ui
                        .button("x")
                        .on_hover_text("delete this bookmark")
                        .clicked()
                    {
                        actions.push(ReviewAction::DeleteBookmark(b.id.clone()));
                    }
                    if ui
                        .link(text)
                        .on_hover_text(format!("go there ({} at {})", b.stamp.reviewer, b.stamp.at))
                        .clicked()
                    {
                        actions.push(ReviewAction::GoTo(b.clone()));
                    }
                });
            }
        });
}
