//! JSON label tables: nnU-Net v2 `dataset.json` (`"labels": {"liver": 1}`), nnU-Net v1
//! and Medical Segmentation Decathlon (`"labels": {"1": "liver"}`), and the plain
//! `{"labels": {"1": {"name": …, "color": "#RRGGBB"}}}` form.

use std::path::Path;

use serde_json::Value;

use super::LabelTable;
use super::palette::parse_hex_color;

/// Parses a JSON label table; the error names the problem (and the JSON line).
pub fn parse(text: &str, source: String) -> Result<LabelTable, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let labels = match doc.get("labels") {
        Some(Value::Object(m)) => m,
        Some(_) => return Err("\"labels\" is not an object".into()),
        None => match &doc {
            Value::Object(m) if m.keys().all(|k| k.parse::<u32>().is_ok()) && !m.is_empty() => m,
            _ => {
                return Err(
                    "no \"labels\" object (expected nnU-Net dataset.json or {\"labels\": {...}})"
                        .into(),
                );
            }
        },
    };
    let mut table = LabelTable::empty(source);
    for (key, value) in labels {
        if let Ok(id) = key.trim().parse::<i64>() {
            // v1 / MSD: "1": "liver" or "1": {"name": "liver", ...}
            let id = label_id(id, key)?;
            let (name, color) = match value {
                Value::String(s) => (s.clone(), None),
                Value::Object(o) => {
                    let name = o
                        .get("name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("label {key:?} has no \"name\""))?;
                    (name.to_string(), json_color(o))
                }
                _ => return Err(format!("label {key:?}: expected a name, found {value}")),
            };
            if id != 0 {
                table.insert(id, name, color);
            }
        } else {
            // v2: "liver": 1. Region lists ("tumor": [1, 2]) group ids and name none.
            match value {
                Value::Number(n) => {
                    let raw = n
                        .as_i64()
                        .ok_or_else(|| format!("label {key:?}: {n} is not an integer id"))?;
                    let id = label_id(raw, key)?;
                    if id != 0 {
                        table.insert(id, key.clone(), None);
                    }
                }
                Value::Array(_) => {}
                _ => {
                    return Err(format!(
                        "label {key:?}: expected an integer id, found {value}"
                    ));
                }
            }
        }
    }
    Ok(table)
}

fn label_id(raw: i64, key: &str) -> Result<u16, String> {
    u16::try_from(raw).map_err(|_| format!("label {key:?}: id {raw} is outside 0–65535"))
}

fn json_color(o: &serde_json::Map<String, Value>) -> Option<[u8; 4]> {
    for key in ["color", "colour", "rgb", "itksnap_default_rgb"] {
        match o.get(key) {
            Some(Value::String(s)) => return parse_hex_color(s),
            Some(Value::Array(a)) if a.len() >= 3 => {
                let c: Vec<u8> = a
                    .iter()
                    .filter_map(Value::as_u64)
                    .map(|v| v.min(255) as u8)
                    .collect();
                if c.len() >= 3 {
                    return Some([c[0], c[1], c[2], c.get(3).copied().unwrap_or(255)]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Channel names from a dataset.json (`channel_names` in v2, `modality` in v1/MSD),
/// as (channel index, name) in index order.
pub fn channel_names_from_dataset_json(path: &Path) -> Option<Vec<(usize, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    let doc: Value = serde_json::from_str(&text).ok()?;
    let map = doc
        .get("channel_names")
        .or_else(|| doc.get("modality"))?
        .as_object()?;
    let mut out: Vec<(usize, String)> = map
        .iter()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_string())))
        .collect();
    out.sort();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nnunet_v2_names_map_to_ids() {
        let t = parse(r#"{"channel_names": {"0": "CT"}, "labels": {"background": 0, "liver": 1, "spleen": 2, "tumor": [1, 2]}}"#, "t".into()).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.name(2), "spleen");
    }

    #[test]
    fn nnunet_v1_and_msd_ids_map_to_names() {
        let t = parse(r#"{"modality": {"0": "CT"}, "labels": {"0": "background", "1": "liver", "2": "cancer"}}"#, "t".into()).unwrap();
        assert_eq!((t.len(), t.name(1)), (2, "liver".into()));
    }

    #[test]
    fn object_entries_carry_colours() {
        let t = parse(
            r##"{"labels": {"3": {"name": "left_kidney", "itksnap_default_rgb": "#0000FF"}}}"##,
            "t".into(),
        )
        .unwrap();
        assert_eq!(t.color(3), [0, 0, 255, 255]);
    }

    #[test]
    fn malformed_tables_say_why() {
        assert!(
            parse("{", "t".into())
                .unwrap_err()
                .starts_with("invalid JSON")
        );
        assert!(
            parse(r#"{"name": "x"}"#, "t".into())
                .unwrap_err()
                .contains("no \"labels\"")
        );
        assert!(
            parse(r#"{"labels": {"liver": 1.5}}"#, "t".into())
                .unwrap_err()
                .contains("not an integer")
        );
        assert!(
            parse(r#"{"labels": {"70000": "x"}}"#, "t".into())
                .unwrap_err()
                .contains("outside")
        );
    }
}
