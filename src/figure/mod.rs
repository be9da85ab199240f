//! Publication figures: one slice of a case as side-by-side panels (image,
//! reference, prediction, difference) with identical crop and zoom, rendered
//! offscreen by the viewer's own shader at any resolution, with an organ legend
//! of exactly the organs in view, a scale bar, orientation letters and a caption
//! drawn crisp at the output resolution.

pub mod text;

use image::{Rgba, RgbaImage};

use crate::case::Case;
use crate::inspect::slices::{OrganSelection, slice_series, worst_slice};
use crate::labels::LabelTable;
use crate::metrics::OverlapCounts;
use crate::render::view::screen_axes;
use crate::render::{
    CaseTextures, DisplayMode, GpuContext, LayerStyle, Plane, RenderError, SlicePipeline,
    ViewMapping, ViewParams, region_mapping, render_view,
};
use crate::volume::{Geometry, LabelMap};
use text::{FigureFont, fill_rect};

/// One panel of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Panel {
    /// The image alone.
    Image,
    /// The reference over the image.
    #[value(alias = "ref")]
    Reference,
    /// The prediction over the image.
    #[value(alias = "pred")]
    Prediction,
    /// Agreement tinted, misses red, additions blue, confusions yellow.
    #[value(alias = "diff")]
    Difference,
}

impl Panel {
    fn title(self) -> &'static str {
        match self {
            Panel::Image => "image",
            Panel::Reference => "reference",
            Panel::Prediction => "prediction",
            Panel::Difference => "difference",
        }
    }
}

/// Which slice a figure shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SliceChoice {
    /// The middle slice.
    Middle,
    /// This slice, numbered from 0 in display order (as the viewer shows it, minus 1).
    Index(usize),
    /// The slice where this organ's reference cross-section is largest.
    Best(u16),
    /// This organ's worst-Dice slice (as the viewer's "worst slice").
    Worst(u16),
}

/// What to crop to.
#[derive(Debug, Clone, PartialEq)]
pub enum Crop {
    /// The whole slice.
    Whole,
    /// This part of the slice: per screen axis (horizontal, vertical), a range in
    /// display (RAS voxel) coordinates — what a zoomed view shows.
    Region([[f64; 2]; 2]),
    /// An organ's bounding box (reference or prediction) plus a margin in mm.
    Organ {
        /// The organ id.
        id: u16,
        /// Margin around its box, in mm.
        margin_mm: f64,
    },
}

/// Everything a figure is made of.
#[derive(Debug, Clone)]
pub struct FigureSpec {
    /// The plane.
    pub plane: Plane,
    /// The slice.
    pub slice: SliceChoice,
    /// The panels, left to right.
    pub panels: Vec<Panel>,
    /// Output pixels per finest in-plane voxel (1 = one pixel per voxel).
    pub scale: f64,
    /// Width of each panel in pixels, instead of `scale`.
    pub panel_width: Option<u32>,
    /// What to crop to.
    pub crop: Crop,
    /// Window centre and width.
    pub window: [f64; 2],
    /// Fill opacity of the label layers.
    pub fill: f32,
    /// Outline width in output pixels (0: no outline).
    pub outline_px: f32,
    /// Which prediction (index into the case's).
    pub prediction: usize,
    /// Organ legend.
    pub legend: bool,
    /// Scale bar.
    pub scale_bar: bool,
    /// Orientation letters on the panel edges.
    pub letters: bool,
    /// Plane, slice and window under the panels.
    pub caption: bool,
    /// Transparent background where there is no data (PNG/TIFF keep it).
    pub transparent: bool,
    /// Patient right on the left (radiological).
    pub radiological: bool,
    /// Largest tile drawn at once, in pixels (default: the GPU's 2D texture limit).
    pub max_tile: Option<u32>,
}

