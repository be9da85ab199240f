//! `segscope metrics`: per-organ metrics of one pair, or of a whole dataset in
//! parallel (optionally one shard of it), written as CSV and nnU-Net-style JSON;
//! `segscope metrics merge` combines shards.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use rayon::prelude::*;

use crate::dataset::nifti_stem;
use crate::labels::{LabelTable, Preset, from_nifti_extensions};
use crate::metrics::export::{CaseEntry, Summary, case_entry, csv_header, csv_number, csv_row};
use crate::metrics::regions::ErrorRegion;
use crate::metrics::{
    CaseMetrics, Convention, IdMap, LabelMetrics, MetricsSettings, SurfaceDefinition,
    case_error_regions, evaluate, match_by_name,
};
use crate::volume::LabelMap;

/// Arguments of `segscope metrics`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MetricsArgs {
    /// `merge`: combine shard outputs.
    #[command(subcommand)]
    pub command: Option<MetricsCommand>,
    /// Dataset folder in nnU-Net layout (references in labelsTs/ or labelsTr/); give --prediction-dir too.
    #[arg(value_name = "DATASET_DIR")]
    pub dataset: Option<PathBuf>,
    /// Reference label map of one case.
    #[arg(long, value_name = "FILE", requires = "prediction")]
    pub reference: Option<PathBuf>,
    /// Predicted label map of one case.
    #[arg(long, value_name = "FILE", requires = "reference")]
    pub prediction: Option<PathBuf>,
    /// Folder of reference label maps named CASE.nii.gz.
    #[arg(long, value_name = "DIR")]
    pub reference_dir: Option<PathBuf>,
    /// Folder of predicted label maps named CASE.nii.gz.
    #[arg(long, value_name = "DIR")]
    pub prediction_dir: Option<PathBuf>,
    /// Empty-mask convention: nnunet, word (MedPy surfaces, 50 mm), flare22 (per-organ NSD tolerances).
    #[arg(long, value_enum, default_value_t = Convention::Nnunet)]
    pub convention: Convention,
    /// Surface definition (default: the convention's: deepmind for nnunet/flare22, medpy for word).
    #[arg(long, value_enum)]
    pub surface: Option<SurfaceDefinition>,
    /// NSD tolerance in mm (repeatable; default 1 and 2).
    #[arg(long = "tolerance", value_name = "MM")]
    pub tolerances: Vec<f64>,
    /// Only these label ids, e.g. --labels 1,2,5.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub labels: Option<Vec<u16>>,
    /// Names for the reference's ids (ITK-SNAP, Slicer, dataset.json, or NIfTI with embedded names).
    #[arg(long, value_name = "FILE")]
    pub label_table: Option<PathBuf>,
    /// Built-in names for the reference's ids.
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Names for the prediction's ids when its class map differs; organs are then paired by name.
    #[arg(long, value_name = "FILE")]
    pub prediction_label_table: Option<PathBuf>,
    /// Overlap metrics only (no HD, HD95, ASSD, NSD).
    #[arg(long)]
    pub no_surface: bool,
    /// Write one row per case × organ to this CSV file (`-` for standard output).
    #[arg(long, value_name = "PATH")]
    pub csv: Option<PathBuf>,
    /// Write the JSON summary (nnU-Net summary.json shape) to this file (`-` for standard output).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write every organ's connected false-positive and false-negative regions
    /// (26-connectivity: size, bounding box, centroid, largest slice) to this CSV file.
    #[arg(long, value_name = "PATH")]
    pub regions: Option<PathBuf>,
    /// Evaluate only the K-th of N equal slices of the sorted case list (for job arrays).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
}

/// Subcommands of `segscope metrics`.
#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Combine shard outputs: JSON summaries into one summary, or CSV files into one CSV
    /// (by OUT's extension). The result equals a single-machine run.
    Merge {
        /// Output file (.json or .csv).
        out: PathBuf,
        /// Shard outputs of the same kind.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N, e.g. 3/10")?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| "K is not a number")?,
        n.trim().parse().map_err(|_| "N is not a number")?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: need 1 ≤ K ≤ N"));
    }
    Ok((k, n))
}

/// One reference/prediction pair to evaluate.
#[derive(Debug, Clone)]
struct Pair {
    case: String,
    reference: PathBuf,
    prediction: PathBuf,
}

