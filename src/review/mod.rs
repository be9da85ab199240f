//! Review records, without any UI: a status per case and a verdict per organ on
//! one scale, free-text notes, bookmarks on positions, each stamped with its
//! reviewer and time; merging two versions of a dataset's reviews record by
//! record; saving them safely (`store`) and exporting them (`export`).

pub mod export;
pub mod store;
mod time;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use store::{ReviewError, ReviewStore, SaveOutcome};
pub use time::now_utc;

/// The file format's name, written in every review file.
pub const FORMAT: &str = "segscope-review";
/// The layout version this build writes and reads; a file with a larger number
/// was written by a newer segscope and is never overwritten.
pub const VERSION: u32 = 1;

/// A case's status or an organ's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not looked at yet.
    #[default]
    Unreviewed,
    /// Correct as it is.
    Accepted,
    /// Usable after corrections.
    NeedsCorrection,
    /// Wrong beyond repair, or the image itself is unusable.
    Rejected,
}

impl Verdict {
    /// Every verdict, in the order the UI offers them.
    pub const ALL: [Verdict; 4] = [
        Verdict::Unreviewed,
        Verdict::Accepted,
        Verdict::NeedsCorrection,
        Verdict::Rejected,
    ];

    /// The name in files and exports (`needs_correction`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Unreviewed => "unreviewed",
            Verdict::Accepted => "accepted",
            Verdict::NeedsCorrection => "needs_correction",
            Verdict::Rejected => "rejected",
        }
    }

    /// The label on buttons.
    pub fn title(self) -> &'static str {
        match self {
            Verdict::Unreviewed => "unreviewed",
            Verdict::Accepted => "accepted",
            Verdict::NeedsCorrection => "needs correction",
            Verdict::Rejected => "rejected / bad image",
        }
    }
}

/// Who changed a record, and when (RFC 3339, UTC, milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stamp {
    /// The reviewer's name as they entered it.
    pub reviewer: String,
    /// When: `2026-12-04T07:05:07.123Z`; such strings sort in time order.
    pub at: String,
}

impl Stamp {
    /// Now, by `reviewer`.
    pub fn now(reviewer: &str) -> Self {
        Stamp {
            reviewer: reviewer.to_string(),
            at: now_utc(),
        }
    }
}

/// A case's own status and note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseVerdict {
    /// The case's status.
    pub status: Verdict,
    /// Free text about the case.
    #[serde(default)]
    pub note: String,
    /// The last change.
    pub stamp: Stamp,
}

/// One organ's verdict and note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrganVerdict {
    /// The organ's name when the verdict was given (ids differ between datasets).
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Free text about the organ.
    #[serde(default)]
    pub note: String,
    /// The last change.
    pub stamp: Stamp,
}

/// A position worth coming back to, with a note ("FN: pancreatic tail missed").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Bookmark {
    /// Unique across reviewers and instances (reviewer's time + a random part).
    pub id: String,
    /// The voxel (i, j, k) of the crosshair; each view shows its slice through it.
    pub voxel: [usize; 3],
    /// The same point in RAS world millimetres, for other tools.
    pub world_mm: [f64; 3],
    /// The organ under the crosshair in the reference (or the one inspected), if any.
    pub organ: Option<u16>,
    /// That organ's name.
    #[serde(default)]
    pub organ_name: String,
    /// What is there.
    #[serde(default)]
    pub note: String,
    /// Set when the bookmark was deleted: kept, so a merge does not bring it back.
    #[serde(default)]
    pub deleted: bool,
    /// The last change.
    pub stamp: Stamp,
}

/// Everything reviewed about one case.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseReview {
    /// Status and note of the case.
    pub case: CaseVerdict,
    /// Per organ id (the case's reference numbering).
    #[serde(default)]
    pub organs: BTreeMap<u16, OrganVerdict>,
    /// Bookmarks, in the order they were made (deleted ones included, marked).
    #[serde(default)]
    pub bookmarks: Vec<Bookmark>,
}

impl CaseReview {
    /// The bookmarks not deleted.
    pub fn live_bookmarks(&self) -> impl Iterator<Item = &Bookmark> {
        self.bookmarks.iter().filter(|b| !b.deleted)
    }

    /// True when the case has a status other than unreviewed.
    pub fn is_reviewed(&self) -> bool {
        self.case.status != Verdict::Unreviewed
    }
}