impl Default for FigureSpec {
    fn default() -> Self {
        FigureSpec {
            plane: Plane::Axial,
            slice: SliceChoice::Middle,
            panels: vec![Panel::Reference, Panel::Prediction, Panel::Difference],
            scale: 2.0,
            panel_width: None,
            crop: Crop::Whole,
            window: [40.0, 400.0],
            fill: 0.45,
            outline_px: 0.0,
            prediction: 0,
            legend: true,
            scale_bar: true,
            letters: true,
            caption: true,
            transparent: false,
            radiological: true,
            max_tile: None,
        }
    }
}

/// A rendered figure and what is in it.
pub struct Figure {
    /// The pixels.
    pub image: RgbaImage,
    /// The display slice shown.
    pub slice: usize,
    /// The organs in view in a label panel, listed in the legend.
    pub legend: Vec<(u16, String)>,
    /// Where each panel is in the image: (x, y, width, height) in pixels.
    pub panels: Vec<(u32, u32, u32, u32)>,
    /// The mapping each panel was drawn with (panel pixel fraction → voxel).
    pub mapping: ViewMapping,
}

/// Why a figure could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// The GPU failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The request does not fit the case.
    #[error("{0}")]
    Request(String),
}

/// The joint counts of the reference and the shown prediction (a map with itself
/// when the other is absent): one pass that serves both the slice choice and the
/// organ crop. `None` when neither needs it.
fn organ_counts(case: &Case, spec: &FigureSpec) -> Result<Option<OverlapCounts>, FigureError> {
    let by_organ = matches!(spec.slice, SliceChoice::Best(_) | SliceChoice::Worst(_))
        || matches!(spec.crop, Crop::Organ { .. });
    if !by_organ {
        return Ok(None);
    }
    let reference = case.reference.as_ref();
    let predicted = case.predictions.get(spec.prediction).map(|(_, m)| m);
    let (a, b) = match (reference, predicted) {
        (Some(r), Some(p)) => (r, p),
        (Some(m), None) | (None, Some(m)) => (m, m),
        (None, None) => {
            return Err(FigureError::Request(
                "choosing a slice or a crop by organ needs a label map".into(),
            ));
        }
    };
    crate::metrics::overlap_of(a, b, None)
        .map(Some)
        .map_err(|e| FigureError::Request(e.to_string()))
}

