//! YAML behind one door: text → typed value (with positioned diagnostics), value → text.
//!
//! Input: a YAML string that sits at byte `base` of a registered file. Output: the
//! deserialized value, or one [`Diagnostic`] whose span indexes the *whole file*
//! (not the YAML block), with a "did you mean" for unknown keys.
//!
//! This is the only module that names `serde_yaml` (archived upstream): swapping
//! the YAML engine is a change to this file alone. It must not read files or
//! know which content type it is parsing beyond the key hints it is given.

use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, FileId, did_you_mean};

/// Parses `yaml`, which sits at byte `base` of `file`.
pub fn parse<T: DeserializeOwned>(file: FileId, base: usize, yaml: &str) -> Result<T, Diagnostic> {
    // An empty block deserializes like an empty mapping, so required keys are reported as missing.
    let result = if yaml.trim().is_empty() {
        serde_yaml::from_str::<T>("{}")
    } else {
        serde_yaml::from_str::<T>(yaml)
    };
    result.map_err(|e| to_diagnostic(&e, file, base, yaml))
}

/// Serializes a value as YAML (block style, deterministic field order).
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).expect("content types always serialize")
}

/// Span of the value of `key:` that sits beside the key whose value is at `at`
/// (same indentation, so in the same mapping), looking only in `lo..hi`.
/// For keys that also occur deeper (a `date:` in an item and in its sources).
/// Returns every match, in order.
pub fn sibling_value_spans(
    text: &str,
    at: Range<usize>,
    lo: usize,
    hi: usize,
    key: &str,
) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let key_column = |line_start: usize| {
        let line = &text[line_start..];
        line.len() - line.trim_start_matches([' ', '-']).len()
    };
    let line_start = |pos: usize| text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let column = key_column(line_start(at.start));
    let mut offset = line_start(lo);
    for line in text[offset..hi.min(text.len())].split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '-']);
        let indent = line.len() - trimmed.len();
        if indent == column
            && let Some(value) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':'))
        {
            let lead = value.len() - value.trim_start().len();
            let start = offset + indent + key.len() + 1 + lead;
            found.push(start..(offset + line.trim_end().len()).max(start));
        }
        offset += line.len();
    }
    found
}

/// Span of the value of the `n`-th (0-based) `key:` line in `text` (any
/// indentation, list dashes allowed), for pointing diagnostics at values that
/// serde has already turned into plain data. Empty at 0 when not found.
pub fn nth_value_span(text: &str, key: &str, n: usize) -> Range<usize> {
    let mut seen = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '-']);
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix(key)
            && let Some(value) = rest.strip_prefix(':')
        {
            if seen == n {
                let lead = value.len() - value.trim_start().len();
                let start = offset + indent + key.len() + 1 + lead;
                let end = offset + line.trim_end().len();
                return start..end.max(start);
            }
            seen += 1;
        }
        offset += line.len();
    }
    0..0
}

