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

use crate::diag::{Code, Diagnostic, FileId, did_you_mean};

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

/// Parses `yaml` when it is well-formed, without diagnostics (for reading a
/// key or two from files that are checked elsewhere).
pub fn value<T: DeserializeOwned>(yaml: &str) -> Option<T> {
    serde_yaml::from_str(yaml).ok()
}

/// Parses `yaml`, or says why not (for glossa's own data files, whose
/// errors are glossa's bugs, not an editor's).
pub fn value_or_error<T: DeserializeOwned>(yaml: &str) -> Result<T, String> {
    serde_yaml::from_str(yaml).map_err(|e| e.to_string())
}

/// Serializes a value as YAML (block style, deterministic field order).
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).expect("content types always serialize")
}

/// `new`'s mappings with `existing`'s values kept wherever `existing` sets a
/// key (mappings merged key by key), except the dotted paths in `take`,
/// which come from `new`. Returns the merged document — `None` when it holds
/// exactly `existing`'s values (keep the file, comments and all) — and the
/// dotted keys where `existing`'s value won over a different new one. A
/// document that does not parse is left alone.
pub fn merge_keep_existing(
    existing: &str,
    new: &str,
    take: &[&str],
) -> (Option<String>, Vec<String>) {
    use serde_yaml::Value;
    let (Ok(old), Ok(mut merged)) = (
        serde_yaml::from_str::<Value>(existing),
        serde_yaml::from_str::<Value>(new),
    ) else {
        return (None, Vec::new());
    };
    let mut kept = Vec::new();
    fn walk(old: &Value, new: &mut Value, path: &str, take: &[&str], kept: &mut Vec<String>) {
        let (Value::Mapping(o), Value::Mapping(n)) = (old, &mut *new) else {
            return;
        };
        for (k, ov) in o {
            let name = k.as_str().unwrap_or_default();
            let here = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            if take.contains(&here.as_str()) && n.contains_key(k) {
                continue;
            }
            match n.get_mut(k) {
                Some(nv @ Value::Mapping(_)) if ov.is_mapping() => walk(ov, nv, &here, take, kept),
                Some(nv) => {
                    if nv != ov {
                        kept.push(here);
                        *nv = ov.clone();
                    }
                }
                None => {
                    n.insert(k.clone(), ov.clone());
                }
            }
        }
    }
    walk(&old, &mut merged, "", take, &mut kept);
    ((merged != old).then(|| to_string(&merged)), kept)
}

/// One step of a path into a YAML document: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> From<&'a str> for Step<'a> {
    fn from(key: &'a str) -> Self {
        Step::Key(key)
    }
}

impl From<usize> for Step<'_> {
    fn from(index: usize) -> Self {
        Step::Index(index)
    }
}

/// Where every key and value of a YAML document sits, from the YAML parser's
/// own events (so block scalars, flow collections, comments and quoted text
/// are understood, not guessed from lines). Spans are byte ranges of the
/// whole file (the document's `base` added). Built only to position
/// diagnostics; serde_yaml still does the deserializing.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    root: Option<Node>,
}

#[derive(Debug, Clone)]
struct Node {
    span: Range<usize>,
    kind: Kind,
}

/// A mapping key's text and span.
type Key = (String, Range<usize>);

#[derive(Debug, Clone)]
enum Kind {
    Scalar,
    Seq(Vec<Node>),
    /// (key text, key span, value).
    Map(Vec<(String, Range<usize>, Node)>),
}