/// The display slice for `choice`; best/worst read the organ's per-slice counts
/// from `counts` (see [`organ_counts`]) and need a reference.
fn choose_slice(
    case: &Case,
    plane: Plane,
    choice: &SliceChoice,
    counts: Option<&OverlapCounts>,
) -> Result<usize, FigureError> {
    let grid = case
        .grid()
        .ok_or_else(|| FigureError::Request("the case has no volume".into()))?;
    let d = grid.display_axes();
    let axis = plane.normal_axis();
    let n = d.shape[axis];
    let organ_series = |id: u16| -> Result<Vec<crate::metrics::VoxelCounts>, FigureError> {
        let overlap = counts.filter(|_| case.reference.is_some()).ok_or_else(|| {
            FigureError::Request("choosing a slice by organ needs a reference".into())
        })?;
        Ok(slice_series(overlap, &d, axis, OrganSelection::One(id)))
    };
    match *choice {
        SliceChoice::Middle => Ok(n / 2),
        SliceChoice::Index(i) if i < n => Ok(i),
        SliceChoice::Index(i) => Err(FigureError::Request(format!(
            "slice {i} is outside the {} view's 0..{}",
            plane.name(),
            n - 1
        ))),
        SliceChoice::Best(id) => organ_series(id)?
            .iter()
            .enumerate()
            .filter(|(_, c)| c.reference > 0)
            .max_by_key(|(i, c)| (c.reference, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
            .ok_or_else(|| FigureError::Request(format!("organ {id} is not in the reference"))),
        SliceChoice::Worst(id) => worst_slice(&organ_series(id)?)
            .ok_or_else(|| FigureError::Request(format!("organ {id} is in neither map"))),
    }
}

/// The region of the slice the panels show, in display coordinates, per screen axis.
fn crop_region(
    spec: &FigureSpec,
    grid: &Geometry,
    counts: Option<&OverlapCounts>,
) -> Result<[[f64; 2]; 2], FigureError> {
    let d = grid.display_axes();
    let (su, sv) = screen_axes(spec.plane, spec.radiological);
    let whole = [su, sv].map(|a| [0.0, d.shape[a.world_axis] as f64]);
    let (id, margin_mm) = match spec.crop {
        Crop::Whole => return Ok(whole),
        Crop::Region(region) => return Ok(region),
        Crop::Organ { id, margin_mm } => (id, margin_mm),
    };
    // The box in either map (the joint counts know both).
    let bbox = counts.and_then(|c| c.bounding_box(id)).ok_or_else(|| {
        FigureError::Request(format!("organ {id} is in neither map: nothing to crop to"))
    })?;
    let mut lo = [0.0; 3];
    let mut hi = [0.0; 3];
    for w in 0..3 {
        let v = d.voxel_axis[w];
        let (a, b) = (bbox[v][0] as f64, bbox[v][1] as f64 + 1.0);
        (lo[w], hi[w]) = if d.flipped[w] {
            (d.shape[w] as f64 - b, d.shape[w] as f64 - a)
        } else {
            (a, b)
        };
    }
    Ok([su, sv].map(|a| {
        let w = a.world_axis;
        let margin = margin_mm / d.spacing[w];
        // Not clamped to the volume: the organ stays centred with its margin, and
        // what lies outside the volume is background (transparent if asked).
        [lo[w] - margin, hi[w] + margin]
    }))
}

/// Renders the figure of `spec` for `case` on `gpu`.
pub fn render_figure(
    gpu: &GpuContext,
    case: &Case,
    labels: &LabelTable,
    spec: &FigureSpec,
) -> Result<Figure, FigureError> {
    let grid = case
        .grid()
        .ok_or_else(|| FigureError::Request("the case has no volume".into()))?
        .clone();
    if spec.panels.is_empty() {
        return Err(FigureError::Request("no panels asked for".into()));
    }
    let needs_prediction = spec
        .panels
        .iter()
        .any(|p| matches!(p, Panel::Prediction | Panel::Difference));
    if needs_prediction && case.predictions.get(spec.prediction).is_none() {
        return Err(FigureError::Request(
            "the prediction and difference panels need a prediction".into(),
        ));
    }
    let needs_reference = spec
        .panels
        .iter()
        .any(|p| matches!(p, Panel::Reference | Panel::Difference));
    if needs_reference && case.reference.is_none() {
        return Err(FigureError::Request(
            "the reference and difference panels need a reference".into(),
        ));
    }
    let counts = organ_counts(case, spec)?;
    let slice = choose_slice(case, spec.plane, &spec.slice, counts.as_ref())?;
    let region = crop_region(spec, &grid, counts.as_ref())?;
    let d = grid.display_axes();
    let (su, sv) = screen_axes(spec.plane, spec.radiological);
    let extent_mm = [
        (region[0][1] - region[0][0]) * d.spacing[su.world_axis],
        (region[1][1] - region[1][0]) * d.spacing[sv.world_axis],
    ];
    let finest = d.spacing[su.world_axis].min(d.spacing[sv.world_axis]);
    let mm_per_px = match spec.panel_width {
        Some(w) if w > 0 => extent_mm[0] / f64::from(w),
        _ => finest / spec.scale.max(0.01),
    };
    let (pw, ph) = (
        (extent_mm[0] / mm_per_px).round().max(1.0) as u32,
        (extent_mm[1] / mm_per_px).round().max(1.0) as u32,
    );
    // Panels larger than the GPU's largest 2D texture are drawn in tiles.
    let tile = spec
        .max_tile
        .unwrap_or(u32::MAX)
        .min(gpu.device.limits().max_texture_dimension_2d)
        .max(16);
    let mapping = region_mapping(&grid, spec.plane, spec.radiological, slice, region);

    // The panels, by the viewer's shader.
    let textures =
        CaseTextures::upload_case(&gpu.device, &gpu.queue, case, Some(spec.prediction), labels)?;
    let pipeline = SlicePipeline::new(&gpu.device, crate::render::offscreen::OFFSCREEN_FORMAT);
    let layer = |shown: bool| LayerStyle {
        fill: spec.fill,
        outline: if spec.outline_px > 0.0 { 1.0 } else { 0.0 },
        shown,
    };
    // Every panel shares the mapping: which pixels lie outside the volume is
    // worked out once.
    let outside = spec
        .transparent
        .then(|| outside_volume(&mapping, (pw, ph), grid.shape));
    let mut panel_pixels = Vec::new();
    for panel in &spec.panels {
        let params = ViewParams {
            mapping,
            window: spec.window,
            reference: layer(*panel == Panel::Reference),
            prediction: layer(*panel == Panel::Prediction),
            outline_px: spec.outline_px.max(1.0),
            mode: if *panel == Panel::Difference {
                DisplayMode::Difference
            } else {
                DisplayMode::Layers
            },
            smooth: false,
        };
        let mut pixels = render_tiled(gpu, &pipeline, &textures, &params, (pw, ph), tile)?;
        if let Some(outside) = &outside {
            for (p, &out) in pixels.pixels_mut().zip(outside) {
                if out {
                    *p = Rgba([0, 0, 0, 0]);
                }
            }
        }
        panel_pixels.push(pixels);
    }
    let legend = if spec.legend {
        organs_in_view(case, spec, &mapping, (pw, ph), labels)
    } else {
        Vec::new()
    };
    let font = FigureFont::new()
        .ok_or_else(|| FigureError::Request("the figure font failed to load".into()))?;
    let layout = Layout::new(
        spec,
        (pw, ph),
        &legend,
        &font,
        spec.panels.contains(&Panel::Difference),
    );
    let mut image = RgbaImage::from_pixel(
        layout.size.0,
        layout.size.1,
        if spec.transparent {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([0, 0, 0, 255])
        },
    );
    // Text outside the panels: white on black, near-black on a transparent
    // background (which usually ends up on a white page).
    let ink = if spec.transparent {
        Rgba([30, 30, 30, 255])
    } else {
        Rgba([255, 255, 255, 255])
    };
    let mut placed = Vec::new();
    for (n, (panel, pixels)) in spec.panels.iter().zip(&panel_pixels).enumerate() {
        let (x, y) = layout.panel_origin(n);
        image::imageops::overlay(&mut image, pixels, i64::from(x), i64::from(y));
        placed.push((x, y, pw, ph));
        let title = match panel {
            Panel::Prediction => case
                .predictions
                .get(spec.prediction)
                .map_or("prediction".to_string(), |(name, _)| {
                    format!("prediction ({})", short_name(name))
                }),
            other => other.title().to_string(),
        };
        font.draw(
            &mut image,
            (x as f32, (y - layout.title_h) as f32),
            layout.text_px,
            ink,
            &title,
        );
        if spec.letters {
            draw_letters(&mut image, &font, (x, y, pw, ph), spec, layout.text_px);
        }
    }
    if spec.scale_bar {
        let (x, y) = layout.panel_origin(0);
        draw_scale_bar(&mut image, &font, (x, y, pw, ph), mm_per_px, layout.text_px);
    }
    if spec.caption {
        let n = d.shape[spec.plane.normal_axis()];
        let caption = format!(
            "{} slice {}/{}   W {:.0} / L {:.0}",
            spec.plane.name(),
            slice + 1,
            n,
            spec.window[1],
            spec.window[0]
        );
        font.draw(
            &mut image,
            (layout.margin as f32, layout.caption_y as f32),
            layout.text_px * 0.85,
            ink,
            &caption,
        );
    }
    layout.draw_legend(&mut image, &font, &legend, labels, ink);
    Ok(Figure {
        image,
        slice,
        legend,
        panels: placed,
        mapping,
    })
}

/// Renders a `w × h` view in tiles of at most `tile` pixels a side, each with its
/// part of the mapping; outlines look across tile edges (the shader samples
/// neighbours through the mapping), so the result equals one render.
fn render_tiled(
    gpu: &GpuContext,
    pipeline: &SlicePipeline,
    textures: &CaseTextures,
    params: &ViewParams,
    (w, h): (u32, u32),
    tile: u32,
) -> Result<RgbaImage, RenderError> {
    if w <= tile && h <= tile {
        return render_view(gpu, pipeline, textures, params, w, h);
    }
    let m = params.mapping;
    let mut out = RgbaImage::new(w, h);
    for ty in (0..h).step_by(tile as usize) {
        for tx in (0..w).step_by(tile as usize) {
            let (tw, th) = (tile.min(w - tx), tile.min(h - ty));
            let (fu, fv) = (f64::from(tw) / f64::from(w), f64::from(th) / f64::from(h));
            let part = ViewMapping {
                origin: m.voxel_at(f64::from(tx) / f64::from(w), f64::from(ty) / f64::from(h)),
                axis_u: m.axis_u.map(|a| a * fu),
                axis_v: m.axis_v.map(|a| a * fv),
            };
            let piece = render_view(
                gpu,
                pipeline,
                textures,
                &ViewParams {
                    mapping: part,
                    ..*params
                },
                tw,
                th,
            )?;
            image::imageops::replace(&mut out, &piece, i64::from(tx), i64::from(ty));
        }
    }
    Ok(out)
}

/// Writes PNG or TIFF (with alpha) or JPEG (without), by the file's extension;
/// encoded in memory first and written atomically, so a reader (a LaTeX build
/// watching the folder) never sees half a figure.
pub fn save_image(image: &RgbaImage, path: &std::path::Path) -> Result<(), FigureError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let failed = |e: String| {
        FigureError::Request(format!("{}: cannot write the figure: {e}", path.display()))
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    let encoded = match ext.as_str() {
        "png" => image.write_to(&mut bytes, image::ImageFormat::Png),
        "tif" | "tiff" => image.write_to(&mut bytes, image::ImageFormat::Tiff),
        "jpg" | "jpeg" => image::DynamicImage::ImageRgba8(image.clone())
            .to_rgb8()
            .write_to(&mut bytes, image::ImageFormat::Jpeg),
        _ => {
            return Err(FigureError::Request(format!(
                "{}: write .png, .tif or .jpg",
                path.display()
            )));
        }
    };
    encoded.map_err(|e| failed(e.to_string()))?;
    crate::atomic_file::write_atomically(path, bytes.get_ref()).map_err(|e| failed(e.to_string()))
}

fn short_name(name: &str) -> String {
    std::path::Path::new(name)
        .file_name()
        .map_or(name.to_string(), |f| f.to_string_lossy().into_owned())
}

/// For each pixel of a `w × h` panel (row by row), whether it lies outside the volume.
fn outside_volume(mapping: &ViewMapping, (w, h): (u32, u32), shape: [usize; 3]) -> Vec<bool> {
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let v = mapping.voxel_at(
                (f64::from(x) + 0.5) / f64::from(w),
                (f64::from(y) + 0.5) / f64::from(h),
            );
            !v.iter().zip(shape).all(|(&c, n)| c >= 0.0 && c < n as f64)
        })
        .collect()
}