/// A dataset's (or one case's) reviews: what a review file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reviews {
    /// Always [`FORMAT`].
    pub format: String,
    /// The layout version ([`VERSION`]).
    pub version: u32,
    /// What the reviews are of: the dataset folder or the case's reference.
    #[serde(default)]
    pub subject: String,
    /// Per case name.
    #[serde(default)]
    pub cases: BTreeMap<String, CaseReview>,
}

impl Default for Reviews {
    fn default() -> Self {
        Reviews {
            format: FORMAT.into(),
            version: VERSION,
            subject: String::new(),
            cases: BTreeMap::new(),
        }
    }
}

/// Keeps the newer of two stamped records (the other side's on a tie, so that
/// merging twice gives the same result).
fn newer<'a, T>(ours: &'a T, theirs: &'a T, stamp: fn(&T) -> &Stamp) -> &'a T {
    if stamp(ours).at > stamp(theirs).at {
        ours
    } else {
        theirs
    }
}

impl Reviews {
    /// Number of cases with a status other than unreviewed.
    pub fn reviewed_count(&self) -> usize {
        self.cases.values().filter(|c| c.is_reviewed()).count()
    }

    /// The status of `case` (unreviewed when it has no record).
    pub fn status(&self, case: &str) -> Verdict {
        self.cases
            .get(case)
            .map_or(Verdict::Unreviewed, |c| c.case.status)
    }

    /// How many of the cases `names` have a status other than unreviewed.
    pub fn reviewed_among<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> usize {
        names
            .into_iter()
            .filter(|n| self.status(n) != Verdict::Unreviewed)
            .count()
    }

    /// Combines another version of the same reviews into this one, record by
    /// record: for each case status, organ verdict and bookmark the newer edit
    /// wins, so two reviewers (or two windows) working on different cases or
    /// organs both keep their work.
    pub fn merge(&mut self, theirs: &Reviews) {
        for (name, other) in &theirs.cases {
            let Some(ours) = self.cases.get_mut(name) else {
                self.cases.insert(name.clone(), other.clone());
                continue;
            };
            ours.case = newer(&ours.case, &other.case, |c| &c.stamp).clone();
            for (id, verdict) in &other.organs {
                let merged = match ours.organs.get(id) {
                    Some(mine) => newer(mine, verdict, |v| &v.stamp).clone(),
                    None => verdict.clone(),
                };
                ours.organs.insert(*id, merged);
            }
            for bookmark in &other.bookmarks {
                match ours.bookmarks.iter_mut().find(|b| b.id == bookmark.id) {
                    Some(mine) => *mine = newer(mine, bookmark, |b| &b.stamp).clone(),
                    None => ours.bookmarks.push(bookmark.clone()),
                }
            }
        }
    }
}

/// What a new bookmark records (its id and stamp are added when it is made).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BookmarkPlace {
    /// The crosshair voxel (i, j, k).
    pub voxel: [usize; 3],
    /// The same point in RAS mm.
    pub world_mm: [f64; 3],
    /// The organ there, with its name.
    pub organ: Option<(u16, String)>,
    /// The reviewer's note.
    pub note: String,
}

/// Edits, each stamped with its reviewer and the time.
impl Reviews {
    /// The review of `case`, created empty if it has none.
    pub fn case_mut(&mut self, case: &str) -> &mut CaseReview {
        self.cases.entry(case.to_string()).or_default()
    }

    /// Sets a case's status.
    pub fn set_status(&mut self, case: &str, status: Verdict, reviewer: &str) {
        let c = &mut self.case_mut(case).case;
        c.status = status;
        c.stamp = Stamp::now(reviewer);
    }

    /// Sets a case's note.
    pub fn set_case_note(&mut self, case: &str, note: &str, reviewer: &str) {
        let c = &mut self.case_mut(case).case;
        c.note = note.to_string();
        c.stamp = Stamp::now(reviewer);
    }

    fn organ_mut(&mut self, case: &str, id: u16, name: &str) -> &mut OrganVerdict {
        let organ = self.case_mut(case).organs.entry(id).or_default();
        organ.name = name.to_string();
        organ
    }

    /// Sets an organ's verdict.
    pub fn set_verdict(
        &mut self,
        case: &str,
        (id, name): (u16, &str),
        verdict: Verdict,
        reviewer: &str,
    ) {
        let organ = self.organ_mut(case, id, name);
        organ.verdict = verdict;
        organ.stamp = Stamp::now(reviewer);
    }

