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
#[derive(Debug, Clone, Default)]
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
    let mut raw: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut b = Builder {
        events: Vec::with_capacity(raw.len()),
        text: String::with_capacity(markdown.len()),
        blocks: Vec::new(),
        open: Vec::new(),
        in_footnote: 0,
        in_image: 0,
        footnotes: HashMap::new(),
        paragraphs: 0,
    };
    for i in 0..raw.len() {
        // Taken, not cloned: only the events after `i` are read again (a
        // soft break looks at what follows it).
        let (event, range) = match std::mem::replace(&mut raw[i], Event::SoftBreak) {
            Event::Start(tag) => {
                b.start(tag);
                continue;
            }
            Event::End(end) => (b.end(end), None),
            Event::Text(t) if b.in_image > 0 => (Event::Text(t), None),
            Event::Text(t) => {
                let r = b.push_text(&t);
                (Event::Text(t), Some(r))
            }
            Event::Code(t) => {
                let r = b.push_text(&t);
                (Event::Code(t), Some(r))
            }
            // Raw HTML is shown as text, never interpreted.
            Event::Html(t) | Event::InlineHtml(t) => {
                let r = b.push_text(&t);
                (Event::Text(t), Some(r))
            }
            Event::SoftBreak => match b.soft_break(&raw[i + 1..]) {
                Some(r) => (Event::Text(CowStr::Borrowed(" ")), Some(r)),
                None => continue,
            },
            Event::HardBreak => (Event::Html(CowStr::Borrowed("<br>")), None),
            Event::FootnoteReference(label) => {
                let n = footnote_number(&mut b.footnotes, &label);
                let r = b.push_text(&n.to_string());
                (Event::FootnoteReference(label), Some(r))
            }
            other => (other, None),
        };
        b.push(event, range);
    }
    b.finish()
}

/// The state of [`parse`] as it walks the events.
struct Builder<'a> {
    events: Vec<(Event<'a>, Option<Range<usize>>)>,
    text: String,
    blocks: Vec<Block>,
    /// Per open container: the block it opened, if any.
    open: Vec<Option<usize>>,
    in_footnote: usize,
    in_image: usize,
    footnotes: HashMap<String, usize>,
    paragraphs: u32,
}

impl<'a> Builder<'a> {
    /// Appends visible text; returns its range in the reading text.
    fn push_text(&mut self, t: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(t);
        start..self.text.len()
    }

    /// The innermost open block.
    fn current_block(&self) -> Option<usize> {
        self.open.iter().rev().find_map(|b| *b)
    }

    /// An element starts: paragraphs (numbered), headings and list items
    /// open blocks, except inside footnotes.
    fn start(&mut self, tag: Tag<'a>) {
        let opens = match &tag {
            Tag::Paragraph if self.in_footnote == 0 => {
                self.paragraphs += 1;
                Some((BlockKind::Paragraph, Some(self.paragraphs)))
            }
            Tag::Heading { .. } if self.in_footnote == 0 => Some((BlockKind::Heading, None)),
            Tag::Item if self.in_footnote == 0 => Some((BlockKind::Item, None)),
            _ => None,
        };
        if matches!(tag, Tag::FootnoteDefinition(_)) {
            self.in_footnote += 1;
        }
        if matches!(tag, Tag::Image { .. }) {
            self.in_image += 1;
        }
        let label_text = match &tag {
            Tag::FootnoteDefinition(label) => Some(footnote_number(&mut self.footnotes, label)),
            _ => None,
        };
        match opens {
            Some((kind, para)) => {
                self.blocks.push(Block {
                    kind,
                    para,
                    ranges: Vec::new(),
                    start_event: self.events.len(),
                    end_event: self.events.len(),
                });
                self.open.push(Some(self.blocks.len() - 1));
            }
            None => self.open.push(None),
        }
        self.events.push((Event::Start(tag), None));
        if let Some(n) = label_text {
            // The definition's number is visible text (rendered by the HTML writer).
            let r = self.push_text(&n.to_string());
            let last = self.events.len() - 1;
            self.events[last].1 = Some(r);
        }
    }

    /// An element ends (closing the block it opened).
    fn end(&mut self, end: TagEnd) -> Event<'a> {
        if matches!(end, TagEnd::FootnoteDefinition) {
            self.in_footnote = self.in_footnote.saturating_sub(1);
        }
        if matches!(end, TagEnd::Image) {
            self.in_image = self.in_image.saturating_sub(1);
        }
        if let Some(Some(b)) = self.open.pop() {
            self.blocks[b].end_event = self.events.len();
        }
        Event::End(end)
    }

    /// A soft line break: nothing between two CJK characters, else a space.
    fn soft_break(&mut self, after: &[Event<'_>]) -> Option<Range<usize>> {
        let before = self.text.chars().next_back();
        let next = after.iter().find_map(|e| match e {
            Event::Text(t) | Event::Code(t) => t.chars().next(),
            _ => None,
        });
        if before.is_some_and(is_cjk) && next.is_some_and(is_cjk) {
            return None;
        }
        Some(self.push_text(" "))
    }

    /// Records an event; visible text outside footnotes joins the current block.
    fn push(&mut self, event: Event<'a>, range: Option<Range<usize>>) {
        if let Some(r) = &range
            && self.in_footnote == 0
            && let Some(b) = self.current_block()
        {
            match self.blocks[b].ranges.last_mut() {
                Some(last) if last.end == r.start => last.end = r.end,
                _ => self.blocks[b].ranges.push(r.clone()),
            }
        }
        self.events.push((event, range));
    }

    fn finish(mut self) -> Doc<'a> {
        // Loose list items hold paragraphs, not text of their own.
        self.blocks
            .retain(|b| !(b.kind == BlockKind::Item && b.ranges.is_empty()));
        Doc {
            events: self.events,
            text: self.text,
            blocks: self.blocks,
            paragraphs: self.paragraphs,
        }
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

/// Appends `s` with its HTML character references decoded (numeric ones and
/// the named ones that escaping produces: `&amp;` `&lt;` `&gt;` `&quot;`
/// `&apos;` `&nbsp;`); anything else is kept as written.
pub fn decode_references_into(s: &str, out: &mut String) {
    let mut rest = s;
    // memchr's vectorised search: `str::find` with a `char` scans a word at
    // a time, and a page's text is long between references.
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.get(..33).unwrap_or(rest)[1..].find(';').map(|e| e + 1);
        match end.and_then(|e| char_reference(&rest[1..e]).map(|c| (c, e))) {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// The character a reference (without `&` and `;`) stands for.
fn char_reference(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    })
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