/// The organs any label panel shows somewhere in its pixels, with their names.
fn organs_in_view(
    case: &Case,
    spec: &FigureSpec,
    mapping: &ViewMapping,
    (w, h): (u32, u32),
    labels: &LabelTable,
) -> Vec<(u16, String)> {
    let mut maps: Vec<&LabelMap> = Vec::new();
    let shows = |p: Panel| spec.panels.contains(&p);
    if shows(Panel::Reference) || shows(Panel::Difference) {
        maps.extend(case.reference.iter());
    }
    if shows(Panel::Prediction) || shows(Panel::Difference) {
        maps.extend(case.predictions.get(spec.prediction).map(|(_, m)| m));
    }
    let mut seen = std::collections::BTreeSet::new();
    for map in maps {
        for y in 0..h {
            for x in 0..w {
                let v = mapping.voxel_at(
                    (f64::from(x) + 0.5) / f64::from(w),
                    (f64::from(y) + 0.5) / f64::from(h),
                );
                if v.iter()
                    .zip(map.geometry.shape)
                    .any(|(&c, n)| c < 0.0 || c >= n as f64)
                {
                    continue;
                }
                if let Some(id) = map
                    .voxels
                    .get(v.map(|c| c.floor() as usize))
                    .filter(|&id| id != 0)
                {
                    seen.insert(id);
                }
            }
        }
    }
    seen.into_iter()
        .filter(|&id| labels.get(id).is_none_or(|e| e.visible))
        .map(|id| (id, labels.name(id)))
        .collect()
}

