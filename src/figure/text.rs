//! Text for figures, rasterised at the output resolution from the viewer's own
//! font (egui's Ubuntu Light), so legends and letters stay crisp at any scale.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgba, RgbaImage};

/// The figure font.
pub struct FigureFont {
    font: FontRef<'static>,
}

impl FigureFont {
    /// egui's default proportional font.
    pub fn new() -> Option<Self> {
        let bytes: &'static [u8] = epaint_default_fonts::UBUNTU_LIGHT;
        FontRef::try_from_slice(bytes)
            .ok()
            .map(|font| FigureFont { font })
    }

    /// Width and height in pixels of `text` at `px` pixels per em.
    pub fn measure(&self, text: &str, px: f32) -> (f32, f32) {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                width += scaled.kern(p, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        (width, scaled.ascent() - scaled.descent())
    }

    /// Draws `text` with its top-left corner at (x, y), blending `colour` by
    /// glyph coverage; returns the width drawn.
    pub fn draw(
        &self,
        image: &mut RgbaImage,
        (x, y): (f32, f32),
        px: f32,
        colour: Rgba<u8>,
        text: &str,
    ) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let baseline = y + scaled.ascent();
        let mut pen = x;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                pen += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(px, ab_glyph::point(pen, baseline));
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let (px_x, px_y) = (
                        bounds.min.x as i64 + i64::from(gx),
                        bounds.min.y as i64 + i64::from(gy),
                    );
                    blend(image, px_x, px_y, colour, coverage);
                });
            }
            pen += scaled.h_advance(id);
            previous = Some(id);
        }
        pen - x
    }
}

/// Blends `colour` over pixel (x, y) with `amount` (0..1) of its alpha; outside
/// the image nothing happens. Works on transparent backgrounds too (alpha "over").
pub fn blend(image: &mut RgbaImage, x: i64, y: i64, colour: Rgba<u8>, amount: f32) {
    let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
        return;
    };
    if x >= image.width() || y >= image.height() {
        return;
    }
    let a = amount.clamp(0.0, 1.0) * f32::from(colour[3]) / 255.0;
    let dst = image.get_pixel_mut(x, y);
    let da = f32::from(dst[3]) / 255.0;
    let out_a = a + da * (1.0 - a);
    if out_a <= 0.0 {
        return;
    }
    for c in 0..3 {
        let v = (f32::from(colour[c]) * a + f32::from(dst[c]) * da * (1.0 - a)) / out_a;
        dst[c] = v.round().clamp(0.0, 255.0) as u8;
    }
    dst[3] = (out_a * 255.0).round() as u8;
}

/// Fills a rectangle (pixels, clipped to the image).
pub fn fill_rect(
    image: &mut RgbaImage,
    (x0, y0): (i64, i64),
    (w, h): (i64, i64),
    colour: Rgba<u8>,
) {
    for y in y0.max(0)..(y0 + h).min(i64::from(image.height())) {
        for x in x0.max(0)..(x0 + w).min(i64::from(image.width())) {
            blend(image, x, y, colour, 1.0);
        }
    }
}
