//! ITK-SNAP label description files:
//! `IDX  R G B  A  VIS MSH  "LABEL"` with R, G, B in 0–255 and A in 0–1.

use super::{LabelEntry, LabelTable};

/// True when the text is an ITK-SNAP label description (by its banner or its quoted names).
pub fn looks_like(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains("itk-snap label description") {
        return true;
    }
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.split_whitespace().count() >= 8 && l.ends_with('"'))
}

/// Parses the file; errors give the line number.
pub fn parse(text: &str, source: String) -> Result<LabelTable, String> {
    let mut table = LabelTable::empty(source);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}: {line:?}", n + 1);
        let (fields, name) = match line.find('"') {
            Some(q) => (&line[..q], line[q + 1..].trim_end_matches('"').to_string()),
            None => return Err(bad("no quoted label name")),
        };
        let f: Vec<&str> = fields.split_whitespace().collect();
        if f.len() < 7 {
            return Err(bad("expected IDX R G B A VIS MSH \"NAME\""));
        }
        let id: u16 = f[0]
            .parse()
            .map_err(|_| bad("label index is not an integer 0–65535"))?;
        let rgb: Vec<u8> = f[1..4]
            .iter()
            .filter_map(|v| v.parse::<f64>().ok())
            .map(|v| v.clamp(0.0, 255.0) as u8)
            .collect();
        let alpha: f64 = f[4].parse().map_err(|_| bad("alpha is not a number"))?;
        if rgb.len() != 3 {
            return Err(bad("colour components must be numbers 0–255"));
        }
        let visible = f[5] != "0";
        if id != 0 {
            let a = (alpha.clamp(0.0, 1.0) * 255.0).round() as u8;
            table.insert_entry(
                id,
                LabelEntry {
                    name,
                    color: [rgb[0], rgb[1], rgb[2], a],
                    visible,
                },
            );
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "################################################\n# ITK-SnAP Label Description File\n################################################\n    0     0    0    0        0  0  0    \"Clear Label\"\n    1   255    0    0        1  1  1    \"liver\"\n   12     0    0  128      0.5  0  1    \"right adrenal gland\"\n";

    #[test]
    fn reads_ids_colours_alpha_visibility_and_spaced_names() {
        assert!(looks_like(SAMPLE));
        let t = parse(SAMPLE, "x".into()).unwrap();
        assert_eq!(t.len(), 2);
        let e = t.get(12).unwrap();
        assert_eq!(
            (e.name.as_str(), e.color, e.visible),
            ("right adrenal gland", [0, 0, 128, 128], false)
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let err = parse("1 255 0 0 1 1 1 liver\n", "x".into()).unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        let err = parse("# c\nx 255 0 0 1 1 1 \"liver\"\n", "x".into()).unwrap_err();
        assert!(err.starts_with("line 2: label index"), "{err}");
    }
}