/// Runs `segscope metrics`.
pub fn run(args: &MetricsArgs) -> Result<()> {
    if let Some(MetricsCommand::Merge { out, shards }) = &args.command {
        return merge(out, shards);
    }
    let mut settings = MetricsSettings::new(args.convention);
    if let Some(s) = args.surface {
        settings.surface = s;
    }
    if !args.tolerances.is_empty() {
        if let Some(t) = args.tolerances.iter().find(|t| !t.is_finite() || **t < 0.0) {
            bail!("NSD tolerance {t} mm: must be a non-negative number");
        }
        settings.tolerances = args.tolerances.clone();
    }
    settings.labels = args.labels.clone();
    settings.surface_metrics = !args.no_surface;

    if let (Some(r), Some(p)) = (&args.reference, &args.prediction) {
        let case = nifti_stem(r).unwrap_or_else(|| r.display().to_string());
        return run_pairs(
            args,
            &settings,
            vec![Pair {
                case,
                reference: r.clone(),
                prediction: p.clone(),
            }],
            Vec::new(),
            true,
        );
    }
    let reference_dir = match (&args.reference_dir, &args.dataset) {
        (Some(dir), _) => dir.clone(),
        (None, Some(root)) => ["labelsTs", "labelsTr"]
            .iter()
            .map(|s| root.join(s))
            .find(|d| d.is_dir())
            .with_context(|| {
                format!(
                    "{}: no labelsTs/ or labelsTr/ folder (give --reference-dir)",
                    root.display()
                )
            })?,
        (None, None) => bail!(
            "nothing to evaluate: give --reference and --prediction, or DATASET_DIR / --reference-dir with --prediction-dir"
        ),
    };
    let prediction_dir = args
        .prediction_dir
        .clone()
        .context("dataset evaluation needs --prediction-dir DIR (predicted CASE.nii.gz files)")?;
    let (mut pairs, unpaired) = pair_folders(&reference_dir, &prediction_dir)?;
    if let Some((k, n)) = args.shard {
        let (start, end) = (pairs.len() * (k - 1) / n, pairs.len() * k / n);
        pairs = pairs[start..end].to_vec();
    }
    run_pairs(args, &settings, pairs, unpaired, false)
}

