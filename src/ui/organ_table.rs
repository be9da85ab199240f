//! The organ table beside the views: visibility, colour and name of every organ,
//! with its metrics for the prediction on screen (a Dice column per prediction),
//! status badges, sortable by any column. Clicking an organ selects it and jumps
//! to its worst slice.

use egui::{Color32, RichText, Sense, Vec2};

use super::state::ViewerState;
use crate::metrics::{Convention, LabelMetrics, MetricsSettings, Status};

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Label id.
    Id,
    /// Organ name.
    Name,
    /// Dice of prediction `n`.
    Dice(usize),
    /// IoU.
    Iou,
    /// HD95 (mm).
    Hd95,
    /// ASSD (mm).
    Assd,
    /// NSD at the first tolerance.
    Nsd,
    /// Reference volume (ml).
    ReferenceMl,
    /// Predicted volume (ml).
    PredictionMl,
}

/// How the table is sorted.
#[derive(Debug, Clone, Copy)]
pub struct OrganTable {
    /// The column sorted on.
    pub sort: Column,
    /// Ascending (worst Dice first when sorting on Dice).
    pub ascending: bool,
}

impl Default for OrganTable {
    fn default() -> Self {
        OrganTable {
            sort: Column::Id,
            ascending: true,
        }
    }
}

/// What the user did in the table this frame.
#[derive(Debug, Default)]
pub struct TableActions {
    /// Visibility changed: the palette must be rewritten.
    pub palette_changed: bool,
    /// New metric settings chosen (a convention): recompute.
    pub settings: Option<MetricsSettings>,
}

/// A cell's text: "–" where a metric is undefined, "…" while it is computing.
fn number(value: f64, pending: bool, digits: usize) -> String {
    if pending {
        "…".into()
    } else if value.is_nan() {
        "–".into()
    } else {
        format!("{value:.digits$}")
    }
}

/// The value of `column` for organ `id`, for sorting (NaN sorts last).
fn sort_key(s: &ViewerState, id: u16, column: Column) -> f64 {
    let shown = s.shown_model().and_then(|m| m.organs.get(&id));
    let metric = |f: fn(&LabelMetrics) -> f64| shown.map_or(f64::NAN, f);
    match column {
        Column::Id => f64::from(id),
        Column::Name => 0.0,
        Column::Dice(n) => s
            .inspection
            .models
            .get(n)
            .and_then(|m| m.organs.get(&id))
            .map_or(f64::NAN, |o| o.dice),
        Column::Iou => metric(|o| o.iou),
        Column::Hd95 => metric(|o| o.hd95_mm),
        Column::Assd => metric(|o| o.assd_mm),
        Column::Nsd => metric(|o| o.nsd.first().map_or(f64::NAN, |n| n.1)),
        Column::ReferenceMl => metric(|o| o.reference_ml),
        Column::PredictionMl => metric(|o| o.prediction_ml),
    }
}

/// The organ ids in the table's order.
pub fn sorted_organs(s: &ViewerState, table: &OrganTable) -> Vec<u16> {
    let mut ids = s.organs.clone();
    if table.sort == Column::Name {
        ids.sort_by_key(|&id| s.labels.name(id).to_lowercase());
    } else {
        ids.sort_by(|&a, &b| {
            let (ka, kb) = (sort_key(s, a, table.sort), sort_key(s, b, table.sort));
            // Undefined values go last whichever the direction.
            match (ka.is_nan(), kb.is_nan()) {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => ka.total_cmp(&kb),
            }
            .then(a.cmp(&b))
        });
    }
    if !table.ascending {
        ids.reverse();
    }
    ids
}

/// A coloured badge for a non-ok status.
fn badge(ui: &mut egui::Ui, status: Status) {
    let (text, colour) = match status {
        Status::Ok => return,
        Status::BothAbsent => ("both absent", Color32::GRAY),
        Status::AbsentInReference => ("absent in reference", Color32::from_rgb(255, 170, 60)),
        Status::AbsentInPrediction => ("absent in prediction", Color32::from_rgb(255, 100, 90)),
    };
    ui.label(RichText::new(text).small().color(colour))
        .on_hover_text(match status {
            Status::AbsentInReference => {
                "predicted but not in the reference: an organ hallucination"
            }
            Status::AbsentInPrediction => "in the reference, missed by the prediction",
            _ => "in neither map",
        });
}

