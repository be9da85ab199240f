//! 3D Slicer colour tables (`.ctbl`, `.txt`): `ID NAME R G B A` per line, `#` comments;
//! columns after A (Slicer 5 terminology codes) are ignored.

use super::{LabelEntry, LabelTable};

/// Parses the file; errors give the line number.
pub fn parse(text: &str, source: String) -> Result<LabelTable, String> {
    let mut table = LabelTable::empty(source);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}: {line:?}", n + 1);
        let (id_text, rest) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad("expected ID NAME R G B A"))?;
        let id: u16 = id_text
            .parse()
            .map_err(|_| bad("label id is not an integer 0–65535"))?;
        let rest = rest.trim_start();
        // Names are one token, or quoted when they contain spaces.
        let (name, rest) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| bad("unterminated quoted name"))?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (rest[..end].to_string(), &rest[end..])
        };
        let numbers: Vec<u8> = rest
            .split_whitespace()
            .take(4)
            .map_while(|v| v.parse::<u16>().ok().map(|v| v.min(255) as u8))
            .collect();
        if numbers.len() < 3 {
            return Err(bad("expected R G B (0–255) after the name"));
        }
        if id != 0 {
            let color = [
                numbers[0],
                numbers[1],
                numbers[2],
                numbers.get(3).copied().unwrap_or(255),
            ];
            table.insert_entry(
                id,
                LabelEntry {
                    name,
                    color,
                    visible: true,
                },
            );
        }
    }
    if table.is_empty() {
        return Err("no labels found (expected lines of ID NAME R G B A)".into());
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_quoted_and_terminology_lines() {
        let text = "# Color table file\n0 Background 0 0 0 0\n1 liver 221 130 101 255\n2 \"left kidney\" 185 102 83 255\n3 spleen 157 108 162 255 SCT^78961009^Spleen~SCT^^~~^^\n";
        let t = parse(text, "s".into()).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.name(2), "left kidney");
        assert_eq!(t.color(3), [157, 108, 162, 255]);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let err = parse("1 liver red green blue\n", "s".into()).unwrap_err();
        assert!(err.starts_with("line 1: expected R G B"), "{err}");
        assert!(parse("# only comments\n", "s".into()).is_err());
    }
}
