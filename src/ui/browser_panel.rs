//! The dataset browser page: a sortable table of cases (mean Dice, worst organ
//! and its Dice) with a case × organ heat map of Dice on the same rows. Click a
//! row to select it; Enter or a double-click opens the case at its worst organ;
//! a heat-map cell opens the case at that organ.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use super::dataset_browser::{CaseColumn, DatasetBrowser, OrganColumn};
use super::review_panel::verdict_colour;
use crate::review::{Reviews, Verdict};

/// What the user asked for on the page this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserAction {
    /// Open a case (dataset index), at an organ (its id in that case) or its worst.
    Open {
        /// The case.
        case: usize,
        /// The organ to inspect first; `None`: the case's worst.
        organ: Option<u16>,
    },
}

const ROW_HEIGHT: f32 = 20.0;
const CELL: f32 = 16.0;
/// Widths of the text columns: rank, case, mean Dice, worst organ, worst Dice, review.
const WIDTHS: [f32; 6] = [40.0, 190.0, 110.0, 190.0, 110.0, 150.0];
/// Height of the heat map's header, where organ names stand upright.
const ORGAN_HEADER: f32 = 120.0;

/// The colour of a Dice in the heat map: red (0) through yellow (0.5) to green (1).
pub fn dice_colour(dice: f64) -> Color32 {
    const STOPS: [(f64, [f32; 3]); 5] = [
        (0.0, [165.0, 0.0, 38.0]),
        (0.5, [244.0, 109.0, 67.0]),
        (0.75, [254.0, 224.0, 139.0]),
        (0.9, [166.0, 217.0, 106.0]),
        (1.0, [26.0, 152.0, 80.0]),
    ];
    let d = if dice.is_nan() {
        0.0
    } else {
        dice.clamp(0.0, 1.0)
    };
    let upper = STOPS
        .iter()
        .position(|(at, _)| *at >= d)
        .unwrap_or(4)
        .max(1);
    let ((a, ca), (b, cb)) = (STOPS[upper - 1], STOPS[upper]);
    let t = ((d - a) / (b - a).max(1e-9)) as f32;
    let c: Vec<u8> = (0..3)
        .map(|i| (ca[i] + (cb[i] - ca[i]) * t).round() as u8)
        .collect();
    Color32::from_rgb(c[0], c[1], c[2])
}

fn dice_text(d: f64) -> String {
    if d.is_nan() {
        "…".into()
    } else {
        format!("{d:.3}")
    }
}

/// Draws the page with each case's review status; returns what the user asked to open.
pub fn show(
    ui: &mut egui::Ui,
    b: &mut DatasetBrowser,
    reviews: Option<&Reviews>,
) -> Option<BrowserAction> {
    let mut action = None;
    // The table sorts by review status too: take the statuses in first.
    for (n, case) in b.dataset.cases.iter().enumerate() {
        let status = reviews.map_or(Verdict::Unreviewed, |r| r.status(&case.name));
        if let Some(slot) = b.review_status.get_mut(n) {
            *slot = status;
        }
    }
    header(ui, b);
    let order = b.order();
    let columns = b.organ_columns();
    keyboard(ui, b, &order, &mut action);
    let text_width: f32 = WIDTHS.iter().sum();
    let total_width = text_width + columns.len() as f32 * CELL + 8.0;
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            column_titles(ui, b, &columns, total_width);
            let spacing = ui.spacing().item_spacing.y;
            ui.spacing_mut().item_spacing.y = 0.0;
            for (rank, &case) in order.iter().enumerate() {
                let status = b.review_status.get(case).copied().unwrap_or_default();
                if let Some(a) = case_row(ui, b, &columns, (rank, case, status), total_width) {
                    action = Some(a);
                }
            }
            ui.spacing_mut().item_spacing.y = spacing;
        });
    action
}

