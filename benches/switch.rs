//! Case switching in the dataset browser, on the real app driven headless: how
//! long after Ctrl+N the next case is in the views when it was prefetched, and
//! how long a case takes when it was not (Ctrl+P goes back to one that is no
//! longer loaded). Also the first frame of a new case: egui's CPU pass and the
//! GPU draw of the whole window (lavapipe on a machine without a GPU).
//!
//!     ../peers-venv/bin/python tools/make_word_predictions.py ../shared/data/word_labels bench-data/word30
//!     cargo bench --bench switch [-- DATASET_DIR]
//!
//! The dataset defaults to bench-data/word30: the 30 real WORD label maps with
//! make_bench_case.py's perturbed predictions, 512×512×159–307 each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use segscope::ui::app::{Focus, OpenRequest, SegscopeApp};
use segscope::ui::dataset_browser::CaseColumn;

const SWITCHES: usize = 12;

fn step_until(
    harness: &mut Harness<'_, SegscopeApp>,
    mut done: impl FnMut(&mut SegscopeApp) -> bool,
) {
    let start = Instant::now();
    while !done(harness.state_mut()) {
        assert!(start.elapsed() < Duration::from_secs(600), "timed out");
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let max = values[values.len() - 1];
    println!(
        "{name:<44} median {median:8.1} ms   max {max:8.1} ms   (n = {})",
        values.len()
    );
}

fn main() {
    let root = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("bench-data/word30"));
    if !root.join("labelsTs").is_dir() {
        eprintln!(
            "switch bench skipped: no dataset at {} (make it with tools/make_word_predictions.py)",
            root.display()
        );
        return;
    }
    let request = OpenRequest {
        dataset: Some(root.clone()),
        ..Default::default()
    };
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .wgpu()
        .build_eframe(move |cc| SegscopeApp::new(cc, request));
    let survey = Instant::now();
    step_until(&mut harness, |app| {
        app.browser().is_some_and(|b| {
            let (known, all) = b.survey.progress();
            known == all
        })
    });
    let (cases, cached) = harness
        .state()
        .browser()
        .map_or((0, 0), |b| (b.dataset.cases.len(), b.survey.cached));
    println!(
        "dataset {}: {cases} cases surveyed in {:.1} s ({cached} from the cache)",
        root.display(),
        survey.elapsed().as_secs_f64()
    );
    // Worst case first, as a user hunting failures sorts it.
    let first = {
        let b = harness.state_mut().browser_mut().expect("a dataset");
        b.sort_by(CaseColumn::WorstDice);
        b.order()[0]
    };
    harness
        .state_mut()
        .open_dataset_case(first, Some(Focus::Worst));
    step_until(&mut harness, |app| {
        !app.is_loading() && app.viewer().is_some()
    });
    let loaded = harness
        .state()
        .last_switch()
        .cloned()
        .expect("a case opened");
    println!(
        "first case {} loaded in {:.0} ms (not prefetched)",
        loaded.case,
        ms(loaded.took)
    );

    let (mut installs, mut ui_frames, mut gpu_frames, mut cold) = (vec![], vec![], vec![], vec![]);
    let mut steady_frames = vec![];
    for n in 0..SWITCHES.min(cases.saturating_sub(1)) {
        step_until(&mut harness, SegscopeApp::prefetch_ready);
        let frame = Instant::now();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
        harness.step();
        ui_frames.push(ms(frame.elapsed()));
        let report = harness.state().last_switch().cloned().expect("a switch");
        assert!(report.prefetched, "switch {n} was not prefetched");
        installs.push(ms(report.took));
        let draw = Instant::now();
        harness.render().expect("the window renders");
        gpu_frames.push(ms(draw.elapsed()));
        // The same window a slice further on, for comparison: any frame costs this.
        if let Some(viewer) = harness.state_mut().viewer_mut() {
            viewer.scroll(0, 1);
        }
        harness.step();
        let draw = Instant::now();
        harness.render().expect("the window renders");
        steady_frames.push(ms(draw.elapsed()));
        // Every third switch, also time a case that is not prefetched: back and forth.
        if n % 3 == 2 {
            harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::P);
            harness.step();
            step_until(&mut harness, |app| !app.is_loading());
            cold.push(ms(harness.state().last_switch().expect("a switch").took));
            step_until(&mut harness, SegscopeApp::prefetch_ready);
            harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
            harness.step();
            step_until(&mut harness, |app| !app.is_loading());
        }
    }
    summary("Ctrl+N after prefetch: case in the views", installs);
    summary("  that frame's egui pass (CPU)", ui_frames);
    summary("  that frame's draw, 1600x1000 (GPU)", gpu_frames);
    summary("  next frame (a slice on), for comparison", steady_frames);
    summary("Ctrl+P without prefetch: load + upload", cold);
}
