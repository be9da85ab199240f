//! The default label colours: ITK-SNAP's default list, which is what users of
//! WORD, RAOS and most annotation tools recognise. Neighbouring ids get clearly
//! different colours (red, green, blue, yellow, cyan, magenta, …).

/// ITK-SNAP's 130 default colours (`Logic/Common/ColorLabelTable.cxx`); id `n`
/// gets entry `(n - 1) % 130`.
const ITK_SNAP_DEFAULT_COLOURS: [u32; 130] = [
    0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00, 0x00FFFF, 0xFF00FF, 0xFFEFD5, 0x0000CD, 0xCD853F,
    0xD2B48C, 0x66CDAA, 0x000080, 0x008B8B, 0x2E8B57, 0xFFE4E1, 0x6A5ACD, 0xDDA0DD, 0xE9967A,
    0xA52A2A, 0xFFFAFA, 0x9370DB, 0xDA70D6, 0x4B0082, 0xFFB6C1, 0x3CB371, 0xFFEBCD, 0xFFE4C4,
    0xDAA520, 0x008080, 0xBC8F8F, 0xFF69B4, 0xFFDAB9, 0xDEB887, 0x7FFF00, 0x8B4513, 0x7CFC00,
    0xFFFFE0, 0x4682B4, 0x006400, 0xEE82EE, 0xEEE8AA, 0xF0FFF0, 0xF5DEB3, 0xB8860B, 0x20B2AA,
    0xFF1493, 0x191970, 0x708090, 0x228B22, 0xF8F8FF, 0xF5FFFA, 0xFFA07A, 0x90EE90, 0xADFF2F,
    0x4169E1, 0xFF6347, 0xFAF0E6, 0x800000, 0x32CD32, 0xF4A460, 0xFFFFF0, 0x7B68EE, 0xFFA500,
    0xADD8E6, 0xFFC0CB, 0x7FFFD4, 0xFF8C00, 0x8FBC8F, 0xDC143C, 0xFDF5E6, 0xFFFAF0, 0x00CED1,
    0x00FF7F, 0x800080, 0xFFFACD, 0xFA8072, 0x9400D3, 0xB22222, 0xFF7F50, 0x87CEEB, 0x6495ED,
    0xF0E68C, 0xFAEBD7, 0xFFF5EE, 0x6B8E23, 0x87CEFA, 0x00008B, 0x8B008B, 0xF5F5DC, 0xBA55D3,
    0xFFE4B5, 0xFFDEAD, 0x00BFFF, 0xD2691E, 0xFFF8DC, 0x2F4F4F, 0x483D8B, 0xAFEEEE, 0x808000,
    0xB0E0E6, 0xFFF0F5, 0x8B0000, 0xF0FFFF, 0xFFD700, 0xD8BFD8, 0x778899, 0xDB7093, 0x48D1CC,
    0xFF00FF, 0xC71585, 0x9ACD32, 0xBDB76B, 0xF0F8FF, 0xE6E6FA, 0x00FA9A, 0x556B2F, 0x40E0D0,
    0x9932CC, 0xCD5C5C, 0xFAFAD2, 0x5F9EA0, 0x008000, 0xFF4500, 0xE0FFFF, 0xB0C4DE, 0x8A2BE2,
    0x1E90FF, 0xF08080, 0x98FB98, 0xA0522D,
];

/// Neighbouring ids closer than this (sum of RGB differences) are hard to tell apart.
const MIN_NEIGHBOUR_DISTANCE: i32 = 60;

/// The default RGBA colour of a label id (id 0, background, is transparent).
///
/// ITK-SNAP's list, except for the few entries that nearly repeat the previous
/// one (ids 27, 51, 71, 84, 92, 114: pale creams next to pale creams), which get a
/// saturated colour instead, so that neighbouring ids always look different.
pub fn default_color(id: u16) -> [u8; 4] {
    if id == 0 {
        return [0, 0, 0, 0];
    }
    let table = distinct_table();
    let rgb = table[(usize::from(id) - 1) % table.len()];
    [rgb[0], rgb[1], rgb[2], 255]
}

fn distinct_table() -> &'static [[u8; 3]; 130] {
    static TABLE: std::sync::OnceLock<[[u8; 3]; 130]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out = ITK_SNAP_DEFAULT_COLOURS.map(|c| [(c >> 16) as u8, (c >> 8) as u8, c as u8]);
        for i in 1..out.len() {
            let next = out[(i + 1) % out.len()];
            if rgb_distance(out[i - 1], out[i]) < MIN_NEIGHBOUR_DISTANCE {
                // Walk the hue circle until the colour differs from both neighbours.
                let mut k = i;
                out[i] = loop {
                    let c = hue_color(k as f64 * 0.618_033_988_75);
                    if rgb_distance(c, out[i - 1]) >= 3 * MIN_NEIGHBOUR_DISTANCE
                        && rgb_distance(c, next) >= 3 * MIN_NEIGHBOUR_DISTANCE
                    {
                        break c;
                    }
                    k += 1;
                };
            }
        }
        out
    })
}

fn rgb_distance(a: [u8; 3], b: [u8; 3]) -> i32 {
    (0..3)
        .map(|c| (i32::from(a[c]) - i32::from(b[c])).abs())
        .sum()
}

/// A saturated colour at `turns` around the hue circle (HSV with s = 0.75, v = 0.95).
fn hue_color(turns: f64) -> [u8; 3] {
    let h = turns.fract() * 6.0;
    let (v, s) = (0.95, 0.75);
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r, g, b].map(|u| ((u + m) * 255.0).round() as u8)
}

/// Parses `#RRGGBB` (or `RRGGBB`) into an opaque RGBA colour.
pub fn parse_hex_color(text: &str) -> Option<[u8; 4]> {
    let hex = text.trim().trim_start_matches('#');
    if hex.len() != 6 {
        return None;
    }
    let rgb = u32::from_str_radix(hex, 16).ok()?;
    Some([(rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8, 255])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_ids_match_itk_snap() {
        assert_eq!(default_color(1), [255, 0, 0, 255]);
        assert_eq!(default_color(7), [0xFF, 0xEF, 0xD5, 255]);
        assert_eq!(default_color(16), [0x6A, 0x5A, 0xCD, 255]);
        assert_eq!(default_color(131), default_color(1));
        assert_eq!(default_color(0)[3], 0);
    }

    #[test]
    fn neighbouring_ids_differ_clearly() {
        for id in 1..400u16 {
            let (a, b) = (default_color(id), default_color(id + 1));
            let dist: i32 = (0..3)
                .map(|c| (i32::from(a[c]) - i32::from(b[c])).abs())
                .sum();
            assert!(
                dist >= MIN_NEIGHBOUR_DISTANCE,
                "ids {id} and {} look alike: {a:?} {b:?}",
                id + 1
            );
        }
    }

    #[test]
    fn hex_colours_parse() {
        assert_eq!(parse_hex_color("#66CDAA"), Some([0x66, 0xCD, 0xAA, 255]));
        assert_eq!(parse_hex_color("nope"), None);
    }
}
