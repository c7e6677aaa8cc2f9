//! The text as readers see it: a chapter's Markdown → events + reading text + blocks.
//!
//! Input: a Markdown body. Output: a [`Doc`]: the pulldown-cmark events after the
//! content passes that change what is visible (raw HTML made inert, soft breaks
//! between CJK characters removed, other soft breaks made spaces, hard breaks
//! made `<br>`), each text-bearing event tagged with its byte range in the
//! **reading text** (the concatenation of everything a reader sees in the chapter
//! body, i.e. the page's text content without glossa's apparatus), and the
//! anchorable **blocks** (paragraphs, headings, tight list items) with their
//! paragraph numbers.
//!
//! This is the only module that parses chapter Markdown, so `annotate` (anchoring)
//! and `render` (marks, paragraph ids) see exactly the same text and numbering.
//! Must not produce HTML or know about annotations.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::cjk::is_cjk;

/// The Markdown dialect of content files.
pub fn options() -> Options {
    Options::ENABLE_FOOTNOTES | Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES
}

/// What kind of block a [`Block`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading,
    Item,
}

/// An anchorable block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// Paragraph number (`pN`) for paragraphs.
    pub para: Option<u32>,
    /// Byte ranges of the reading text that belong to this block, in order.
    pub ranges: Vec<Range<usize>>,
    /// Index of the block's start event in [`Doc::events`].
    pub start_event: usize,
    /// Index of the block's end event in [`Doc::events`].
    pub end_event: usize,
}

/// A parsed chapter body.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    /// Events after the visible-text passes; `Some(range)` marks a text-bearing
    /// event and where its text lies in [`Doc::text`].
    pub events: Vec<(Event<'a>, Option<Range<usize>>)>,
    /// The reading text.
    pub text: String,
    pub blocks: Vec<Block>,
    pub paragraphs: u32,
}

impl Doc<'_> {
    /// The same document owning all its text (for caches that outlive the source).
    pub fn into_static(self) -> Doc<'static> {
        Doc {
            events: self
                .events
                .into_iter()
                .map(|(e, r)| (e.into_static(), r))
                .collect(),
            text: self.text,
            blocks: self.blocks,
            paragraphs: self.paragraphs,
        }
    }
}

impl Block {
    /// The block's visible text, borrowed when it is one piece of the reading text.
    pub fn text<'t>(&self, doc_text: &'t str) -> std::borrow::Cow<'t, str> {
        match self.ranges.as_slice() {
            [r] => std::borrow::Cow::Borrowed(&doc_text[r.clone()]),
            rs => std::borrow::Cow::Owned(rs.iter().map(|r| &doc_text[r.clone()]).collect()),
        }
    }

    /// The reading-text offset of byte `o` of the block's text: the same as
    /// the map of [`Block::text_with_map`] at `o`, without building the map.
    pub fn reading_offset(&self, o: usize) -> usize {
        let mut start = 0;
        for r in &self.ranges {
            let len = r.end - r.start;
            if o < start + len {
                return r.start + (o - start);
            }
            start += len;
        }
        self.ranges.last().map_or(0, |r| r.end)
    }

    /// The offset in the block's text of reading-text offset `r` (the first
    /// block byte at or after it).
    pub fn block_offset(&self, r: usize) -> usize {
        let mut start = 0;
        for piece in &self.ranges {
            if r < piece.end {
                return start + r.saturating_sub(piece.start);
            }
            start += piece.end - piece.start;
        }
        start
    }

    /// The block's visible text and, for each of its bytes, the offset in the reading text.
    pub fn text_with_map(&self, doc_text: &str) -> (String, Vec<usize>) {
        let mut s = String::new();
        let mut map = Vec::new();
        for r in &self.ranges {
            s.push_str(&doc_text[r.clone()]);
            map.extend(r.clone());
        }
        map.push(self.ranges.last().map_or(0, |r| r.end));
        (s, map)
    }
}