/// Where things go, in output pixels (everything scales with the text size).
struct Layout {
    size: (u32, u32),
    margin: u32,
    gap: u32,
    title_h: u32,
    text_px: f32,
    panel: (u32, u32),
    caption_y: u32,
    legend_x: u32,
    legend_row: u32,
    /// Entries per legend column, and a column's width.
    legend_column: (usize, u32),
    diff_keys: bool,
}

const DIFFERENCE_KEYS: [(&str, [u8; 3]); 3] = [
    ("missed (false negative)", [255, 41, 41]),
    ("added (false positive)", [41, 140, 255]),
    ("another organ", [255, 219, 0]),
];

impl Layout {
    fn new(
        spec: &FigureSpec,
        panel: (u32, u32),
        legend: &[(u16, String)],
        font: &FigureFont,
        diff_keys: bool,
    ) -> Self {
        // Text scales with the panels: ~1/28 of the panel height, at least 12 px.
        let text_px = (panel.1.min(panel.0) as f32 / 28.0).max(12.0);
        let margin = (text_px * 0.8) as u32;
        let gap = (text_px * 0.5) as u32;
        let title_h = (text_px * 1.5) as u32;
        let n = spec.panels.len() as u32;
        let legend_row = (text_px * 1.4) as u32;
        let mut names: Vec<String> = legend.iter().map(|(_, n)| n.clone()).collect();
        if diff_keys && spec.legend {
            names.extend(DIFFERENCE_KEYS.iter().map(|(n, _)| n.to_string()));
        }
        // As many legend columns as it takes to stay within the panels' height.
        let per_column = (panel.1 / legend_row.max(1)).max(1) as usize;
        let columns = names.len().div_ceil(per_column).max(1);
        let widest = names
            .iter()
            .map(|t| font.measure(t, text_px * 0.85).0)
            .fold(0.0, f32::max);
        let column_w = legend_row + widest.ceil() as u32 + margin;
        let legend_w = if spec.legend && !names.is_empty() {
            margin + columns as u32 * column_w
        } else {
            0
        };
        let caption_h = if spec.caption {
            (text_px * 1.6) as u32
        } else {
            0
        };
        let panels_w = n * panel.0 + (n - 1) * gap;
        let legend_h = names.len().min(per_column) as u32 * legend_row;
        let height = margin + title_h + panel.1.max(legend_h) + caption_h + margin;
        Layout {
            size: (margin + panels_w + legend_w + margin, height),
            margin,
            gap,
            title_h,
            text_px,
            panel,
            caption_y: margin + title_h + panel.1 + (text_px * 0.4) as u32,
            legend_x: margin + panels_w + margin,
            legend_row,
            legend_column: (per_column, column_w),
            diff_keys: diff_keys && spec.legend,
        }
    }

