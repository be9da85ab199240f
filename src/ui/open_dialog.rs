//! The "Open" window: a case's image channels, reference and predictions, or a
//! dataset folder with its prediction folders, each typed as paths or picked with
//! the system file dialog (rfd). The system dialog runs on its own thread, so the
//! viewer keeps drawing while it is open.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use super::app::OpenRequest;

/// Which list a file-dialog pick fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Images,
    Reference,
    Predictions,
    Dataset,
    PredictionDirs,
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
    /// A dataset folder.
    pub dataset: String,
    /// The dataset's prediction folders, one per line (empty: its predictions*/).
    pub prediction_dirs: String,
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
            Field::Dataset => dialog
                .set_title("Dataset folder")
                .pick_folder()
                .map(|p| vec![p]),
            Field::PredictionDirs => dialog.set_title("Prediction folders").pick_folders(),
        };
        let _ = tx.send(picked.unwrap_or_default());
    });
    rx
}

impl OpenDialog {
    /// The request the fields describe, or why they do not make one.
    pub fn request(&self) -> Result<OpenRequest, &'static str> {
        let images = lines(&self.images);
        let reference = lines(&self.reference).into_iter().next();
        if images.is_empty() && reference.is_none() {
            return Err("give an image (the first line is shown first), or a reference alone");
        }
        Ok(OpenRequest {
            images,
            reference,
            predictions: lines(&self.predictions),
            ..Default::default()
        })
    }

    /// The dataset request the dataset fields describe, or why they do not make one.
    pub fn dataset_request(&self) -> Result<OpenRequest, &'static str> {
        let Some(dataset) = lines(&self.dataset).into_iter().next() else {
            return Err("give the dataset folder");
        };
        Ok(OpenRequest {
            dataset: Some(dataset),
            prediction_dirs: lines(&self.prediction_dirs),
            ..Default::default()
        })
    }

    fn field(&mut self, field: Field) -> &mut String {
        match field {
            Field::Images => &mut self.images,
            Field::Reference => &mut self.reference,
            Field::Predictions => &mut self.predictions,
            Field::Dataset => &mut self.dataset,
            Field::PredictionDirs => &mut self.prediction_dirs,
        }
    }

    /// One labelled path field with its Browse… button, as a grid row.
    fn path_row(&mut self, ui: &mut egui::Ui, field: Field, label: &str, hint: &str) {
        let label = ui.label(label);
        let single = matches!(field, Field::Reference | Field::Dataset);
        let busy = self.picking.is_some();
        let text = self.field(field);
        let (edit, rows) = if single {
            (egui::TextEdit::singleline(text), 1.0)
        } else {
            (egui::TextEdit::multiline(text).desired_rows(2), 2.0)
        };
        // A fixed size: the window does not reflow while a path is typed.
        let height = rows * ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        ui.add_sized([420.0, height], edit.hint_text(hint))
            .labelled_by(label.id);
        if ui
            .add_enabled(!busy, egui::Button::new("Browse…"))
            .clicked()
        {
            self.picking = Some((field, pick(field)));
        }
        ui.end_row();
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
        *self.field(field) = text.join("\n");
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
        egui::Window::new("Open a case or a dataset")
            .open(&mut shown)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.strong("A case");
                egui::Grid::new("open fields")
                    .num_columns(3)
                    .show(ui, |ui| {
                        self.path_row(ui, Field::Images, "Images", "CT.nii.gz (one path per line)");
                        self.path_row(ui, Field::Reference, "Reference", "labels.nii.gz");
                        self.path_row(
                            ui,
                            Field::Predictions,
                            "Predictions",
                            "prediction.nii.gz (one per line)",
                        );
                    });
                if ui.button("Open").clicked() {
                    match self.request() {
                        Ok(r) => request = Some(r),
                        Err(why) => self.note = Some(why.into()),
                    }
                }
                ui.separator();
                ui.strong("Or a dataset");
                egui::Grid::new("dataset fields")
                    .num_columns(3)
                    .show(ui, |ui| {
                        self.path_row(
                            ui,
                            Field::Dataset,
                            "Dataset folder",
                            "Dataset001 (imagesTs/ + labelsTs/, or labelsTs/ alone)",
                        );
                        self.path_row(
                            ui,
                            Field::PredictionDirs,
                            "Prediction folders",
                            "one per model (default: its predictions*/ folders)",
                        );
                    });
                if ui.button("Open dataset").clicked() {
                    match self.dataset_request() {
                        Ok(r) => request = Some(r),
                        Err(why) => self.note = Some(why.into()),
                    }
                }
                if let Some(note) = &self.note {
                    ui.label(note.as_str());
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
    fn dataset_fields_become_a_dataset_request() {
        let dialog = OpenDialog {
            dataset: " /data/Dataset001 ".into(),
            prediction_dirs: "/data/predictions_a\n/data/predictions_b".into(),
            ..Default::default()
        };
        let r = dialog.dataset_request().expect("a request");
        assert_eq!(r.dataset, Some(PathBuf::from("/data/Dataset001")));
        assert_eq!(r.prediction_dirs.len(), 2);
        assert!(OpenDialog::default().dataset_request().is_err());
    }

    #[test]
    fn nothing_is_refused_and_a_reference_alone_is_a_case() {
        assert!(OpenDialog::default().request().is_err());
        let dialog = OpenDialog {
            reference: "ref.nii.gz".into(),
            ..Default::default()
        };
        let r = dialog
            .request()
            .expect("label maps alone open on a black image");
        assert!(r.images.is_empty());
    }
}
