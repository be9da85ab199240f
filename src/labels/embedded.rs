//! Label names carried inside a NIfTI file: TotalSegmentator writes a GIFTI-style
//! `<LabelTable>` (keys, 0–1 RGBA, CDATA names) in a header extension.

use super::{LabelEntry, LabelTable};

/// The label table found in the extensions, or `None` when there is none.
pub fn from_nifti_extensions(extensions: &[(i32, Vec<u8>)], source: &str) -> Option<LabelTable> {
    extensions
        .iter()
        .find_map(|(_, payload)| parse_label_table_xml(payload, source))
}

fn parse_label_table_xml(payload: &[u8], source: &str) -> Option<LabelTable> {
    let text = String::from_utf8_lossy(payload);
    let text = text.trim_end_matches('\0').trim();
    if !text.contains("<LabelTable") {
        return None;
    }
    let doc = roxmltree::Document::parse(text).ok()?;
    let mut table = LabelTable::empty(format!("{source} (embedded label table)"));
    for node in doc.descendants().filter(|n| n.has_tag_name("Label")) {
        let Some(id) = node
            .attribute("Key")
            .and_then(|k| k.trim().parse::<u16>().ok())
        else {
            continue;
        };
        let channel = |name: &str, default: f64| {
            node.attribute(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(default)
        };
        let color = [
            channel("Red", 0.0),
            channel("Green", 0.0),
            channel("Blue", 0.0),
            channel("Alpha", 1.0),
        ]
        .map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
        let name = node.text().unwrap_or("").trim().to_string();
        if id != 0 && !name.is_empty() {
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
    (!table.is_empty()).then_some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_totalsegmentator_caret_extension() {
        let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?> <CaretExtension> <VolumeInformation Index=\"0\"> <LabelTable>\n<Label Key=\"1\" Red=\"0.0\" Green=\"1.0\" Blue=\"0.0\" Alpha=\"1\"><![CDATA[spleen]]></Label>\n<Label Key=\"5\" Red=\"1.0\" Green=\"0.5\" Blue=\"0.0\" Alpha=\"1\"><![CDATA[liver]]></Label>\n</LabelTable></VolumeInformation></CaretExtension>\0\0\0";
        let t = from_nifti_extensions(&[(0, xml.to_vec())], "f.nii.gz").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.name(5), "liver");
        assert_eq!(t.color(5), [255, 128, 0, 255]);
        assert!(from_nifti_extensions(&[(0, b"not xml".to_vec())], "f").is_none());
    }
}