impl Tree {
    /// Reads the positions of `yaml`, which sits at byte `base` of its file.
    /// A document that does not parse gives the nodes read before the error.
    pub fn parse(yaml: &str, base: usize) -> Tree {
        use saphyr_parser::{Event, Parser, ScalarStyle};
        // The parser counts characters; spans are bytes of the file.
        let bytes: Vec<usize> = yaml
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(yaml.len()))
            .collect();
        let at = |chars: usize| base + bytes[chars.min(bytes.len() - 1)];
        // Open collections: (start, kind, pending key of a mapping).
        let mut stack: Vec<(usize, Kind, Option<Key>)> = Vec::new();
        let mut root = None;
        let mut parser = Parser::new_from_str(yaml);
        while let Some(Ok((event, span))) = parser.next_event() {
            let (start, end) = (at(span.start.index()), at(span.end.index()));
            let (node, text) = match event {
                Event::SequenceStart(..) => {
                    stack.push((start, Kind::Seq(Vec::new()), None));
                    continue;
                }
                Event::MappingStart(..) => {
                    stack.push((start, Kind::Map(Vec::new()), None));
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some((start, kind, _)) = stack.pop() else {
                        break;
                    };
                    (
                        Node {
                            span: start..end.max(start),
                            kind,
                        },
                        None,
                    )
                }
                Event::Scalar(value, style, ..) => {
                    let raw = &yaml[start - base..end - base];
                    // The parser's end runs on over a trailing comment after a
                    // quoted scalar, and over the next line's indentation
                    // after a block scalar.
                    let len = match style {
                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                            quoted_len(raw).unwrap_or(raw.len())
                        }
                        _ => raw.trim_end().len(),
                    };
                    let end = start + len;
                    (
                        Node {
                            span: start..end,
                            kind: Kind::Scalar,
                        },
                        Some(value.into_owned()),
                    )
                }
                Event::Alias(_) => (
                    Node {
                        span: start..end,
                        kind: Kind::Scalar,
                    },
                    None,
                ),
                _ => continue,
            };
            match stack.last_mut() {
                None => root = Some(node),
                Some((_, Kind::Seq(items), _)) => items.push(node),
                Some((_, Kind::Map(entries), pending)) => match pending.take() {
                    None => *pending = Some((text.unwrap_or_default(), node.span)),
                    Some((key, key_span)) => entries.push((key, key_span, node)),
                },
                Some((_, Kind::Scalar, _)) => {}
            }
        }
        Tree { root }
    }

    fn walk(&self, path: &[Step<'_>]) -> (Option<&Node>, Option<Range<usize>>, usize) {
        let mut node = self.root.as_ref();
        let mut key = None;
        let mut depth = 0;
        for step in path {
            let next = match (step, node.map(|n| &n.kind)) {
                (Step::Key(k), Some(Kind::Map(entries))) => entries
                    .iter()
                    .find(|(name, ..)| name == k)
                    .map(|(_, ks, v)| (Some(ks.clone()), v)),
                (Step::Index(i), Some(Kind::Seq(items))) => items.get(*i).map(|v| (None, v)),
                _ => None,
            };
            let Some((k, v)) = next else {
                return (None, key, depth);
            };
            key = k;
            node = Some(v);
            depth += 1;
        }
        (node, key, depth)
    }

    /// The span of the value at `path`, if it exists.
    pub fn value(&self, path: &[Step<'_>]) -> Option<Range<usize>> {
        self.walk(path).0.map(|n| n.span.clone())
    }

    /// The span of the last key of `path` (`title` in `title: x`), if it exists.
    pub fn key(&self, path: &[Step<'_>]) -> Option<Range<usize>> {
        match self.walk(path) {
            (Some(_), key, _) => key,
            _ => None,
        }
    }

    /// The value at `path`, or else a place that stands for it: the key
    /// or the first line of the deepest part of the path that exists (an
    /// item's first key when the item lacks the key asked for).
    pub fn value_or_nearest(&self, path: &[Step<'_>]) -> Option<Range<usize>> {
        if let Some(r) = self.value(path) {
            return Some(r);
        }
        (0..path.len()).rev().find_map(|n| {
            let (node, key, _) = self.walk(&path[..n]);
            let node = node?;
            Some(match &node.kind {
                Kind::Map(entries) if !entries.is_empty() => entries[0].1.clone(),
                Kind::Scalar => node.span.clone(),
                _ => key.unwrap_or(node.span.start..node.span.start),
            })
        })
    }
}

/// Length of the quoted scalar at the start of `raw` (its quotes included).
fn quoted_len(raw: &str) -> Option<usize> {
    let quote = raw.chars().next()?;
    let mut chars = raw.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            c if c == quote => return Some(i + 1),
            _ => {}
        }
    }
    None
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
            Diagnostic::new(Code::UnknownKey, format!("unknown key `{field}`")),
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
        return at(Diagnostic::new(Code::UnknownValue, message.clone()), &span)
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
        return at(Diagnostic::new(Code::MissingKey, message.clone()), &span)
            .help(format!("add `{field}: …`"));
    }
    if let Some(field) = between(&message, "duplicate field `", "`")
        .or_else(|| between(&message, "duplicate entry with key \"", "\""))
    {
        let span = second_key_occurrence(yaml, field).unwrap_or(span);
        return at(
            Diagnostic::new(Code::DuplicateKey, format!("`{field}` is given twice")),
            &span,
        )
        .label("second time")
        .help(format!("remove one of the `{field}` entries"));
    }
    if message.contains("invalid type") || message.contains("invalid value") {
        let mut d = at(Diagnostic::new(Code::WrongType, message.clone()), &span);
        if let Some(help) = type_help(&message) {
            d = d.help(help);
        }
        return d;
    }
    let mut d = at(Diagnostic::new(Code::YamlSyntax, message.clone()), &span);
    if yaml[index..].starts_with('\t') || message.contains("cannot start any token") {
        d = d.help("YAML does not allow tabs for indentation; use spaces");
    } else if message.contains("quoted scalar") {
        if let Some(open) = unclosed_quote(yaml) {
            // The opening quote is what the editor has to fix; the end of the block is context.
            d = at(Diagnostic::new(Code::YamlSyntax, message.clone()), &open)
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
        assert_eq!(d.code.as_str(), "unknown-key");
        assert_eq!(d.location(&s).unwrap(), "t.md:3:1");
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
        assert!(d.notes.is_empty());
        let (file, span) = d.primary.clone().unwrap();
        assert_eq!(&s.get(file).text[span], "titel");
    }

    #[test]
    fn wrong_type_and_duplicate_and_tabs() {
        let (d, s) = err("title: a\norder: one\n", 0);
        assert_eq!(d.code.as_str(), "wrong-type");
        assert_eq!(d.location(&s).unwrap(), "t.md:2:8");
        let (d, s) = err("title: a\ntitle: b\n", 0);
        assert_eq!(d.code.as_str(), "duplicate-key");
        assert_eq!(d.message, "`title` is given twice");
        assert_eq!(d.location(&s).unwrap(), "t.md:2:1");
        let (d, _) = err("\ttitle: a\n", 0);
        assert_eq!(d.code.as_str(), "yaml-syntax");
        assert!(d.help.as_deref().unwrap().contains("tabs"));
    }

    #[test]
    fn positions_are_removed_from_messages() {
        assert_eq!(
            strip_positions("found end at line 4 column 1, while scanning at line 2 column 7"),
            "found end, while scanning"
        );
        let (d, s) = err("title: \"open\norder: 1\n", 0);
        assert_eq!(d.code.as_str(), "yaml-syntax");
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
    fn tree_positions_skip_block_scalars_comments_and_flow_text() {
        let text = "# quote: in a comment\nitems:\n  - id: a\n    note: |\n      quote: in a block\n    quote: 'real'  # quote: after\n  - {id: b, note: 'quote: x', quote: \"二\"}\n  - id: c\n    refs: [x, 'y']\n";
        let t = Tree::parse(text, 10);
        let at = |path: &[Step<'_>]| {
            let r = t.value(path).unwrap();
            &text[r.start - 10..r.end - 10]
        };
        assert_eq!(at(&["items".into(), 0.into(), "quote".into()]), "'real'");
        assert_eq!(at(&["items".into(), 1.into(), "quote".into()]), "\"二\"");
        assert_eq!(
            at(&["items".into(), 0.into(), "note".into()]),
            "quote: in a block"
        );
        assert_eq!(
            at(&["items".into(), 2.into(), "refs".into(), 1.into()]),
            "'y'"
        );
        let key = t.key(&["items".into()]).unwrap();
        assert_eq!(&text[key.start - 10..key.end - 10], "items");
        // A missing key: the item's first key stands for it.
        let r = t
            .value_or_nearest(&["items".into(), 2.into(), "date".into()])
            .unwrap();
        assert_eq!(&text[r.start - 10..r.end - 10], "id");
        assert!(t.value(&["nothing".into()]).is_none());
        assert_eq!(quoted_len("'it''s' # c"), Some(7));
        assert_eq!(quoted_len("\"a\\\"b\"  # c"), Some(6));
    }

    #[test]
    fn missing_key_and_empty_block() {
        let (d, _) = err("order: 1\n", 0);
        assert_eq!(d.code.as_str(), "missing-key");
        assert_eq!(d.help.as_deref(), Some("add `title: …`"));
        let (d, _) = err("", 0);
        assert_eq!(d.code.as_str(), "missing-key");
    }
}