fn nifti_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot read folder", dir.display()))?
    {
        let path = entry?.path();
        if let Some(stem) = nifti_stem(&path).filter(|_| path.is_file()) {
            out.push((stem, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Pairs files by case name; returns the pairs and a reason line per unpaired file.
fn pair_folders(reference_dir: &Path, prediction_dir: &Path) -> Result<(Vec<Pair>, Vec<String>)> {
    let references = nifti_files(reference_dir)?;
    let predictions: std::collections::BTreeMap<String, PathBuf> =
        nifti_files(prediction_dir)?.into_iter().collect();
    let mut pairs = Vec::new();
    let mut unpaired = Vec::new();
    for (case, reference) in &references {
        match predictions.get(case) {
            Some(prediction) => pairs.push(Pair {
                case: case.clone(),
                reference: reference.clone(),
                prediction: prediction.clone(),
            }),
            None => unpaired.push(format!(
                "{}: no prediction {case}.nii.gz in {}",
                reference.display(),
                prediction_dir.display()
            )),
        }
    }
    for (case, prediction) in &predictions {
        if !references.iter().any(|(c, _)| c == case) {
            unpaired.push(format!(
                "{}: no reference {case}.nii.gz in {}",
                prediction.display(),
                reference_dir.display()
            ));
        }
    }
    Ok((pairs, unpaired))
}

/// Names for the reference and, when the prediction numbers organs differently, the renaming.
fn label_names(
    args: &MetricsArgs,
    reference: &LabelMap,
    prediction: &LabelMap,
) -> Result<(LabelTable, Option<IdMap>)> {
    let path_text = |m: &LabelMap| m.source.path.display().to_string();
    let mut names = from_nifti_extensions(&reference.source.extensions, &path_text(reference))
        .unwrap_or_else(|| LabelTable::empty(""));
    if let Some(preset) = args.preset {
        names.overlay(&preset.table());
    }
    if let Some(file) = &args.label_table {
        names.overlay(&LabelTable::from_file(file)?);
    }
    let prediction_names = match &args.prediction_label_table {
        Some(file) => Some(LabelTable::from_file(file)?),
        None => from_nifti_extensions(&prediction.source.extensions, &path_text(prediction)),
    };
    match prediction_names {
        Some(pred) if !names.is_empty() && !pred.iter().eq(names.iter()) => {
            let (map, merged) = match_by_name(&names, &pred);
            Ok((merged, Some(map)))
        }
        _ => Ok((names, None)),
    }
}

struct CaseResult {
    pair: Pair,
    metrics: CaseMetrics,
    renamed: bool,
    regions: Vec<ErrorRegion>,
}

impl CaseResult {
    /// The name the case's metrics give an organ id.
    fn organ_name(&self, id: u16) -> String {
        self.metrics
            .labels
            .iter()
            .find(|m| m.label_id == id)
            .map_or(String::new(), |m| m.label_name.clone())
    }
}

fn evaluate_pair(
    args: &MetricsArgs,
    settings: &MetricsSettings,
    pair: &Pair,
    want_regions: bool,
) -> Result<CaseResult> {
    let reference = LabelMap::load(&pair.reference)?;
    let prediction = LabelMap::load(&pair.prediction)?;
    let (names, rename) = label_names(args, &reference, &prediction)?;
    let metrics = evaluate(&reference, &prediction, &names, rename.as_ref(), settings)?;
    let regions = if want_regions {
        case_error_regions(&reference, &prediction, &metrics, rename.as_ref())
    } else {
        Vec::new()
    };
    Ok(CaseResult {
        pair: pair.clone(),
        metrics,
        renamed: rename.is_some(),
        regions,
    })
}

fn run_pairs(
    args: &MetricsArgs,
    settings: &MetricsSettings,
    pairs: Vec<Pair>,
    unpaired: Vec<String>,
    single: bool,
) -> Result<()> {
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let total = pairs.len();
    let progress = Progress::new(total, !single);
    let results: Vec<Result<CaseResult>> = pairs
        .par_iter()
        .map(|pair| {
            let want_regions =
                args.regions.is_some() || (single && args.csv.is_none() && args.json.is_none());
            let r = evaluate_pair(args, settings, pair, want_regions);
            progress.tick(
                done.fetch_add(1, Ordering::Relaxed) + 1,
                &pair.case,
                started,
            );
            r
        })
        .collect();
    progress.finish();
    let mut ok = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(c) => ok.push(c),
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    ok.sort_by(|a, b| a.pair.case.cmp(&b.pair.case));
    for c in &ok {
        if c.renamed {
            eprintln!(
                "note: {}: prediction ids paired with the reference's by organ name",
                c.pair.prediction.display()
            );
        }
    }
    let mut unpaired_all = unpaired.clone();
    unpaired_all.extend(failures.iter().map(|f| format!("not evaluated: {f}")));
    let summary = Summary::build(
        settings.convention.as_str(),
        settings.surface.describe(),
        &settings.tolerances,
        ok.iter().map(entry).collect(),
        unpaired_all,
    );
    if let Some(path) = &args.csv {
        let mut text = csv_header(settings);
        text.push('\n');
        for c in &ok {
            for m in &c.metrics.labels {
                text.push_str(&csv_row(&c.pair.case, m, settings));
                text.push('\n');
            }
        }
        write_atomically(path, text.as_bytes())?;
    }
    if let Some(path) = &args.json {
        write_atomically(path, &serde_json::to_vec_pretty(&summary)?)?;
    }
    if let Some(path) = &args.regions {
        let mut text = String::from(
            "case,label_id,label_name,kind,voxels,volume_ml,i_min,i_max,j_min,j_max,k_min,k_max,centroid_i,centroid_j,centroid_k,largest_slice_i,largest_slice_j,largest_slice_k\n",
        );
        for c in &ok {
            for r in &c.regions {
                let name = c.organ_name(r.label_id);
                let b = r.bbox;
                text.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{},{},{},{},{:.2},{:.2},{:.2},{},{},{}\n",
                    c.pair.case,
                    r.label_id,
                    name.replace(',', ";"),
                    r.kind.as_str(),
                    r.voxels,
                    csv_number(r.volume_ml),
                    b[0][0],
                    b[0][1],
                    b[1][0],
                    b[1][1],
                    b[2][0],
                    b[2][1],
                    r.centroid[0],
                    r.centroid[1],
                    r.centroid[2],
                    r.largest_slice[0],
                    r.largest_slice[1],
                    r.largest_slice[2]
                ));
            }
        }
        write_atomically(path, text.as_bytes())?;
    }
    if args.csv.is_none() && args.json.is_none() {
        if single {
            for c in &ok {
                print!("{}", case_table(c, settings));
            }
        } else {
            print!("{}", summary_table(&summary, settings));
        }
    }
    if !single {
        eprintln!(
            "evaluated {} case(s) in {:.1} s",
            ok.len(),
            started.elapsed().as_secs_f64()
        );
    }
    for u in &unpaired {
        eprintln!("unpaired: {u}");
    }
    for f in &failures {
        eprintln!("error: {f}");
    }
    if !failures.is_empty() {
        bail!("{} case(s) could not be evaluated", failures.len());
    }
    Ok(())
}

fn entry(c: &CaseResult) -> CaseEntry {
    case_entry(
        &c.pair.case,
        &c.pair.reference.display().to_string(),
        &c.pair.prediction.display().to_string(),
        &c.metrics.labels,
    )
}

fn fmt(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        csv_number(x)
    }
}

fn case_table(c: &CaseResult, settings: &MetricsSettings) -> String {
    let mut out = format!(
        "{}  (convention {}, surface {}, NSD tolerances {} mm)\n",
        c.pair.case,
        settings.convention.as_str(),
        format!("{:?}", settings.surface).to_lowercase(),
        settings
            .tolerances
            .iter()
            .map(|t| csv_number(*t))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let nsd_heads: String = settings
        .tolerances
        .iter()
        .map(|t| format!(" {:>7}", format!("NSD@{}", csv_number(*t))))
        .collect();
    out.push_str(&format!(
        "{:>6}  {:<28} {:>9} {:>9} {:>7} {:>7} {:>8} {:>8} {:>8}{nsd_heads}  status\n",
        "id", "name", "ref ml", "pred ml", "Dice", "IoU", "HD", "HD95", "ASSD"
    ));
    for m in &c.metrics.labels {
        out.push_str(&row_text(m));
    }
    if !c.regions.is_empty() {
        out.push_str("largest error regions (voxel index i, j, k; slice where largest):\n");
        for r in c.regions.iter().take(8) {
            let name = c.organ_name(r.label_id);
            out.push_str(&format!(
                "  {:<15} {:<24} {:>9.2} ml  {:>7} voxels  centroid ({:.0}, {:.0}, {:.0})  largest at k = {}\n",
                r.kind.as_str(), truncate(&name, 24), r.volume_ml, r.voxels, r.centroid[0], r.centroid[1], r.centroid[2], r.largest_slice[2]
            ));
        }
    }
    out
}

fn row_text(m: &LabelMetrics) -> String {
    let nsd: String = m
        .nsd
        .iter()
        .map(|(_, v)| format!(" {:>7}", fmt(*v, 4)))
        .collect();
    format!(
        "{:>6}  {:<28} {:>9} {:>9} {:>7} {:>7} {:>8} {:>8} {:>8}{nsd}  {}\n",
        m.label_id,
        truncate(&m.label_name, 28),
        fmt(m.reference_ml, 2),
        fmt(m.prediction_ml, 2),
        fmt(m.dice, 4),
        fmt(m.iou, 4),
        fmt(m.hd_mm, 2),
        fmt(m.hd95_mm, 2),
        fmt(m.assd_mm, 3),
        m.status.as_str()
    )
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

fn summary_table(s: &Summary, settings: &MetricsSettings) -> String {
    let mut out = format!(
        "{} cases, convention {}, surface {}\n",
        s.metric_per_case.len(),
        s.convention,
        s.surface_definition
    );
    out.push_str(&format!(
        "{:>6}  {:<28} {:>8} {:>8} {:>8} {:>8}  hallucinated in\n",
        "id", "name", "Dice", "HD95", "ASSD", "NSD"
    ));
    let first_nsd = settings
        .tolerances
        .first()
        .map(|&t| crate::metrics::export::nsd_column(t));
    for (id, metrics) in &s.mean {
        let name = s
            .metric_per_case
            .iter()
            .find_map(|c| c.metrics.get(id).map(|o| o.name.clone()))
            .unwrap_or_default();
        let get = |k: &str| {
            metrics
                .get(k)
                .copied()
                .flatten()
                .map_or("nan".to_string(), |v| format!("{v:.4}"))
        };
        let nsd = first_nsd.as_deref().map_or("-".to_string(), get);
        let halluc = s
            .hallucinations
            .get(id)
            .map_or("-".to_string(), |n| format!("{n} case(s)"));
        out.push_str(&format!(
            "{:>6}  {:<28} {:>8} {:>8} {:>8} {:>8}  {halluc}\n",
            id,
            truncate(&name, 28),
            get("Dice"),
            get("HD95_mm"),
            get("ASSD_mm"),
            nsd
        ));
    }
    let fg = |k: &str| {
        s.foreground_mean
            .get(k)
            .copied()
            .flatten()
            .map_or("nan".to_string(), |v| format!("{v:.4}"))
    };
    out.push_str(&format!(
        "{:>6}  {:<28} {:>8} {:>8} {:>8}\n",
        "",
        "foreground mean",
        fg("Dice"),
        fg("HD95_mm"),
        fg("ASSD_mm")
    ));
    out
}

/// Writes through a temporary file in the same folder, then renames, so a reader
/// never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if path == Path::new("-") {
        std::io::stdout().write_all(bytes)?;
        return Ok(());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file path", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot replace", path.display()))?;
    Ok(())
}