    /// Sets an organ's note.
    pub fn set_organ_note(
        &mut self,
        case: &str,
        (id, name): (u16, &str),
        note: &str,
        reviewer: &str,
    ) {
        let organ = self.organ_mut(case, id, name);
        organ.note = note.to_string();
        organ.stamp = Stamp::now(reviewer);
    }

    /// Drops a bookmark at `place`; returns its id.
    pub fn add_bookmark(&mut self, case: &str, place: BookmarkPlace, reviewer: &str) -> String {
        let id = new_bookmark_id();
        let (organ, organ_name) = place
            .organ
            .map_or((None, String::new()), |(i, n)| (Some(i), n));
        self.case_mut(case).bookmarks.push(Bookmark {
            id: id.clone(),
            voxel: place.voxel,
            world_mm: place.world_mm,
            organ,
            organ_name,
            note: place.note,
            deleted: false,
            stamp: Stamp::now(reviewer),
        });
        id
    }

    /// Deletes a bookmark (it stays in the file, marked, so merges do not revive it).
    pub fn delete_bookmark(&mut self, case: &str, id: &str, reviewer: &str) {
        if let Some(b) = self
            .case_mut(case)
            .bookmarks
            .iter_mut()
            .find(|b| b.id == id)
        {
            b.deleted = true;
            b.stamp = Stamp::now(reviewer);
        }
    }
}

/// Name of a dataset's review file, in the dataset folder.
pub const DATASET_REVIEW_FILE: &str = "segscope-review.json";

/// Where a dataset's reviews are kept: `DATASET/segscope-review.json`.
pub fn dataset_review_path(root: &std::path::Path) -> std::path::PathBuf {
    root.join(DATASET_REVIEW_FILE)
}

/// Where a single case's reviews are kept when no dataset is open: beside the
/// file that names the case (its reference, else its image), as
/// `NAME.segscope-review.json`.
pub fn case_review_path(file: &std::path::Path) -> std::path::PathBuf {
    let stem = crate::dataset::nifti_stem(file).unwrap_or_else(|| {
        file.file_name()
            .map_or_else(|| "case".into(), |n| n.to_string_lossy().into_owned())
    });
    file.with_file_name(format!("{stem}.segscope-review.json"))
}

/// A new bookmark id: unique without coordination (time, process, a counter).
pub fn new_bookmark_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{nanos:x}-{:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(at: &str) -> Stamp {
        Stamp {
            reviewer: "dr a".into(),
            at: at.into(),
        }
    }

    #[test]
    fn merging_keeps_the_newer_record_of_each_kind() {
        let mut ours = Reviews::default();
        let mut theirs = Reviews::default();
        let mut a = CaseReview {
            case: CaseVerdict {
                status: Verdict::Accepted,
                note: "ours".into(),
                stamp: stamp("2026-12-04T08:00:00.000Z"),
            },
            ..Default::default()
        };
        a.organs.insert(
            1,
            OrganVerdict {
                name: "liver".into(),
                verdict: Verdict::NeedsCorrection,
                note: String::new(),
                stamp: stamp("2026-12-04T07:00:00.000Z"),
            },
        );
        let mut b = a.clone();
        b.case.status = Verdict::Rejected;
        b.case.stamp = stamp("2026-12-04T07:30:00.000Z");
        b.organs.get_mut(&1).expect("liver").verdict = Verdict::Accepted;
        b.organs.get_mut(&1).expect("liver").stamp = stamp("2026-12-04T09:00:00.000Z");
        b.bookmarks.push(Bookmark {
            id: "x".into(),
            ..Default::default()
        });
        ours.cases.insert("c1".into(), a);
        theirs.cases.insert("c1".into(), b);
        theirs.cases.insert("c2".into(), CaseReview::default());
        ours.merge(&theirs);
        let c1 = &ours.cases["c1"];
        assert_eq!(c1.case.status, Verdict::Accepted, "our case edit is newer");
        assert_eq!(
            c1.organs[&1].verdict,
            Verdict::Accepted,
            "their organ edit is newer"
        );
        assert_eq!(c1.bookmarks.len(), 1);
        assert!(ours.cases.contains_key("c2"));
        // Merging again changes nothing.
        let once = ours.clone();
        ours.merge(&theirs);
        assert_eq!(ours, once);
    }

    #[test]
    fn bookmark_ids_do_not_repeat() {
        let ids: std::collections::BTreeSet<String> =
            (0..1000).map(|_| new_bookmark_id()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