fn to_diagnostic(e: &serde_yaml::Error, file: FileId, base: usize, yaml: &str) -> Diagnostic {
    // serde_yaml embeds "at line L column C" (relative to the YAML block); the
    // diagnostic shows the position itself, so drop them from the message.
    let message = strip_positions(&e.to_string());
    let index = e.location().map_or(0, |l| l.index()).min(yaml.len());
    let span = word_at(yaml, index);
    let at = |d: Diagnostic, span: &Range<usize>| d.at(file, shift(span, base));

    if let Some(field) = between(&message, "unknown field `", "`") {
        let expected = expected_names(&message);
        let help = match did_you_mean(field, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        let mut d = at(
            Diagnostic::error("unknown-key", format!("unknown key `{field}`")),
            &span,
        )
        .label("not a known key")
        .help(help);
        if let Some((path, _)) = message.split_once(": unknown field") {
            d = d.note(format!("inside `{path}`"));
        }
        return d;
    }
    if let Some(value) = between(&message, "unknown variant `", "`") {
        let expected = expected_names(&message);
        let help = match did_you_mean(value, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use one of: {}", expected.join(", ")),
        };
        return at(Diagnostic::error("unknown-value", message.clone()), &span)
            .label("not an allowed value")
            .help(help);
    }
    if let Some(field) = between(&message, "missing field `", "`") {
        // At the top level serde reports the block start: point at its first line.
        let span = if index == 0 {
            0..yaml.find('\n').unwrap_or(yaml.len()).min(3)
        } else {
            span
        };
        return at(Diagnostic::error("missing-key", message.clone()), &span)
            .help(format!("add `{field}: …`"));
    }
    if let Some(field) = between(&message, "duplicate field `", "`")
        .or_else(|| between(&message, "duplicate entry with key \"", "\""))
    {
        let span = second_key_occurrence(yaml, field).unwrap_or(span);
        return at(
            Diagnostic::error("duplicate-key", format!("`{field}` is given twice")),
            &span,
        )
        .label("second time")
        .help(format!("remove one of the `{field}` entries"));
    }
    if message.contains("invalid type") || message.contains("invalid value") {
        let mut d = at(Diagnostic::error("wrong-type", message.clone()), &span);
        if let Some(help) = type_help(&message) {
            d = d.help(help);
        }
        return d;
    }
    let mut d = at(Diagnostic::error("yaml-syntax", message.clone()), &span);
    if yaml[index..].starts_with('\t') || message.contains("cannot start any token") {
        d = d.help("YAML does not allow tabs for indentation; use spaces");
    } else if message.contains("quoted scalar") {
        if let Some(open) = unclosed_quote(yaml) {
            // The opening quote is what the editor has to fix; the end of the block is context.
            d = at(Diagnostic::error("yaml-syntax", message.clone()), &open)
                .label("this quote is never closed")
                .secondary(file, shift(&span, base), "the YAML block ends here");
        }
        d = d.help("close the quoted value with the same quote mark it opens with");
    } else {
        d = d.help("check indentation, and that every `key: value` pair is on its own line");
    }
    d
}

/// Removes "at line L column C" fragments from a serde_yaml message.
fn strip_positions(message: &str) -> String {
    let mut out = message.to_string();
    while let Some(i) = out.find(" at line ") {
        let rest = &out[i + " at line ".len()..];
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let n = digits(rest);
        let Some(after) = rest[n..].strip_prefix(" column ") else {
            break;
        };
        let m = digits(after);
        let end = i + " at line ".len() + n + " column ".len() + m;
        out.replace_range(i..end, "");
    }
    out
}

/// Help for a type mismatch, from serde's "expected …" wording.
fn type_help(message: &str) -> Option<String> {
    let expected = message.rsplit("expected ").next()?;
    let what = if matches!(expected, "u8" | "u16" | "u32" | "u64" | "i32" | "i64") {
        "a whole number, e.g. `1`"
    } else if expected.contains("string") {
        "text (quote it if it looks like a number or a list)"
    } else if expected.contains("sequence") || expected.contains("array") {
        "a list, e.g. `[a, b]` or lines starting with `- `"
    } else if expected.contains("struct") || expected.contains("map") {
        "a mapping of `key: value` lines"
    } else {
        return None;
    };
    let key = message
        .split(": invalid")
        .next()
        .filter(|k| !k.contains(' '));
    Some(match key {
        Some(k) => format!("`{k}` expects {what}"),
        None => format!("this value should be {what}"),
    })
}

/// The first value that opens a quote and never closes it (for unterminated strings).
fn unclosed_quote(yaml: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        if let Some(colon) = line.find(": ") {
            let value = line[colon + 2..].trim_end();
            for q in ['"', '\''] {
                if value.starts_with(q) && (value.len() == 1 || !value[1..].ends_with(q)) {
                    let start = offset + colon + 2;
                    return Some(start..start + 1);
                }
            }
        }
        offset += line.len();
    }
    None
}