/// Dataset name, survey progress, model choice, what could not be paired.
fn header(ui: &mut egui::Ui, b: &mut DatasetBrowser) {
    let (known, all) = b.survey.progress();
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("Dataset {}", b.dataset.root.display()));
        ui.label(format!("{all} cases"));
        let reviewed = b
            .review_status
            .iter()
            .filter(|v| **v != Verdict::Unreviewed)
            .count();
        ui.label(format!("{reviewed} of {all} reviewed"));
        if known < all {
            ui.spinner();
            ui.label(format!("Dice computed for {known}/{all}"));
        } else if b.survey.cached > 0 {
            ui.label(format!("Dice of {} cases from the cache", b.survey.cached));
        }
        let models = b.models().to_vec();
        if models.len() > 1 {
            let label = ui.label("model");
            egui::ComboBox::from_id_salt("browser model")
                .selected_text(models[b.model.min(models.len() - 1)].clone())
                .show_ui(ui, |ui| {
                    for (i, name) in models.iter().enumerate() {
                        ui.selectable_value(&mut b.model, i, name);
                    }
                })
                .response
                .labelled_by(label.id);
        } else if let Some(name) = models.first() {
            ui.label(format!("predictions: {name}"));
        } else {
            ui.label("no prediction folder: give --prediction-dir or add predictions*/");
        }
    });
    if !b.dataset.unpaired.is_empty() || !b.dataset.missing_predictions.is_empty() {
        let n = b.dataset.unpaired.len() + b.dataset.missing_predictions.len();
        egui::CollapsingHeader::new(format!("{n} files not in a case"))
            .id_salt("unpaired")
            .show(ui, |ui| {
                for u in &b.dataset.unpaired {
                    ui.label(format!("{}: {}", u.path.display(), u.reason));
                }
                for (case, dir) in &b.dataset.missing_predictions {
                    ui.label(format!("{case}: no prediction in {}", dir.display()));
                }
            });
    }
    ui.label(
        "click, Up/Down, Home/End: select   Enter / double-click: open at the worst organ   heat-map cell: open at that organ   Ctrl+N / Ctrl+P: next / previous case",
    );
}

/// Up/Down (Home/End) move the selection along the table's order; Enter opens it.
fn keyboard(
    ui: &egui::Ui,
    b: &mut DatasetBrowser,
    order: &[usize],
    action: &mut Option<BrowserAction>,
) {
    if ui.ctx().egui_wants_keyboard_input() || order.is_empty() {
        return;
    }
    let (down, up, home, end, enter) = ui.input(|i| {
        (
            i.key_pressed(egui::Key::ArrowDown),
            i.key_pressed(egui::Key::ArrowUp),
            i.key_pressed(egui::Key::Home),
            i.key_pressed(egui::Key::End),
            i.key_pressed(egui::Key::Enter),
        )
    });
    let at = b
        .selected
        .and_then(|c| order.iter().position(|&o| o == c))
        .unwrap_or(0);
    if down {
        b.selected = Some(order[(at + 1).min(order.len() - 1)]);
    }
    if up {
        b.selected = Some(order[at.saturating_sub(1)]);
    }
    if home {
        b.selected = order.first().copied();
    }
    if end {
        b.selected = order.last().copied();
    }
    if enter && let Some(case) = b.selected {
        *action = Some(BrowserAction::Open { case, organ: None });
    }
}

/// The sortable titles, and organ names standing upright over the heat map.
fn column_titles(ui: &mut egui::Ui, b: &mut DatasetBrowser, columns: &[OrganColumn], width: f32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, ORGAN_HEADER), Sense::hover());
    let titles = [
        (None, "#"),
        (Some(CaseColumn::Name), "case"),
        (Some(CaseColumn::MeanDice), "mean Dice"),
        (Some(CaseColumn::WorstOrgan), "worst organ"),
        (Some(CaseColumn::WorstDice), "worst Dice"),
        (Some(CaseColumn::Review), "review"),
    ];
    let mut x = rect.left();
    for ((column, title), w) in titles.into_iter().zip(WIDTHS) {
        let cell = Rect::from_min_size(
            Pos2::new(x, rect.bottom() - ROW_HEIGHT - 2.0),
            Vec2::new(w - 4.0, ROW_HEIGHT),
        );
        x += w;
        let Some(column) = column else {
            ui.painter().text(
                cell.left_center(),
                Align2::LEFT_CENTER,
                title,
                FontId::proportional(13.0),
                ui.visuals().text_color(),
            );
            continue;
        };
        let arrow = match (b.sort.0 == column, b.sort.1) {
            (true, true) => " ^",
            (true, false) => " v",
            _ => "",
        };
        if ui
            .put(
                cell,
                egui::Button::selectable(b.sort.0 == column, format!("{title}{arrow}")),
            )
            .on_hover_text("sort; again to reverse")
            .clicked()
        {
            b.sort_by(column);
        }
    }
    let painter = ui.painter_at(rect);
    for (n, column) in columns.iter().enumerate() {
        let centre = rect.left() + WIDTHS.iter().sum::<f32>() + (n as f32 + 0.5) * CELL;
        let galley = ui.painter().layout_no_wrap(
            column.name.clone(),
            FontId::proportional(11.0),
            ui.visuals().text_color(),
        );
        // Reads bottom to top, ending just above the first row.
        let origin = Pos2::new(centre - galley.size().y / 2.0, rect.bottom() - 4.0);
        painter.add(
            egui::epaint::TextShape::new(origin, galley, ui.visuals().text_color())
                .with_angle(-std::f32::consts::FRAC_PI_2),
        );
    }
}

