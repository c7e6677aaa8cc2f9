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

/// Parses `yaml` (found at byte `base` of `file`, whose full text is `file_text`).
pub fn parse<T: DeserializeOwned>(
    file: FileId,
    file_text: &str,
    base: usize,
    yaml: &str,
) -> Result<T, Diagnostic> {
    // An empty block deserializes like an empty mapping, so required keys are reported as missing.
    let result = if yaml.trim().is_empty() {
        serde_yaml::from_str::<T>("{}")
    } else {
        serde_yaml::from_str::<T>(yaml)
    };
    result.map_err(|e| to_diagnostic(&e, file, file_text, base, yaml))
}

/// Serializes a value as YAML (block style, deterministic field order).
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).expect("content types always serialize")
}

fn to_diagnostic(
    e: &serde_yaml::Error,
    file: FileId,
    file_text: &str,
    base: usize,
    yaml: &str,
) -> Diagnostic {
    let full = e.to_string();
    // serde_yaml appends " at line L column C"; the diagnostic shows the position itself.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let index = e.location().map_or(0, |l| l.index()).min(yaml.len());
    let mut span = word_at(yaml, index);

    let mut help = None;
    let code;
    if let Some(field) = between(&message, "unknown field `", "`") {
        code = "unknown-key";
        let expected = expected_names(&message);
        help = Some(match did_you_mean(field, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known keys here: {}", expected.join(", ")),
        });
        return Diagnostic::error(code, format!("unknown key `{field}`"))
            .at(file, shift(&span, base))
            .label("not a known key")
            .help(help.unwrap_or_default())
            .note(context_note(&message));
    } else if let Some(field) = between(&message, "missing field `", "`") {
        code = "missing-key";
        help = Some(format!("add `{field}: …`"));
        if index == 0 {
            // Top-level: point at the start of the block.
            span = 0..yaml.find('\n').unwrap_or(yaml.len()).min(3);
        }
    } else if let Some(field) = between(&message, "duplicate field `", "`")
        .or_else(|| between(&message, "duplicate entry with key \"", "\""))
    {
        code = "duplicate-key";
        if let Some(s) = second_key_occurrence(yaml, field) {
            span = s;
        }
        help = Some(format!("remove one of the `{field}` entries"));
    } else if message.contains("invalid type") || message.contains("invalid value") {
        code = "wrong-type";
    } else {
        code = "yaml-syntax";
        if yaml[index..].starts_with('\t') || message.contains("cannot start any token") {
            help = Some("YAML does not allow tabs for indentation; use spaces".into());
        }
    }
    let mut d = Diagnostic::error(code, message).at(file, shift(&span, base));
    if let Some(h) = help {
        d = d.help(h);
    }
    let _ = file_text;
    d
}

/// A note naming where in the structure the key was found, when serde gives a path.
fn context_note(message: &str) -> String {
    match message.split_once(": unknown field") {
        Some((path, _)) => format!("in `{path}`"),
        None => "at the top level of the front matter".to_string(),
    }
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
        .find(|c: char| c == ':' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}')
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
        let d = parse::<T>(f, text, base, &text[base..]).unwrap_err();
        (d, s)
    }

    #[test]
    fn unknown_key_is_positioned_in_the_file_with_suggestion() {
        let text = "---\ntitle: 中文\ntitel: x\n---\n";
        let (d, s) = err(&text[..text.len() - 4], 4);
        assert_eq!(d.code, "unknown-key");
        assert_eq!(d.location(&s).unwrap(), "t.md:3:1");
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
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
        assert_eq!(d.location(&s).unwrap(), "t.md:2:1");
        let (d, _) = err("\ttitle: a\n", 0);
        assert_eq!(d.code, "yaml-syntax");
        assert!(d.help.unwrap().contains("tabs"));
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