/// Draws the panel: settings line, progress, then the table.
pub fn show(ui: &mut egui::Ui, s: &mut ViewerState, table: &mut OrganTable) -> TableActions {
    let mut actions = TableActions::default();
    ui.horizontal(|ui| {
        ui.heading("Organs");
        let mut convention = s.inspection.settings.convention;
        egui::ComboBox::from_id_salt("convention")
            .selected_text(format!("convention: {}", convention.as_str()))
            .show_ui(ui, |ui| {
                for c in [Convention::Nnunet, Convention::Word, Convention::Flare22] {
                    ui.selectable_value(&mut convention, c, c.as_str());
                }
            })
            .response
            .on_hover_text("how empty masks count; WORD also uses MedPy's surface definition");
        if convention != s.inspection.settings.convention {
            actions.settings = Some(MetricsSettings::new(convention));
        }
    });
    let (done, all) = s.inspection.progress();
    ui.horizontal(|ui| {
        if s.case.reference.is_none() || s.case.predictions.is_empty() {
            ui.label("open a reference and a prediction to see metrics");
        } else if done < all || all == 0 {
            ui.spinner();
            ui.label(format!("surface distances {done}/{all} organs"));
        } else {
            ui.label(format!(
                "{} surfaces, NSD at {} mm",
                s.inspection.settings.surface.describe(),
                s.inspection
                    .settings
                    .tolerances
                    .first()
                    .copied()
                    .unwrap_or(f64::NAN)
            ));
        }
    });
    if let Some(e) = s.shown_model().and_then(|m| m.error.clone()) {
        ui.colored_label(Color32::from_rgb(255, 110, 90), e);
    }
    ui.horizontal(|ui| {
        if ui.button("show all").clicked() {
            s.hidden.clear();
            actions.palette_changed = true;
        }
        if ui.button("hide all").clicked() {
            s.hidden = s.organs.iter().copied().collect();
            actions.palette_changed = true;
        }
        let all_selected = s.selected_organ.is_none();
        if ui
            .selectable_label(all_selected, "all organs")
            .on_hover_text("slice Dice, strips and next error over every organ")
            .clicked()
        {
            s.select_organ(None);
        }
    });
    let models = s.inspection.models.len();
    let mut columns: Vec<(Column, String)> = vec![(Column::Name, "organ".into())];
    for n in 0..models.max(1) {
        let title = if models > 1 {
            format!("Dice {}", model_letter(n))
        } else {
            "Dice".into()
        };
        columns.push((Column::Dice(n), title));
    }
    columns.extend([
        (Column::Iou, "IoU".to_string()),
        (Column::Hd95, "HD95".into()),
        (Column::Assd, "ASSD".into()),
        (Column::Nsd, "NSD".into()),
        (Column::ReferenceMl, "ref ml".into()),
        (Column::PredictionMl, "pred ml".into()),
    ]);
    let order = sorted_organs(s, table);
    egui::ScrollArea::both().show(ui, |ui| {
        egui::Grid::new("organ table")
            .striped(true)
            .spacing([8.0, 3.0])
            .show(ui, |ui| {
                ui.label("");
                for (column, title) in &columns {
                    let arrow = match (table.sort == *column, table.ascending) {
                        (true, true) => " ^",
                        (true, false) => " v",
                        _ => "",
                    };
                    if ui
                        .selectable_label(table.sort == *column, format!("{title}{arrow}"))
                        .clicked()
                    {
                        if table.sort == *column {
                            table.ascending = !table.ascending;
                        } else {
                            *table = OrganTable {
                                sort: *column,
                                ascending: true,
                            };
                        }
                    }
                }
                ui.label("status");
                ui.end_row();
                for id in order {
                    organ_row(ui, s, id, models, &mut actions);
                    ui.end_row();
                }
            });
    });
    actions
}

/// "A", "B", … for predictions in column titles.
pub fn model_letter(n: usize) -> char {
    char::from(b'A' + (n % 26) as u8)
}

fn organ_row(
    ui: &mut egui::Ui,
    s: &mut ViewerState,
    id: u16,
    models: usize,
    actions: &mut TableActions,
) {
    ui.horizontal(|ui| {
        let c = s.labels.color(id);
        let (rect, _) = ui.allocate_exact_size(Vec2::splat(12.0), Sense::hover());
        ui.painter()
            .rect_filled(rect, 2.0, Color32::from_rgb(c[0], c[1], c[2]));
        let mut shown = !s.hidden.contains(&id);
        if ui
            .checkbox(&mut shown, "")
            .on_hover_text("show / hide")
            .changed()
        {
            if shown {
                s.hidden.remove(&id);
            } else {
                s.hidden.insert(id);
            }
            actions.palette_changed = true;
        }
    });
    let name = format!("{id} {}", s.labels.name(id));
    let response = ui
        .selectable_label(s.selected_organ == Some(id), name)
        .on_hover_text("click: select and go to its worst slice; right-click: solo");
    if response.clicked() {
        s.select_organ(Some(id));
        s.go_to_worst_slice();
    }
    if response.secondary_clicked() {
        s.hidden = s.organs.iter().copied().filter(|&o| o != id).collect();
        actions.palette_changed = true;
    }
    let shown_model = s.shown_prediction;
    for n in 0..models.max(1) {
        let model = s.inspection.models.get(n);
        let organ = model.and_then(|m| m.organs.get(&id));
        // Counted and not there: this model's maps lack the organ (another model has it).
        let counted = model.is_some_and(|m| m.overlap.is_some() || m.error.is_some());
        let text = match organ {
            Some(o) => number(o.dice, false, 3),
            None if counted => "–".to_string(),
            None => "…".to_string(),
        };
        let text = RichText::new(text);
        ui.label(if n == shown_model {
            text.strong()
        } else {
            text
        });
    }
    let model = s.shown_model();
    let organ = model.and_then(|m| m.organs.get(&id));
    let surface_known = model.is_some_and(|m| m.surfaces_done.contains(&id));
    // Distances stay "…" until this organ's surface pass has reported.
    let pending = !surface_known;
    let get = |f: fn(&LabelMetrics) -> f64| organ.map_or(f64::NAN, f);
    ui.label(number(get(|o| o.iou), organ.is_none(), 3));
    let hd95 = get(|o| o.hd95_mm);
    ui.label(number(hd95, pending, 1));
    let assd = get(|o| o.assd_mm);
    ui.label(number(assd, pending, 2));
    let nsd = get(|o| o.nsd.first().map_or(f64::NAN, |n| n.1));
    ui.label(number(nsd, pending, 3));
    ui.label(number(get(|o| o.reference_ml), organ.is_none(), 1));
    ui.label(number(get(|o| o.prediction_ml), organ.is_none(), 1));
    match organ {
        Some(o) => badge(ui, o.status),
        None => {
            ui.label("");
        }
    }
}