/// One case: its numbers and review status, then a cell per organ. Returns an
/// open request.
fn case_row(
    ui: &mut egui::Ui,
    b: &mut DatasetBrowser,
    columns: &[OrganColumn],
    (rank, case, status): (usize, usize, Verdict),
    width: f32,
) -> Option<BrowserAction> {
    let (rect, response) = ui.allocate_exact_size(Vec2::new(width, ROW_HEIGHT), Sense::click());
    if !ui.is_rect_visible(rect) {
        return None;
    }
    let name = b.dataset.cases[case].name.clone();
    let selected = b.selected == Some(case);
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, selected, &name));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    if selected {
        painter.rect_filled(rect, 0.0, visuals.selection.bg_fill);
    } else if response.hovered() {
        painter.rect_filled(rect, 0.0, visuals.widgets.hovered.weak_bg_fill);
    } else if rank % 2 == 1 {
        painter.rect_filled(rect, 0.0, visuals.faint_bg_color);
    }
    if b.open == Some(case) {
        painter.rect_stroke(
            rect.shrink(0.5),
            0.0,
            Stroke::new(1.0, visuals.selection.stroke.color),
            egui::StrokeKind::Inside,
        );
    }
    let record = b.record(case);
    let worst = b.worst(case);
    let error = record.and_then(|r| r.error.clone());
    let texts = [
        format!("{}", rank + 1),
        name.clone(),
        match &error {
            Some(_) => "error".into(),
            None => dice_text(b.mean_dice(case)),
        },
        match (&error, worst) {
            (Some(e), _) => e.clone(),
            (None, Some((id, _))) => b.organ_name(case, id),
            (None, None) if record.is_some() => "–".into(),
            (None, None) => "…".into(),
        },
        worst.map_or_else(
            || {
                if record.is_some() {
                    "–".into()
                } else {
                    "…".into()
                }
            },
            |(_, d)| dice_text(d),
        ),
        status.title().to_string(),
    ];
    let text_colour = visuals.text_color();
    let mut x = rect.left();
    for (n, (text, w)) in texts.iter().zip(WIDTHS).enumerate() {
        let colour = match (n, &error) {
            (2 | 3, Some(_)) => Color32::from_rgb(255, 110, 90),
            (4, None) => worst.map_or(text_colour, |(_, d)| dice_colour(d)),
            (5, _) => verdict_colour(status),
            _ => text_colour,
        };
        let clip = painter.with_clip_rect(Rect::from_min_size(
            Pos2::new(x, rect.top()),
            Vec2::new(w - 6.0, ROW_HEIGHT),
        ));
        clip.text(
            Pos2::new(x + 2.0, rect.center().y),
            Align2::LEFT_CENTER,
            text,
            FontId::proportional(13.0),
            colour,
        );
        x += w;
    }
    let dice = b.dice(case);
    let mut hovered_organ = None;
    for (n, column) in columns.iter().enumerate() {
        let cell = Rect::from_min_size(
            Pos2::new(x + n as f32 * CELL, rect.top() + 2.0),
            Vec2::new(CELL - 2.0, ROW_HEIGHT - 4.0),
        );
        let id = column.ids[case];
        let value = id.and_then(|id| dice.and_then(|d| d.get(&id)).copied());
        let fill = match (value, dice) {
            (Some(d), _) => dice_colour(d),
            (None, Some(_)) => Color32::from_gray(48),
            (None, None) => Color32::from_gray(28),
        };
        painter.rect_filled(cell, 1.0, fill);
        if let Some(pos) = response.hover_pos()
            && cell.expand(1.0).contains(pos)
        {
            hovered_organ = Some((column, id, value));
        }
    }
    let mut action = None;
    if let Some((column, id, value)) = hovered_organ {
        let text = match value {
            Some(d) => format!("{name} / {}: Dice {d:.3}", column.name),
            None => format!("{name} / {}: in neither map", column.name),
        };
        response.clone().on_hover_text_at_pointer(text);
        if response.clicked()
            && let Some(id) = id
        {
            b.selected = Some(case);
            action = Some(BrowserAction::Open {
                case,
                organ: Some(id),
            });
        }
    }
    if response.clicked() {
        b.selected = Some(case);
    }
    if response.double_clicked() {
        action = Some(BrowserAction::Open { case, organ: None });
    }
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_colours_run_from_red_to_green() {
        let red = dice_colour(0.0);
        let green = dice_colour(1.0);
        assert!(red.r() > red.g());
        assert!(green.g() > green.r());
        assert_eq!(dice_colour(-1.0), red);
        assert_eq!(dice_colour(f64::NAN), dice_colour(0.0));
    }
}
