//! Reviews are never lost: every field survives a save and a reload; a writer
//! killed (SIGKILL) at random moments, many times, always leaves a valid file
//! holding every edit it had finished; a corrupt or newer file is reported and
//! kept; the CSV export reads back with a CSV parser, from the command line too.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{p, segscope, text};
use segscope::review::store::Edit;
use segscope::review::{BookmarkPlace, ReviewStore, Reviews, Verdict, export};

/// Fills every kind of record, with text that needs quoting in CSV.
fn reviewed() -> Reviews {
    let mut r = Reviews::default();
    r.set_status("word_0014", Verdict::NeedsCorrection, "Dr. Ó Briain");
    r.set_case_note(
        "word_0014",
        "tail of pancreas missed, \"see\" slice 80,\nrest fine",
        "Dr. Ó Briain",
    );
    r.set_verdict(
        "word_0014",
        (8, "pancreas"),
        Verdict::Rejected,
        "Dr. Ó Briain",
    );
    r.set_organ_note("word_0014", (8, "pancreas"), "FN: tail", "Dr. Ó Briain");
    r.set_verdict("word_0014", (1, "liver"), Verdict::Accepted, "Dr. Ó Briain");
    let kept = r.add_bookmark(
        "word_0014",
        BookmarkPlace {
            voxel: [230, 250, 80],
            world_mm: [-12.5, 40.25, -300.0],
            organ: Some((8, "pancreas".into())),
            note: "FN: pancreatic tail missed".into(),
        },
        "Dr. Ó Briain",
    );
    let gone = r.add_bookmark("word_0014", BookmarkPlace::default(), "Dr. Ó Briain");
    r.delete_bookmark("word_0014", &gone, "Dr. Ó Briain");
    r.set_status("word_0016", Verdict::Accepted, "second reader");
    assert_ne!(kept, gone);
    r
}

#[test]
fn every_field_survives_saving_and_reopening() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("segscope-review.json");
    let mut store = ReviewStore::open(&path, "dataset").expect("opens");
    store.reviews = reviewed();
    store.edited(Edit::Discrete);
    store.save_if_due().expect("due").expect("saves");
    let again = ReviewStore::open(&path, "dataset").expect("reopens");
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    assert_eq!(again.reviews, store.reviews);
    let case = &again.reviews.cases["word_0014"];
    assert_eq!(case.case.status, Verdict::NeedsCorrection);
    assert_eq!(case.case.stamp.reviewer, "Dr. Ó Briain");
    assert!(case.case.stamp.at.ends_with('Z') && case.case.stamp.at.len() == 24);
    assert_eq!(case.organs[&8].note, "FN: tail");
    assert_eq!(case.live_bookmarks().count(), 1);
    assert_eq!(case.bookmarks.len(), 2, "the deleted one is kept, marked");
    assert_eq!(again.reviews.reviewed_count(), 2);
    // The file is the documented format.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("reads")).expect("JSON");
    assert_eq!(json["format"], "segscope-review");
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["cases"]["word_0014"]["organs"]["8"]["verdict"],
        "rejected"
    );
}

/// The writer the kill test runs in a child process (this same test binary):
/// one edit after another, each saved, printing the edit's number once saved.
#[test]
fn review_writer_child() {
    let Ok(path) = std::env::var("SEGSCOPE_REVIEW_WRITER") else {
        return;
    };
    let mut store = ReviewStore::open(Path::new(&path), "kill test").expect("opens");
    let start = store.reviews.cases.len();
    for n in start..start + 100_000 {
        let case = format!("case_{n:06}");
        store.reviews.set_status(&case, Verdict::Accepted, "writer");
        store
            .reviews
            .set_case_note(&case, &"a note of some length ".repeat(20), "writer");
        store.edited(Edit::Discrete);
        store.save().expect("saves");
        println!("saved {n}");
    }
}

#[test]
fn a_writer_killed_at_any_moment_leaves_a_valid_file_with_every_finished_edit() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("segscope-review.json");
    let me = std::env::current_exe().expect("the test binary");
    let mut finished = 0usize;
    for round in 0..40 {
        let mut child = Command::new(&me)
            .args([
                "--exact",
                "review_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SEGSCOPE_REVIEW_WRITER", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts the writer");
        let stdout = child.stdout.take().expect("its output");
        let mut lines = BufReader::new(stdout).lines();
        // Let it finish a varying number of saves, then kill it mid-flight.
        let wanted = 1 + (round * 7) % 13;
        let mut last = None;
        for line in lines.by_ref() {
            let line = line.expect("a line");
            if let Some(n) = line.strip_prefix("saved ") {
                last = Some(n.parse::<usize>().expect("a number"));
                if last.is_some_and(|n| n + 1 >= finished + wanted) {
                    break;
                }
            }
        }
        // Kill between 0 and ~2 ms later: inside a save, often.
        std::thread::sleep(Duration::from_micros((round as u64 * 137) % 2000));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let last = last.expect("the writer saved at least once");
        let bytes = std::fs::read(&path).expect("the file exists");
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("round {round}: not valid JSON after the kill: {e}"));
        let cases = json["cases"].as_object().expect("cases");
        for n in 0..=last {
            assert!(
                cases.contains_key(&format!("case_{n:06}")),
                "round {round}: finished edit {n} is missing"
            );
        }
        finished = cases.len();
        let store = ReviewStore::open(&path, "kill test").expect("reopens");
        assert!(store.warnings.is_empty(), "{:?}", store.warnings);
    }
    assert!(finished >= 40, "{finished} edits in all");
}

