//! What an audit row keeps of a call's arguments: a bounded copy (so a caller cannot fill the
//! disk through the audit log), and the wells, blocks and fields the call names (which decide
//! who may read the row, see [`super::audit`]).

use serde_json::{Map, Value};

/// Longest string kept whole, in bytes; longer ones keep this much and a cut marker.
pub const MAX_STRING: usize = 1024;
/// Items kept of an array and keys kept of an object; the rest is replaced by one marker.
pub const MAX_ITEMS: usize = 100;
/// Nesting kept; deeper values are replaced by a marker.
pub const MAX_DEPTH: usize = 16;
/// Largest encoded arguments kept; beyond it (after the cuts above) the whole value is replaced
/// by a marker with its encoded size.
pub const MAX_ENCODED: usize = 64 * 1024;
/// Wells, blocks or fields of one call that are looked up or stored.
pub const MAX_SUBJECTS: usize = 64;

/// `text` cut to at most [`MAX_STRING`] bytes (at a character boundary) with the marker
/// `…[cut: N bytes]`, N the full length; shorter text unchanged.
pub fn bound_text(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[cut: {} bytes]", &text[..end], text.len())
}

fn bound_value(value: &Value, depth: usize) -> Value {
    match value {
        Value::String(s) => Value::String(bound_text(s, MAX_STRING)),
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
            Value::String(format!("…[cut: nested deeper than {MAX_DEPTH}]"))
        }
        Value::Array(items) => {
            let mut kept: Vec<Value> = items.iter().take(MAX_ITEMS).map(|v| bound_value(v, depth + 1)).collect();
            if items.len() > MAX_ITEMS {
                kept.push(Value::String(format!("…[cut: {} more items]", items.len() - MAX_ITEMS)));
            }
            Value::Array(kept)
        }
        Value::Object(map) => {
            let mut kept: Map<String, Value> = map
                .iter()
                .take(MAX_ITEMS)
                .map(|(k, v)| (bound_text(k, MAX_STRING), bound_value(v, depth + 1)))
                .collect();
            if map.len() > MAX_ITEMS {
                kept.insert("…".into(), Value::String(format!("[cut: {} more keys]", map.len() - MAX_ITEMS)));
            }
            Value::Object(kept)
        }
        other => other.clone(),
    }
}

/// The arguments as an audit row stores them: long strings, arrays, objects and nesting cut with
/// a marker saying how much was left out, and the whole at most [`MAX_ENCODED`] bytes encoded.
/// (The row's digest is computed by the core over the whole, uncut arguments.)
pub fn bound_arguments(arguments: &Value) -> Value {
    let bounded = bound_value(arguments, 0);
    let encoded = serde_json::to_string(&bounded).map_or(usize::MAX, |s| s.len());
    if encoded <= MAX_ENCODED {
        bounded
    } else {
        let full = serde_json::to_string(arguments).map_or(encoded, |s| s.len());
        Value::String(format!("…[cut: {full} bytes]"))
    }
}

/// What a call's arguments name: well ids (keys `well_id`, `well_ids`, and `id` as in
/// `create_well`), blocks (`block`, `blocks`) and fields (`field`), at any depth (so
/// `update_well`'s `changes.block` counts), at most [`MAX_SUBJECTS`] of each.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Subjects {
    /// Well ids as typed (resolved to canonical ids by the store).
    pub well_ids: Vec<String>,
    /// Blocks named in the arguments.
    pub blocks: Vec<String>,
    /// Fields named in the arguments.
    pub fields: Vec<String>,
}

fn push(list: &mut Vec<String>, value: &Value) {
    let mut add = |v: &Value| {
        if let Some(s) = v.as_str().map(str::trim).filter(|s| !s.is_empty())
            && list.len() < MAX_SUBJECTS
            && !list.iter().any(|x| x == s)
        {
            list.push(s.to_owned());
        }
    };
    match value {
        Value::Array(items) => items.iter().for_each(add),
        v => add(v),
    }
}