/// Parses a chapter body.
pub fn parse(markdown: &str) -> Doc<'_> {
    let raw: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut events: Vec<(Event<'_>, Option<Range<usize>>)> = Vec::with_capacity(raw.len());
    let mut text = String::with_capacity(markdown.len());
    let mut blocks: Vec<Block> = Vec::new();
    let mut open: Vec<Option<usize>> = Vec::new(); // per container: the block it opened, if any
    let mut in_footnote = 0usize;
    let mut in_image = 0usize;
    let mut footnotes: HashMap<String, usize> = HashMap::new();
    let mut paragraphs = 0u32;

    let current_block = |open: &Vec<Option<usize>>| open.iter().rev().find_map(|b| *b);

    for i in 0..raw.len() {
        let e = raw[i].clone();
        let push_text = |t: &str, text: &mut String| {
            let start = text.len();
            text.push_str(t);
            start..text.len()
        };
        let (event, range) = match e {
            Event::Start(tag) => {
                let opens = match &tag {
                    Tag::Paragraph if in_footnote == 0 => {
                        paragraphs += 1;
                        Some((BlockKind::Paragraph, Some(paragraphs)))
                    }
                    Tag::Heading { .. } if in_footnote == 0 => Some((BlockKind::Heading, None)),
                    Tag::Item if in_footnote == 0 => Some((BlockKind::Item, None)),
                    _ => None,
                };
                if matches!(tag, Tag::FootnoteDefinition(_)) {
                    in_footnote += 1;
                }
                if matches!(tag, Tag::Image { .. }) {
                    in_image += 1;
                }
                let label_text = match &tag {
                    Tag::FootnoteDefinition(label) => Some(footnote_number(&mut footnotes, label)),
                    _ => None,
                };
                match opens {
                    Some((kind, para)) => {
                        blocks.push(Block {
                            kind,
                            para,
                            ranges: Vec::new(),
                            start_event: events.len(),
                            end_event: events.len(),
                        });
                        open.push(Some(blocks.len() - 1));
                    }
                    None => open.push(None),
                }
                events.push((Event::Start(tag), None));
                if let Some(n) = label_text {
                    // The definition's number is visible text (rendered by the HTML writer).
                    let r = push_text(&n.to_string(), &mut text);
                    let last = events.len() - 1;
                    events[last].1 = Some(r);
                }
                continue;
            }
            Event::End(end) => {
                if matches!(end, TagEnd::FootnoteDefinition) {
                    in_footnote = in_footnote.saturating_sub(1);
                }
                if matches!(end, TagEnd::Image) {
                    in_image = in_image.saturating_sub(1);
                }
                if let Some(Some(b)) = open.pop() {
                    blocks[b].end_event = events.len();
                }
                (Event::End(end), None)
            }
            Event::Text(t) if in_image > 0 => (Event::Text(t), None),
            Event::Text(t) => {
                let r = push_text(&t, &mut text);
                (Event::Text(t), Some(r))
            }
            Event::Code(t) => {
                let r = push_text(&t, &mut text);
                (Event::Code(t), Some(r))
            }
            // Raw HTML is shown as text, never interpreted.
            Event::Html(t) | Event::InlineHtml(t) => {
                let r = push_text(&t, &mut text);
                (Event::Text(t), Some(r))
            }
            Event::SoftBreak => {
                let before = text.chars().next_back();
                let after = raw[i + 1..].iter().find_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => t.chars().next(),
                    _ => None,
                });
                if before.is_some_and(is_cjk) && after.is_some_and(is_cjk) {
                    continue;
                }
                let r = push_text(" ", &mut text);
                (Event::Text(CowStr::Borrowed(" ")), Some(r))
            }
            Event::HardBreak => (Event::Html(CowStr::Borrowed("<br>")), None),
            Event::FootnoteReference(label) => {
                let n = footnote_number(&mut footnotes, &label);
                let r = push_text(&n.to_string(), &mut text);
                (Event::FootnoteReference(label), Some(r))
            }
            other => (other, None),
        };
        if let Some(r) = &range
            && in_footnote == 0
            && let Some(b) = current_block(&open)
        {
            match blocks[b].ranges.last_mut() {
                Some(last) if last.end == r.start => last.end = r.end,
                _ => blocks[b].ranges.push(r.clone()),
            }
        }
        events.push((event, range));
    }
    // Loose list items hold paragraphs, not text of their own.
    blocks.retain(|b| !(b.kind == BlockKind::Item && b.ranges.is_empty()));
    Doc {
        events,
        text,
        blocks,
        paragraphs,
    }
}

