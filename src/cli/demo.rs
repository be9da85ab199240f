//! What `segscope` does without a subcommand: describe the built-in demo case.

use anyhow::Result;

use super::report::{image_report, label_report};
use crate::demo::phantom_case;
use crate::labels::Preset;

/// Builds the demo phantom and prints what `segscope info` would say about it.
pub fn run() -> Result<()> {
    let case = phantom_case();
    let table = Preset::Word.table();
    println!(
        "segscope demo case: {} (a phantom segscope generates itself; WORD label ids)\n",
        case.name
    );
    for (name, image) in &case.images {
        println!("image {name}\n{}", image_report(image).to_text());
    }
    if let Some(reference) = &case.reference {
        println!("reference\n{}", label_report(reference, &table).to_text());
    }
    for (name, prediction) in &case.predictions {
        println!(
            "prediction {name}\n{}",
            label_report(prediction, &table).to_text()
        );
    }
    println!(
        "Describe your own files with: segscope info --case IMAGE --reference LABELS --prediction LABELS"
    );
    Ok(())
}
