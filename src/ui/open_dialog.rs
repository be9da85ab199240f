//! The "Open case" window: image channels, reference and predictions, each typed as
//! paths or picked with the system file dialog (rfd). The system dialog runs on its
//! own thread, so the viewer keeps drawing while it is open.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use super::app::OpenRequest;

/// Which list a file-dialog pick fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Images,
    Reference,
    Predictions,
}

/// State of the "Open case" window.
#[derive(Default)]
pub struct OpenDialog {
    /// Whether the window is shown.
    pub shown: bool,
    /// Image channels, one path per line (CT first, then MR sequences or nnU-Net channels).
    pub images: String,
    /// The reference label map.
    pub reference: String,
    /// Prediction label maps, one path per line.
    pub predictions: String,
    /// A note for the user (why Open is refused, what the file dialog did).
    pub note: Option<String>,
    picking: Option<(Field, Receiver<Vec<PathBuf>>)>,
}

fn lines(text: &str) -> Vec<PathBuf> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Opens the system file dialog on a worker thread; an empty list means cancelled
/// or no dialog available (no desktop portal and no zenity).
fn pick(field: Field) -> Receiver<Vec<PathBuf>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let dialog = rfd::FileDialog::new()
            .add_filter("NIfTI", &["nii", "gz"])
            .add_filter("all files", &["*"]);
        let picked = match field {
            Field::Images => dialog.set_title("Image channels").pick_files(),
            Field::Reference => dialog
                .set_title("Reference label map")
                .pick_file()
                .map(|p| vec![p]),
            Field::Predictions => dialog.set_title("Prediction label maps").pick_files(),
        };
        let _ = tx.send(picked.unwrap_or_default());
    });
    rx
}

impl OpenDialog {
    /// The request the fields describe, or why they do not make one.
    pub fn request(&self) -> Result<OpenRequest, &'static str> {
        let images = lines(&self.images);
        if images.is_empty() {
            return Err("give at least one image (the first line is shown first)");
        }
        let reference = lines(&self.reference).into_iter().next();
        Ok(OpenRequest {
            images,
            reference,
            predictions: lines(&self.predictions),
            ..Default::default()
        })
    }

    fn receive_pick(&mut self) {
        let Some((field, rx)) = &self.picking else {
            return;
        };
        let Ok(paths) = rx.try_recv() else { return };
        let field = *field;
        self.picking = None;
        if paths.is_empty() {
            self.note = Some(
                "no file chosen (without a desktop file dialog, type the paths or drop files on the window)"
                    .into(),
            );
            return;
        }
        self.note = None;
        let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let target = match field {
            Field::Images => &mut self.images,
            Field::Reference => &mut self.reference,
            Field::Predictions => &mut self.predictions,
        };
        *target = text.join("\n");
    }

    /// Draws the window; returns a request when the user presses Open.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<OpenRequest> {
        if !self.shown {
            return None;
        }
        self.receive_pick();
        if self.picking.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        let mut shown = self.shown;
        let mut request = None;
        egui::Window::new("Open case")
            .open(&mut shown)
            .default_width(560.0)
            .show(ctx, |ui| {
                egui::Grid::new("open fields")
                    .num_columns(3)
                    .show(ui, |ui| {
                        for (field, label, hint) in [
                            (Field::Images, "Images", "CT.nii.gz (one path per line)"),
                            (Field::Reference, "Reference", "labels.nii.gz"),
                            (
                                Field::Predictions,
                                "Predictions",
                                "prediction.nii.gz (one per line)",
                            ),
                        ] {
                            let label = ui.label(label);
                            let text = match field {
                                Field::Images => &mut self.images,
                                Field::Reference => &mut self.reference,
                                Field::Predictions => &mut self.predictions,
                            };
                            let (edit, rows) = if field == Field::Reference {
                                (egui::TextEdit::singleline(text), 1.0)
                            } else {
                                (egui::TextEdit::multiline(text).desired_rows(2), 2.0)
                            };
                            // A fixed size: the window does not reflow while a path is typed.
                            let height = rows * ui.text_style_height(&egui::TextStyle::Body) + 8.0;
                            ui.add_sized([420.0, height], edit.hint_text(hint))
                                .labelled_by(label.id);
                            let busy = self.picking.is_some();
                            if ui
                                .add_enabled(!busy, egui::Button::new("Browse…"))
                                .clicked()
                            {
                                self.picking = Some((field, pick(field)));
                            }
                            ui.end_row();
                        }
                    });
                if let Some(note) = &self.note {
                    ui.label(note.as_str());
                }
                if ui.button("Open").clicked() {
                    match self.request() {
                        Ok(r) => request = Some(r),
                        Err(why) => self.note = Some(why.into()),
                    }
                }
            });
        self.shown = shown && request.is_none();
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_become_a_request_one_path_per_line() {
        let dialog = OpenDialog {
            images: " ct.nii.gz \n\nt1.nii.gz".into(),
            reference: "ref.nii.gz".into(),
            predictions: "a.nii.gz\nb.nii.gz\n".into(),
            ..Default::default()
        };
        let r = dialog.request().expect("a request");
        assert_eq!(
            r.images,
            vec![PathBuf::from("ct.nii.gz"), PathBuf::from("t1.nii.gz")]
        );
        assert_eq!(r.reference, Some(PathBuf::from("ref.nii.gz")));
        assert_eq!(r.predictions.len(), 2);
    }

    #[test]
    fn no_image_is_refused() {
        let dialog = OpenDialog {
            reference: "ref.nii.gz".into(),
            ..Default::default()
        };
        assert!(dialog.request().is_err());
    }
}
