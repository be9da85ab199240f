//! Reviews for analysis: CSV with one row per case × reviewed organ (a case
//! without organ verdicts is one row with empty organ columns, so every case of
//! the dataset appears), and JSON in the review file's own documented format.

use super::{CaseReview, Reviews};
use crate::metrics::export::csv_field;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "case",
    "case_status",
    "case_note",
    "case_reviewer",
    "case_reviewed_at",
    "bookmarks",
    "label_id",
    "label_name",
    "verdict",
    "organ_note",
    "organ_reviewer",
    "organ_reviewed_at",
];

/// The reviews with every case of `cases` present (unreviewed where no record).
pub fn complete(reviews: &Reviews, cases: &[String]) -> Reviews {
    let mut all = reviews.clone();
    for name in cases {
        all.cases.entry(name.clone()).or_default();
    }
    all
}

/// CSV text of `reviews` (header line first, rows sorted by case then organ id).
pub fn to_csv(reviews: &Reviews) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for (name, review) in &reviews.cases {
        let case = case_fields(name, review);
        if review.organs.is_empty() {
            out.push_str(&case);
            out.push_str(",,,,,,\n");
            continue;
        }
        for (id, organ) in &review.organs {
            out.push_str(&case);
            for field in [
                id.to_string(),
                csv_field(&organ.name),
                organ.verdict.as_str().to_string(),
                csv_field(&organ.note),
                csv_field(&organ.stamp.reviewer),
                organ.stamp.at.clone(),
            ] {
                out.push(',');
                out.push_str(&field);
            }
            out.push('\n');
        }
    }
    out
}

fn case_fields(name: &str, review: &CaseReview) -> String {
    [
        csv_field(name),
        review.case.status.as_str().to_string(),
        csv_field(&review.case.note),
        csv_field(&review.case.stamp.reviewer),
        review.case.stamp.at.clone(),
        review.live_bookmarks().count().to_string(),
    ]
    .join(",")
}

/// JSON text of `reviews`, in the review file's format.
pub fn to_json(reviews: &Reviews) -> String {
    serde_json::to_string_pretty(reviews).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