fn merge(out: &Path, shards: &[PathBuf]) -> Result<()> {
    let is_csv = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let mut header: Option<String> = None;
        let mut rows: Vec<String> = Vec::new();
        for shard in shards {
            let text = std::fs::read_to_string(shard)
                .with_context(|| format!("{}: cannot read", shard.display()))?;
            let mut lines = text.lines();
            let h = lines
                .next()
                .with_context(|| format!("{}: empty CSV", shard.display()))?
                .to_string();
            match &header {
                Some(existing) if *existing != h => bail!(
                    "{}: columns differ from the first shard's (different settings?)",
                    shard.display()
                ),
                _ => header = Some(h),
            }
            rows.extend(lines.map(str::to_string));
        }
        // Rows sort by case, then numeric label id, like a single run writes them.
        rows.sort_by_key(|r| {
            let mut f = r.splitn(3, ',');
            (
                f.next().unwrap_or("").to_string(),
                f.next().and_then(|id| id.parse::<u32>().ok()).unwrap_or(0),
            )
        });
        let mut text = header.unwrap_or_default();
        text.push('\n');
        for r in rows {
            text.push_str(&r);
            text.push('\n');
        }
        return write_atomically(out, text.as_bytes());
    }
    let mut parts: Vec<Summary> = Vec::new();
    for shard in shards {
        let text = std::fs::read_to_string(shard)
            .with_context(|| format!("{}: cannot read", shard.display()))?;
        parts.push(
            serde_json::from_str(&text)
                .with_context(|| format!("{}: not a segscope metrics summary", shard.display()))?,
        );
    }
    let first = &parts[0];
    for (p, shard) in parts.iter().zip(shards) {
        if p.convention != first.convention
            || p.surface_definition != first.surface_definition
            || p.tolerances_mm != first.tolerances_mm
        {
            bail!(
                "{}: made with different settings (convention, surface or tolerances) than {}",
                shard.display(),
                shards[0].display()
            );
        }
    }
    let mut unpaired: Vec<String> = parts.iter().flat_map(|p| p.unpaired.clone()).collect();
    unpaired.sort();
    unpaired.dedup();
    let summary = Summary::build(
        &first.convention,
        &first.surface_definition,
        &first.tolerances_mm,
        parts
            .iter()
            .flat_map(|p| p.metric_per_case.clone())
            .collect(),
        unpaired,
    );
    write_atomically(out, &serde_json::to_vec_pretty(&summary)?)
}

/// A one-line progress bar on stderr (plain lines when stderr is not a terminal).
struct Progress {
    total: usize,
    enabled: bool,
    terminal: bool,
}

impl Progress {
    fn new(total: usize, enabled: bool) -> Self {
        Progress {
            total,
            enabled,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self, done: usize, case: &str, started: Instant) {
        if !self.enabled {
            return;
        }
        let width = 30;
        let filled = (done * width).checked_div(self.total).unwrap_or(width);
        let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
        let line = format!(
            "[{bar}] {done}/{} cases, {:.1} s, last {case}",
            self.total,
            started.elapsed().as_secs_f64()
        );
        if self.terminal {
            eprint!("\r{line}\x1b[K");
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        if self.enabled && self.terminal {
            eprintln!();
        }
    }
}