#[test]
fn a_corrupt_file_is_kept_aside_and_reported() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("segscope-review.json");
    std::fs::write(
        &path,
        b"{\"format\": \"segscope-review\", \"version\": 1, \"cases\": {tr",
    )
    .expect("writes");
    let mut store = ReviewStore::open(&path, "d").expect("opens anyway");
    assert_eq!(store.warnings.len(), 1);
    assert!(
        store.warnings[0].contains("not valid JSON"),
        "{:?}",
        store.warnings
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(backups.len(), 1, "one backup");
    assert!(
        std::fs::read(backups[0].path())
            .expect("reads")
            .ends_with(b"{tr")
    );
    // New reviews can be saved; the backup stays.
    store.reviews.set_status("c", Verdict::Accepted, "me");
    store.save().expect("saves");
    assert!(backups[0].path().is_file());
}

#[test]
fn a_newer_version_is_kept_and_never_overwritten() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("segscope-review.json");
    let newer = br#"{"format": "segscope-review", "version": 7, "cases": {}, "future": true}"#;
    std::fs::write(&path, newer).expect("writes");
    let mut store = ReviewStore::open(&path, "d").expect("opens");
    assert!(
        store
            .read_only()
            .is_some_and(|w| w.contains("newer segscope"))
    );
    assert!(store.warnings.iter().any(|w| w.contains("version 7")));
    store.reviews.set_status("c", Verdict::Accepted, "me");
    store.edited(Edit::Discrete);
    assert!(store.save_if_due().expect("due").is_err());
    assert_eq!(std::fs::read(&path).expect("reads"), newer, "untouched");
    // A newer writer appearing during a session stops this one's saves too.
    let other = dir.path().join("other.json");
    let mut store = ReviewStore::open(&other, "d").expect("opens");
    store.save().expect("saves");
    std::fs::write(&other, newer).expect("a newer segscope writes");
    assert!(store.save().is_err());
    assert_eq!(std::fs::read(&other).expect("reads"), newer);
}

#[test]
fn the_csv_export_reads_back_with_a_csv_parser() {
    let reviews = export::complete(&reviewed(), &["word_0014".into(), "word_0099".into()]);
    let csv_text = export::to_csv(&reviews);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, export::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    // word_0014: two organs; word_0016: no organ; word_0099: not reviewed.
    assert_eq!(rows.len(), 4);
    let pancreas = rows
        .iter()
        .find(|r| &r[0] == "word_0014" && &r[6] == "8")
        .expect("the pancreas row");
    assert_eq!(&pancreas[1], "needs_correction");
    assert_eq!(
        &pancreas[2],
        "tail of pancreas missed, \"see\" slice 80,\nrest fine"
    );
    assert_eq!(&pancreas[3], "Dr. Ó Briain");
    assert_eq!(&pancreas[5], "1", "one live bookmark");
    assert_eq!(&pancreas[7], "pancreas");
    assert_eq!(&pancreas[8], "rejected");
    assert_eq!(&pancreas[9], "FN: tail");
    let unreviewed = rows.iter().find(|r| &r[0] == "word_0099").expect("listed");
    assert_eq!(&unreviewed[1], "unreviewed");
    assert_eq!(&unreviewed[6], "");
}

#[test]
fn review_export_on_the_command_line_writes_csv_and_json() {
    let data = common::shared_data();
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path();
    std::fs::create_dir(root.join("labelsTs")).expect("mkdir");
    for case in ["word_0014", "word_0016"] {
        std::os::unix::fs::symlink(
            data.join(format!("word_labels/{case}.nii.gz")),
            root.join(format!("labelsTs/{case}.nii.gz")),
        )
        .expect("links");
    }
    let out = segscope(&["review", "export", &p(root)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no review file"),
        "{}",
        text(&out.stderr)
    );

    let mut store = ReviewStore::open(&root.join("segscope-review.json"), "d").expect("opens");
    store
        .reviews
        .set_status("word_0014", Verdict::Rejected, "me");
    store.save().expect("saves");
    let json_path = root.join("out/reviews.json");
    let out = segscope(&[
        "review",
        "export",
        &p(root),
        "--csv",
        "-",
        "--json",
        &p(&json_path),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 2, "both cases of the dataset, one reviewed");
    assert_eq!(&rows[0][1], "rejected");
    assert_eq!(&rows[1][1], "unreviewed");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("written")).expect("JSON");
    assert_eq!(json["cases"]["word_0014"]["case"]["status"], "rejected");
}
