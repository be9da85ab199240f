//! The real app under egui_kittest: a GPU check that skips loudly (or fails
//! under SEGSCOPE_REQUIRE_GPU=1), opening, settling and saving window shots.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use segscope::ui::app::{OpenRequest, SegscopeApp};

/// Window size of the app under test, in points (1 point = 1 pixel here).
pub const WINDOW: [f32; 2] = [1500.0, 900.0];

/// True when wgpu finds an adapter; otherwise skips loudly, or fails under
/// SEGSCOPE_REQUIRE_GPU=1 (CI).
pub fn gpu_available() -> bool {
    match segscope::render::GpuContext::headless() {
        Ok(_) => true,
        Err(e) if std::env::var("SEGSCOPE_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("SEGSCOPE_REQUIRE_GPU=1 but {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED GUI TEST: {e}");
            false
        }
    }
}

/// Steps the app until `done` holds (two minutes at most), then one frame more.
pub fn step_until(
    harness: &mut Harness<'_, SegscopeApp>,
    what: &str,
    mut done: impl FnMut(&mut SegscopeApp) -> bool,
) {
    let start = Instant::now();
    while !done(harness.state_mut()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{what}: not within 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.step();
}

/// Steps the app until its background load has finished.
pub fn settle(harness: &mut Harness<'_, SegscopeApp>) {
    step_until(harness, "the case loads", |app| !app.is_loading());
    // A few frames for the panels to settle after the case appears.
    for _ in 0..2 {
        harness.step();
    }
}

/// The app on `request`, loaded, at the test window size.
pub fn open_app(request: OpenRequest) -> Harness<'static, SegscopeApp> {
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .wgpu()
        .build_eframe(move |cc| SegscopeApp::new(cc, request));
    settle(&mut harness);
    assert_eq!(harness.state().error(), None, "the case loads");
    harness
}

/// Saves a window shot to $SEGSCOPE_TEST_SHOTS/NAME.png when that is set (to look at).
pub fn keep_shot(shot: &image::RgbaImage, name: &str) {
    if let Some(dir) = std::env::var_os("SEGSCOPE_TEST_SHOTS") {
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        shot.save(&path).expect("writes the shot");
    }
}