fn collect(value: &Value, depth: usize, out: &mut Subjects) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match key.as_str() {
                    "well_id" | "well_ids" | "id" => push(&mut out.well_ids, v),
                    "block" | "blocks" => push(&mut out.blocks, v),
                    "field" => push(&mut out.fields, v),
                    _ => collect(v, depth + 1, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, depth + 1, out)),
        _ => {}
    }
}

/// The wells, blocks and fields `arguments` name.
pub fn subjects(arguments: &Value) -> Subjects {
    let mut out = Subjects::default();
    collect(arguments, 0, &mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_strings_are_cut_with_their_length() {
        let data = "x".repeat(3 * 1024 * 1024);
        let bounded = bound_arguments(&json!({"data": data, "format": "csv"}));
        let kept = bounded["data"].as_str().unwrap();
        assert_eq!(kept, format!("{}…[cut: 3145728 bytes]", "x".repeat(MAX_STRING)));
        assert_eq!(bounded["format"], "csv");
        // A cut never splits a character.
        let cut = bound_text(&"é".repeat(600), MAX_STRING);
        assert!(cut.starts_with(&"é".repeat(512)) && cut.ends_with("…[cut: 1200 bytes]"), "{cut}");
        // Short values are kept as they are.
        let small = json!({"well_id": "ZT-102", "limit": 5, "x": [1, 2], "ok": true, "n": null});
        assert_eq!(bound_arguments(&small), small);
    }

    #[test]
    fn arrays_objects_nesting_and_the_total_are_bounded() {
        let many: Vec<u32> = (0..1000).collect();
        let b = bound_arguments(&json!({"well_ids": many}));
        let items = b["well_ids"].as_array().unwrap();
        assert_eq!(items.len(), MAX_ITEMS + 1);
        assert_eq!(items[MAX_ITEMS], "…[cut: 900 more items]");
        let keys: Map<String, Value> = (0..500).map(|i| (format!("k{i:03}"), json!(i))).collect();
        let b = bound_arguments(&Value::Object(keys));
        assert_eq!(b.as_object().unwrap().len(), MAX_ITEMS + 1);
        assert_eq!(b["…"], "[cut: 400 more keys]");
        let mut deep = json!("bottom");
        for _ in 0..40 {
            deep = json!([deep]);
        }
        let b = serde_json::to_string(&bound_arguments(&deep)).unwrap();
        assert!(b.contains("nested deeper than 16") && !b.contains("bottom"), "{b}");
        // 100 × 100 strings of 1 KiB each pass every per-item cut but not the total.
        let wide: Vec<Vec<String>> = (0..100).map(|_| (0..100).map(|_| "y".repeat(1000)).collect()).collect();
        let b = bound_arguments(&json!({"rows": wide}));
        assert!(b.as_str().unwrap().starts_with("…[cut: "), "{b}");
        assert!(serde_json::to_string(&b).unwrap().len() < 100);
    }

    #[test]
    fn subjects_are_the_wells_blocks_and_fields_named() {
        let s = subjects(&json!({"well_ids": ["ZT-101", "zt101", " "], "well_id": "W001",
            "changes": {"block": "Block-C", "field": "Westbank"}, "blocks": ["Block-A"], "limit": 3}));
        // Keys are visited in order (serde_json sorts them).
        assert_eq!(s.well_ids, ["W001", "ZT-101", "zt101"]);
        assert_eq!(s.blocks, ["Block-A", "Block-C"]);
        assert_eq!(s.fields, ["Westbank"]);
        assert_eq!(subjects(&json!({"id": "ZT-150", "block": "Block-A"})).well_ids, ["ZT-150"]);
        assert_eq!(subjects(&json!({"data": "well_id,report_date\n"})), Subjects::default());
        let many: Vec<String> = (0..500).map(|i| format!("W{i}")).collect();
        assert_eq!(subjects(&json!({"well_ids": many})).well_ids.len(), MAX_SUBJECTS);
    }
}