    fn panel_origin(&self, n: usize) -> (u32, u32) {
        (
            self.margin + n as u32 * (self.panel.0 + self.gap),
            self.margin + self.title_h,
        )
    }

    fn draw_legend(
        &self,
        image: &mut RgbaImage,
        font: &FigureFont,
        legend: &[(u16, String)],
        labels: &LabelTable,
        ink: Rgba<u8>,
    ) {
        let mut y = self.margin + self.title_h;
        let swatch = (self.legend_row as f32 * 0.7) as i64;
        let mut entries: Vec<(String, [u8; 3])> = legend
            .iter()
            .map(|(id, name)| {
                let c = labels.color(*id);
                (name.clone(), [c[0], c[1], c[2]])
            })
            .collect();
        if self.diff_keys {
            entries.extend(DIFFERENCE_KEYS.iter().map(|(n, c)| (n.to_string(), *c)));
        }
        let (per_column, column_w) = self.legend_column;
        let top = y;
        for (n, (name, c)) in entries.into_iter().enumerate() {
            if n > 0 && n % per_column == 0 {
                y = top;
            }
            let x = self.legend_x + (n / per_column) as u32 * column_w;
            fill_rect(
                image,
                (i64::from(x), i64::from(y)),
                (swatch, swatch),
                Rgba([c[0], c[1], c[2], 255]),
            );
            font.draw(
                image,
                ((x + self.legend_row) as f32, y as f32 - self.text_px * 0.1),
                self.text_px * 0.85,
                ink,
                &name,
            );
            y += self.legend_row;
        }
    }
}