fn shift(span: &Range<usize>, base: usize) -> Range<usize> {
    span.start + base..span.end + base
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

/// The backticked names after "expected" in a serde unknown-field message.
fn expected_names(message: &str) -> Vec<&str> {
    let Some(i) = message.find("expected") else {
        return Vec::new();
    };
    message[i..].split('`').skip(1).step_by(2).collect()
}

/// The token starting at `index`: up to a `:`, whitespace or the end of the line.
fn word_at(yaml: &str, index: usize) -> Range<usize> {
    let mut start = index.min(yaml.len());
    while !yaml.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &yaml[start..];
    let len = rest
        .find([':', '\n', '\r', ',', ']', '}'])
        .unwrap_or(rest.len());
    let len = rest[..len].trim_end().len();
    start..start + len.max(rest.chars().next().map_or(0, char::len_utf8))
}

/// The span of the second `key:` that starts a line (any indentation).
fn second_key_occurrence(yaml: &str, key: &str) -> Option<Range<usize>> {
    let mut seen = 0;
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '-']);
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with(':') {
            seen += 1;
            if seen == 2 {
                return Some(offset + indent..offset + indent + key.len());
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;
    use serde::Deserialize;
    use std::path::Path;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        title: String,
        order: Option<u32>,
    }

    fn err(text: &str, base: usize) -> (Diagnostic, Sources) {
        let mut s = Sources::new();
        let f = s.add(Path::new("t.md"), "t.md".into(), text.into());
        let d = parse::<T>(f, base, &text[base..]).unwrap_err();
        (d, s)
    }

    #[test]
    fn unknown_key_is_positioned_in_the_file_with_suggestion() {
        let text = "---\ntitle: 中文\ntitel: x\n---\n";
        let (d, s) = err(&text[..text.len() - 4], 4);
        assert_eq!(d.code, "unknown-key");
        assert_eq!(d.location(&s).unwrap(), "t.md:3:1");
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
        assert!(d.notes.is_empty());
        let (file, span) = d.primary.clone().unwrap();
        assert_eq!(&s.get(file).text[span], "titel");
    }

    #[test]
    fn wrong_type_and_duplicate_and_tabs() {
        let (d, s) = err("title: a\norder: one\n", 0);
        assert_eq!(d.code, "wrong-type");
        assert_eq!(d.location(&s).unwrap(), "t.md:2:8");
        let (d, s) = err("title: a\ntitle: b\n", 0);
        assert_eq!(d.code, "duplicate-key");
        assert_eq!(d.message, "`title` is given twice");
        assert_eq!(d.location(&s).unwrap(), "t.md:2:1");
        let (d, _) = err("\ttitle: a\n", 0);
        assert_eq!(d.code, "yaml-syntax");
        assert!(d.help.as_deref().unwrap().contains("tabs"));
    }

    #[test]
    fn positions_are_removed_from_messages() {
        assert_eq!(
            strip_positions("found end at line 4 column 1, while scanning at line 2 column 7"),
            "found end, while scanning"
        );
        let (d, s) = err("title: \"open\norder: 1\n", 0);
        assert_eq!(d.code, "yaml-syntax");
        assert!(!d.message.contains("line"), "{}", d.message);
        let (file, span) = d.primary.clone().unwrap();
        assert_eq!(&s.get(file).text[span], "\"");
        assert_eq!(d.location(&s).unwrap(), "t.md:1:8");
    }

    #[test]
    fn type_help_names_the_key() {
        let (d, _) = err("title: a\norder: one\n", 0);
        assert_eq!(
            d.help.as_deref(),
            Some("`order` expects a whole number, e.g. `1`")
        );
        let (d, _) = err("title: [a, b]\n", 0);
        assert_eq!(
            d.help.as_deref(),
            Some("`title` expects text (quote it if it looks like a number or a list)")
        );
    }

    #[test]
    fn missing_key_and_empty_block() {
        let (d, _) = err("order: 1\n", 0);
        assert_eq!(d.code, "missing-key");
        assert_eq!(d.help.as_deref(), Some("add `title: …`"));
        let (d, _) = err("", 0);
        assert_eq!(d.code, "missing-key");
    }
}