/// pulldown-cmark's HTML writer numbers footnotes by first appearance of the label.
fn footnote_number(numbers: &mut HashMap<String, usize>, label: &str) -> usize {
    let next = numbers.len() + 1;
    *numbers.entry(label.to_string()).or_insert(next)
}

/// Visible text of each block (for tests and the import round-trip check).
pub fn visible_blocks(markdown: &str) -> Vec<String> {
    let doc = parse(markdown);
    doc.blocks
        .iter()
        .map(|b| b.text(&doc.text).into_owned())
        .collect()
}

/// The last `n` characters of `s` (context before a passage).
pub fn last_chars(s: &str, n: usize) -> &str {
    let from = s
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(s.len(), |(i, _)| i);
    &s[from..]
}

/// The first `n` characters of `s` (context after a passage).
pub fn first_chars(s: &str, n: usize) -> &str {
    let to = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    &s[..to]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_offsets_agree_with_the_map() {
        let doc = parse("一**二**三\n四[^x]五\n\n> 甲 `乙` 丙\n\n- 六\n\n[^x]: 注\n");
        // A block made of several separate pieces of the reading text, too.
        let split = Block {
            kind: BlockKind::Item,
            para: None,
            ranges: vec![0..3, 6..9, 12..15],
            start_event: 0,
            end_event: 0,
        };
        let plain = parse("一二三四五六七八九");
        let blocks = doc.blocks.iter().map(|b| (b, &doc.text));
        for (b, doc_text) in blocks.chain([(&split, &plain.text)]) {
            let (text, map) = b.text_with_map(doc_text);
            assert_eq!(b.text(doc_text), text);
            for o in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                assert_eq!(b.reading_offset(o), map[o], "{text:?} at {o}");
                if o < text.len() {
                    assert_eq!(b.block_offset(map[o]), o, "{text:?} at {o}");
                }
            }
        }
        assert_eq!(split.text(&plain.text), "一三五");
        // The end of a piece is the end of that piece's text in the block.
        assert_eq!(split.block_offset(3), 3);
        assert_eq!(split.block_offset(15), 9);
    }

    #[test]
    fn reading_text_and_blocks() {
        let doc = parse("一**二**三\n四\n\n> 五\n\n- 六\n- 七\n\n# 八\n\nab\ncd[^x]\n\n[^x]: 注\n");
        let blocks: Vec<String> = doc
            .blocks
            .iter()
            .map(|b| b.text_with_map(&doc.text).0)
            .collect();
        assert_eq!(blocks, vec!["一二三四", "五", "六", "七", "八", "ab cd1"]);
        assert_eq!(doc.paragraphs, 3);
        assert_eq!(doc.blocks[0].para, Some(1));
        assert_eq!(doc.blocks[1].para, Some(2));
        assert_eq!(doc.blocks[5].para, Some(3));
        // The footnote definition's number and text are part of the reading text, not of a block.
        assert_eq!(doc.text, "一二三四五六七八ab cd11注");
    }

    #[test]
    fn image_alt_is_not_reading_text_and_html_is() {
        let doc = parse("看![图](a.png)<b>粗</b>\n");
        assert_eq!(doc.text, "看<b>粗</b>");
    }

    #[test]
    fn loose_items_yield_their_paragraphs() {
        let doc = parse("- 甲\n\n- 乙\n");
        assert_eq!(doc.blocks.len(), 2);
        assert!(doc.blocks.iter().all(|b| b.kind == BlockKind::Paragraph));
    }

    #[test]
    fn block_map_points_into_reading_text() {
        let doc = parse("前\n\n一[链接](x)二\n");
        let (s, map) = doc.blocks[1].text_with_map(&doc.text);
        assert_eq!(s, "一链接二");
        assert_eq!(&doc.text[map[0]..map[s.len()]], "一链接二");
    }
}
