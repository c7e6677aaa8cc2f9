//! Splitting a content file into its YAML front matter and Markdown body.
//!
//! Input: the full text of a file. Output: byte ranges of the YAML block and of
//! the body, both indexing the original text (so later spans stay file-relative).
//! A leading UTF-8 byte-order mark and CRLF line endings are accepted.
//!
//! Must not parse YAML or Markdown.

use std::ops::Range;

/// Where the parts of a content file are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The opening `---` line (for diagnostics about the block as a whole).
    pub open: Range<usize>,
    /// The YAML between the delimiters.
    pub yaml: Range<usize>,
    /// Everything after the closing delimiter line.
    pub body: Range<usize>,
}

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// A `---` line opens the front matter but none closes it; the span is the opening line.
    Unclosed(Range<usize>),
}

/// Splits `text` into front matter and body.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = LineIter { text, pos: start };
    let Some((first, first_content)) = lines.next() else {
        return Err(SplitError::Missing);
    };
    if first_content.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let open = first.start..first.start + 3;
    let yaml_start = first.end;
    for (line, content) in lines.by_ref() {
        let t = content.trim_end();
        if t == "---" || t == "..." {
            return Ok(Split {
                open,
                yaml: yaml_start..line.start,
                body: line.end..text.len(),
            });
        }
    }
    Err(SplitError::Unclosed(open))
}

/// Iterates lines as (full range including the newline, content without it).
struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (Range<usize>, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.pos..];
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let range = self.pos..self.pos + len;
        self.pos += len;
        let content = rest[..len].trim_end_matches('\n').trim_end_matches('\r');
        Some((range, content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_body() {
        let t = "---\ntitle: 甲\n---\n正文\n";
        let s = split(t).unwrap();
        assert_eq!(&t[s.yaml.clone()], "title: 甲\n");
        assert_eq!(&t[s.body.clone()], "正文\n");
        assert_eq!(&t[s.open.clone()], "---");
    }

    #[test]
    fn accepts_bom_crlf_and_dots() {
        let t = "\u{feff}---\r\ntitle: a\r\n...\r\nbody";
        let s = split(t).unwrap();
        assert_eq!(&t[s.yaml.clone()], "title: a\r\n");
        assert_eq!(&t[s.body.clone()], "body");
    }

    #[test]
    fn empty_front_matter_and_empty_body() {
        let t = "---\n---\n";
        let s = split(t).unwrap();
        assert!(s.yaml.is_empty());
        assert!(s.body.is_empty());
    }

    #[test]
    fn errors() {
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("title: x\n"), Err(SplitError::Missing));
        assert_eq!(split("----\n"), Err(SplitError::Missing));
        assert_eq!(split("---\ntitle: x\n"), Err(SplitError::Unclosed(0..3)));
        // A `---` inside a YAML value line does not close the block.
        assert_eq!(split("---\na: ---x\n"), Err(SplitError::Unclosed(0..3)));
    }
}