/// The letters of the patient directions at the middle of each panel edge.
fn draw_letters(
    image: &mut RgbaImage,
    font: &FigureFont,
    (x, y, w, h): (u32, u32, u32, u32),
    spec: &FigureSpec,
    text_px: f32,
) {
    let (su, sv) = screen_axes(spec.plane, spec.radiological);
    let (l, r) = su.letters();
    let (t, b) = sv.letters();
    let colour = Rgba([255, 220, 120, 255]);
    let px = text_px;
    let pad = text_px * 0.3;
    let (x, y, w, h) = (x as f32, y as f32, w as f32, h as f32);
    let size = |c: char| font.measure(&c.to_string(), px);
    font.draw(
        image,
        (x + pad, y + h / 2.0 - size(l).1 / 2.0),
        px,
        colour,
        &l.to_string(),
    );
    font.draw(
        image,
        (x + w - pad - size(r).0, y + h / 2.0 - size(r).1 / 2.0),
        px,
        colour,
        &r.to_string(),
    );
    font.draw(
        image,
        (x + w / 2.0 - size(t).0 / 2.0, y + pad * 0.5),
        px,
        colour,
        &t.to_string(),
    );
    font.draw(
        image,
        (x + w / 2.0 - size(b).0 / 2.0, y + h - pad * 0.5 - size(b).1),
        px,
        colour,
        &b.to_string(),
    );
}

/// A bar of a round length (1, 2 or 5 × 10ⁿ mm, about a fifth of the panel) with its length.
fn draw_scale_bar(
    image: &mut RgbaImage,
    font: &FigureFont,
    (x, y, w, h): (u32, u32, u32, u32),
    mm_per_px: f64,
    text_px: f32,
) {
    let target_mm = f64::from(w) * mm_per_px / 5.0;
    let decade = 10f64.powf(target_mm.log10().floor());
    let length_mm = [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * decade)
        .find(|&l| l <= target_mm)
        .unwrap_or(decade);
    let length_px = (length_mm / mm_per_px).round() as i64;
    let thick = (text_px / 5.0).max(2.0) as i64;
    let pad = (text_px * 0.8) as i64;
    let bar_y = i64::from(y + h) - pad - thick;
    let bar_x = i64::from(x) + pad + (text_px * 0.8) as i64;
    fill_rect(
        image,
        (bar_x, bar_y),
        (length_px, thick),
        Rgba([255, 255, 255, 255]),
    );
    let label = format!("{} mm", format_mm(length_mm));
    let (tw, th) = font.measure(&label, text_px * 0.8);
    font.draw(
        image,
        (
            bar_x as f32 + length_px as f32 / 2.0 - tw / 2.0,
            bar_y as f32 - th - 2.0,
        ),
        text_px * 0.8,
        Rgba([255, 255, 255, 255]),
        &label,
    );
}

fn format_mm(mm: f64) -> String {
    if mm >= 1.0 {
        format!("{mm:.0}")
    } else {
        format!("{mm}")
    }
}
