//! The strip chart under each view: one bar per slice along the view's normal
//! (Dice, or error voxels), the current slice marked; click or drag to go there.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke};

use super::state::StripMetric;
use crate::metrics::VoxelCounts;

/// Height of a strip chart in points.
pub const STRIP_HEIGHT: f32 = 44.0;

/// Red at Dice 0 through yellow to green at Dice 1.
fn dice_colour(dice: f64) -> Color32 {
    let t = dice.clamp(0.0, 1.0) as f32;
    let (r, g) = if t < 0.5 {
        (1.0, t * 2.0)
    } else {
        (2.0 - t * 2.0, 1.0)
    };
    Color32::from_rgb((r * 230.0) as u8, (g * 200.0) as u8, 60)
}

/// Draws the strip for `series` with `current` marked; returns the slice the user
/// clicked or dragged to. `ends` are the letters at the left and right ends.
pub fn strip_chart(
    ui: &mut egui::Ui,
    rect: Rect,
    series: &[VoxelCounts],
    current: usize,
    metric: StripMetric,
    ends: (char, char),
) -> Option<usize> {
    let response = ui.allocate_rect(rect, Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::from_gray(24));
    let n = series.len().max(1);
    let plot = rect.shrink2(egui::vec2(12.0, 3.0));
    let bar = plot.width() / n as f32;
    let max_errors = series
        .iter()
        .map(|c| c.false_positives() + c.false_negatives())
        .max()
        .unwrap_or(0)
        .max(1);
    for (i, c) in series.iter().enumerate() {
        let (height, colour) = match metric {
            StripMetric::Dice => match c.dice() {
                Some(d) => (d as f32, dice_colour(d)),
                None => continue,
            },
            StripMetric::Errors => {
                let e = c.false_positives() + c.false_negatives();
                if e == 0 {
                    continue;
                }
                (
                    e as f32 / max_errors as f32,
                    Color32::from_rgb(235, 120, 70),
                )
            }
        };
        let x0 = plot.left() + i as f32 * bar;
        let top = plot.bottom() - height.max(0.04) * plot.height();
        painter.rect_filled(
            Rect::from_min_max(
                Pos2::new(x0, top),
                Pos2::new(x0 + bar.max(1.0), plot.bottom()),
            ),
            0.0,
            colour,
        );
    }
    let x = plot.left() + (current as f32 + 0.5) * bar;
    painter.line_segment(
        [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
        Stroke::new(1.5, Color32::WHITE),
    );
    let font = FontId::proportional(11.0);
    painter.text(
        Pos2::new(rect.left() + 2.0, rect.center().y),
        Align2::LEFT_CENTER,
        ends.0,
        font.clone(),
        Color32::GRAY,
    );
    painter.text(
        Pos2::new(rect.right() - 2.0, rect.center().y),
        Align2::RIGHT_CENTER,
        ends.1,
        font,
        Color32::GRAY,
    );
    let pointer = response
        .interact_pointer_pos()
        .filter(|_| response.clicked() || response.dragged());
    pointer.map(|p| {
        let t = ((p.x - plot.left()) / plot.width()).clamp(0.0, 1.0);
        ((t * n as f32) as usize).min(n - 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_colours_run_from_red_to_green() {
        let (bad, good) = (dice_colour(0.0), dice_colour(1.0));
        assert!(bad.r() > 200 && bad.g() < 20);
        assert!(good.g() > 180 && good.r() < 20);
    }
}
