//! Chapter bodies and notes → HTML, as small named passes over the parsed events.
//!
//! Input: a chapter's [`Doc`] (events already carrying their reading-text ranges,
//! from `text`) and its anchored notes as [`NoteView`]s. Output: the body HTML.
//!
//! Passes, in order, each a function over `(event, range)` items:
//! 1. [`number_paragraphs`]: `<p id="pN">` with a permalink whose number is drawn
//!    by CSS (so it is not part of the page's text content).
//! 2. [`mark_annotations`]: text covered by notes is wrapped in `<mark>` pieces
//!    (split at inline markup boundaries, so overlapping and nested notes nest
//!    correctly); an empty `<span id="m-ID">` marks each start; a marker button
//!    follows each passage's end (moved after a link when the passage ends inside one).
//! 3. [`attach_notes`]: an `<aside class="notes">` before each block with notes
//!    holds them (sidenotes floating in the margin on wide screens, popovers
//!    opened by the marker elsewhere, readable without JavaScript).
//!
//! 4. [`super::highlight::pass`]: fenced code in a known language is highlighted
//!    (also in notes and profile texts, via [`note_html`]).
//!
//! Must not touch files or templates.

use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd, html};
use serde::Serialize;

use crate::annotate::Note;
use crate::content::SourceRef;
use crate::i18n::Ui;
use crate::text::{BlockKind, Doc};

type Item<'a> = (Event<'a>, Option<std::ops::Range<usize>>);

/// A note as every output (sidenote, endnote, annotations page, JSON-LD)
/// shows it: the anchored note, and what is made of it once per render
/// (56 bytes: an edition has hundreds of thousands of notes, each shown
/// by several outputs). Serialized for templates as `number`, `id`,
/// `kind`, `kind_label`, `quote` (the passage as the text has it), `html`
/// (the note rendered from Markdown), `sources`, `para` and `refs`
/// (entities the note refers to, with root-relative profile URLs).
#[derive(Debug, Clone)]
pub struct NoteView<'a> {
    pub note: &'a Note<'a>,
    pub kind_label: &'a str,
    /// The note rendered from Markdown.
    pub html: Box<str>,
    pub refs: Box<[RefView<'a>]>,
}

impl<'a> NoteView<'a> {
    pub fn number(&self) -> u32 {
        self.note.number
    }

    pub fn id(&self) -> &'a str {
        &self.note.annotation.id
    }

    pub fn kind(&self) -> &'static str {
        self.note.annotation.kind.as_str()
    }

    /// The passage as it appears in the text.
    pub fn quote(&self) -> &'a str {
        self.note.exact()
    }

    pub fn sources(&self) -> &'a [SourceRef] {
        &self.note.annotation.sources
    }

    pub fn para(&self) -> Option<u32> {
        self.note.para
    }

    /// Block index in the chapter's `Doc`.
    pub fn block(&self) -> usize {
        self.note.block
    }

    /// Byte range in the chapter's reading text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.note.range.clone()
    }
}

impl Serialize for NoteView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("NoteView", 9)?;
        m.serialize_field("number", &self.number())?;
        m.serialize_field("id", self.id())?;
        m.serialize_field("kind", self.kind())?;
        m.serialize_field("kind_label", self.kind_label)?;
        m.serialize_field("quote", self.quote())?;
        m.serialize_field("html", &*self.html)?;
        m.serialize_field("sources", self.sources())?;
        m.serialize_field("para", &self.para())?;
        m.serialize_field("refs", &*self.refs)?;
        m.end()
    }
}

/// A link to a profile, shown (and serialized for templates) as its `name`
/// and `url`, relative to the site root (e.g. `companies/zhipu/`). It
/// borrows the profile: a large edition has hundreds of thousands of them.
#[derive(Debug, Clone, Copy)]
pub struct RefView<'a>(pub &'a crate::content::Entity);

impl Serialize for RefView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("RefView", 2)?;
        m.serialize_field("name", &self.0.name)?;
        m.serialize_field("url", &self.0.url())?;
        m.end()
    }
}

/// Root of the site as seen from a chapter page.
pub const CHAPTER_ROOT: &str = "../../";

/// Renders a chapter body with its notes.
pub fn chapter_html(
    doc: &Doc<'_>,
    notes: &[NoteView<'_>],
    mentions: &[MentionLink],
    ui: &Ui,
) -> String {
    let items: Vec<Item<'_>> = doc.events.clone();
    let items = number_paragraphs(items, doc, ui);
    let items = mark_annotations(items, notes, mentions, ui);
    let items = glue_markers(items);
    let items = attach_notes(items, doc, notes, ui);
    let items = super::highlight::pass(items);
    let mut out = String::with_capacity(doc.text.len() * 2);
    html::push_html(&mut out, items.into_iter().map(|(e, _)| e));
    compact(&out)
}

/// Renders the Markdown of a note or a profile (no paragraph numbers), with
/// the same visible-text rules as chapters ([`crate::text::parse`]: raw HTML
/// shown as text, no space between CJK characters at a line break).
pub fn note_html(markdown: &str) -> String {
    let doc = crate::text::parse(markdown);
    let mut out = String::new();
    html::push_html(
        &mut out,
        super::highlight::pass(doc.events)
            .into_iter()
            .map(|(e, _)| e),
    );
    compact(&out)
}

/// Elements whose tags the Markdown writer follows with a line break that
/// means nothing to a reader.
const BLOCK_TAGS: [&str; 26] = [
    "p",
    "div",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "aside",
    "section",
    "dl",
    "dt",
    "dd",
    "figure",
];

/// The HTML without the line breaks the Markdown writer puts between tags
/// next to a block tag (`</p>\n<p>`, `</sup>\n<p>`): the page is written without insignificant whitespace
/// instead of being minified afterwards, and its text content is the reading
/// text (no stray line breaks between blocks). Line breaks inside text, and
/// anything inside `<pre>`, `<textarea>`, `<script>` or `<style>`, stay.
pub fn compact(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut kept = 0;
    let mut raw: Option<&'static str> = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                let closing = b.get(i + 1) == Some(&b'/');
                let start = i + 1 + usize::from(closing);
                let end = b[start..]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric())
                    .map_or(b.len(), |p| start + p);
                let name = &html[start..end];
                match raw {
                    Some(r) if closing && name.eq_ignore_ascii_case(r) => raw = None,
                    None if !closing => {
                        raw = ["pre", "textarea", "script", "style"]
                            .into_iter()
                            .find(|r| name.eq_ignore_ascii_case(r));
                    }
                    _ => {}
                }
                i = end;
                continue;
            }
            b'\n' if raw.is_none() && i > 0 && b[i - 1] == b'>' => {
                let is_block = |tag: &str| {
                    let name = tag
                        .trim_start_matches('/')
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .next()
                        .unwrap_or("");
                    BLOCK_TAGS.iter().any(|t| name.eq_ignore_ascii_case(t))
                };
                let open = html[..i].rfind('<').unwrap_or(0);
                let next_is_block = html[i + 1..].strip_prefix('<').is_some_and(&is_block);
                if is_block(&html[open + 1..i - 1]) || next_is_block {
                    out.push_str(&html[kept..i]);
                    kept = i + 1;
                }
            }
            _ => {
                // Nothing but `<` and a line break matters: jump to the next.
                i = memchr::memchr2(b'<', b'\n', &b[i + 1..]).map_or(b.len(), |p| i + 1 + p);
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&html[kept..]);
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).expect("writing to a String cannot fail");
    out
}

/// Pass 1: number paragraphs.
pub fn number_paragraphs<'a>(items: Vec<Item<'a>>, doc: &Doc<'_>, ui: &Ui) -> Vec<Item<'a>> {
    let mut starts = At::new(
        doc.blocks
            .iter()
            .filter_map(|b| b.para.map(|n| (b.start_event, n)))
            .collect(),
    );
    let label = escape(&ui.permalink);
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match starts.take(i) {
            Some(n) => (
                Event::Html(CowStr::from(format!(
                    "<p id=\"p{n}\"><a class=\"pn\" href=\"#p{n}\" data-n=\"{n}\" aria-label=\"{label} {n}\"></a>"
                ))),
                None,
            ),
            None => item,
        })
        .collect()
}

/// A mention that becomes a link in the chapter text.
#[derive(Debug, Clone)]
pub struct MentionLink {
    /// Byte range in the reading text (inside one plain text event).
    pub range: std::ops::Range<usize>,
    /// Page-relative URL of the profile.
    pub href: String,
    pub name: String,
    pub description: String,
}

/// Pass 2: wrap annotated text in marks, linked mentions in links, and place
/// marker buttons (never inside a link: they wait for its end). Keeps one
/// output item per input item (event indices stay valid for pass 3).
pub fn mark_annotations<'a>(
    items: Vec<Item<'a>>,
    notes: &[NoteView<'_>],
    mentions: &[MentionLink],
    ui: &Ui,
) -> Vec<Item<'a>> {
    if notes.is_empty() && mentions.is_empty() {
        return items;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut link_depth = 0usize;
    let mut pending = String::new(); // markers waiting for the end of a link
    let mut sweep = NoteSweep::new(notes);
    for (event, range) in items {
        match &event {
            Event::Start(Tag::Link { .. }) => link_depth += 1,
            Event::End(TagEnd::Link) => {
                link_depth = link_depth.saturating_sub(1);
                if link_depth == 0 && !pending.is_empty() {
                    // Same output as the end tag, plus the markers: one item for one item,
                    // so later passes can still index events.
                    let html = format!("</a>{}", std::mem::take(&mut pending));
                    out.push((Event::Html(CowStr::from(html)), None));
                } else {
                    out.push((event, range));
                }
                continue;
            }
            _ => {}
        }
        let (Some(r), Event::Text(text) | Event::Code(text)) = (range.clone(), &event) else {
            out.push((event, range));
            continue;
        };
        let is_code = matches!(event, Event::Code(_));
        let covering = sweep.covering(&r);
        let links: Vec<&MentionLink> = if is_code || link_depth > 0 {
            Vec::new()
        } else {
            mentions
                .iter()
                .filter(|m| m.range.start >= r.start && m.range.end <= r.end)
                .collect()
        };
        if covering.is_empty() && links.is_empty() {
            out.push((event, range));
            continue;
        }
        let piece = Piece {
            text,
            range: r,
            is_code,
            in_link: link_depth > 0,
        };
        let (html, markers) = piece.marked(&covering, &links, ui);
        pending.push_str(&markers);
        if link_depth == 0 {
            let html = html + &std::mem::take(&mut pending);
            out.push((Event::Html(CowStr::from(html)), range));
        } else {
            out.push((Event::Html(CowStr::from(html)), range));
        }
    }
    out
}

/// The notes whose passages cover the text events, swept in reading order:
/// each note enters the active set once (by its start) and leaves it once
/// (by its end), with no rescans.
struct NoteSweep<'n, 'a> {
    by_start: Vec<&'n NoteView<'a>>,
    next: usize,
    active: Vec<&'n NoteView<'a>>,
}

impl<'n, 'a> NoteSweep<'n, 'a> {
    fn new(notes: &'n [NoteView<'a>]) -> Self {
        let mut by_start: Vec<&NoteView> = notes.iter().collect();
        by_start.sort_by_key(|n| (n.range().start, n.number()));
        NoteSweep {
            by_start,
            next: 0,
            active: Vec::new(),
        }
    }

    /// The notes covering reading-text range `r` (an empty passage counts at
    /// its start); `r` must not start before the previous range.
    fn covering(&mut self, r: &std::ops::Range<usize>) -> Vec<&'n NoteView<'a>> {
        while self.next < self.by_start.len() && self.by_start[self.next].range().start < r.end {
            self.active.push(self.by_start[self.next]);
            self.next += 1;
        }
        self.active
            .retain(|n| n.range().end > r.start || n.range().start >= r.start);
        self.active
            .iter()
            .copied()
            .filter(|n| {
                n.range().start < r.end
                    && (n.range().end > r.start
                        || n.range().is_empty() && n.range().start == r.start)
            })
            .collect()
    }
}

/// One text (or inline code) event to mark up.
struct Piece<'t> {
    text: &'t str,
    /// Its range in the reading text.
    range: std::ops::Range<usize>,
    is_code: bool,
    /// Inside a link of the text: markers must wait for its end.
    in_link: bool,
}

impl Piece<'_> {
    /// The event's HTML with marks around annotated parts and links around
    /// mentions, markers placed after the passages they end (outside mention
    /// links); markers that must wait (inside code or a link) come back apart.
    fn marked(
        &self,
        covering: &[&NoteView<'_>],
        links: &[&MentionLink],
        ui: &Ui,
    ) -> (String, String) {
        let r = &self.range;
        let mut cuts = vec![r.start, r.end];
        for p in covering
            .iter()
            .flat_map(|n| [n.range().start, n.range().end])
            .chain(links.iter().flat_map(|m| [m.range.start, m.range.end]))
        {
            if p > r.start && p < r.end {
                cuts.push(p);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut html = String::new();
        if self.is_code {
            html.push_str("<code>");
        }
        let mut markers = String::new();
        let mut open_link: Option<usize> = None; // end of the mention link being written
        let mut glued_link = false; // a `span.nobr` opened before that link
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if let Some(m) = links.iter().find(|m| m.range.start == a) {
                // A note ending inside the name: its markers follow the link,
                // and the name stays on one line with them.
                glued_link = !self.is_code
                    && !self.in_link
                    && covering
                        .iter()
                        .any(|n| n.range().end > m.range.start && n.range().end <= m.range.end);
                if glued_link {
                    html.push_str(NOBR);
                }
                let _ = write!(
                    html,
                    "<a class=\"mention\" href=\"{}\" data-name=\"{}\" data-desc=\"{}\">",
                    escape(&m.href),
                    escape(&m.name),
                    escape(&m.description)
                );
                open_link = Some(m.range.end);
            }
            for n in covering.iter().filter(|n| n.range().start == a) {
                let _ = write!(html, "<span class=\"anchor\" id=\"m-{}\"></span>", n.id());
            }
            let piece = &self.text[a - r.start..b - r.start];
            let ends_here = covering.iter().any(|n| n.range().end == b);
            let last = piece.char_indices().last().map_or(0, |(i, _)| i);
            if ends_here
                && !self.is_code
                && !self.in_link
                && open_link.is_none()
                && !piece.is_empty()
            {
                // The passage's last character, its markers (and, by
                // `glue_markers`, the punctuation after them) on one line.
                if last > 0 {
                    mark(&mut html, &piece[..last], covering, a, a + last);
                }
                html.push_str(NOBR);
                mark(&mut html, &piece[last..], covering, a + last, b);
                for n in covering.iter().filter(|n| n.range().end == b) {
                    marker(&mut markers, n, ui);
                }
                html.push_str(&std::mem::take(&mut markers));
                html.push_str("</span>");
                continue;
            }
            mark(&mut html, piece, covering, a, b);
            if open_link == Some(b) {
                html.push_str("</a>");
                open_link = None;
            }
            for n in covering.iter().filter(|n| n.range().end == b) {
                marker(&mut markers, n, ui);
            }
            if !markers.is_empty() && !self.is_code && !self.in_link && open_link.is_none() {
                html.push_str(&std::mem::take(&mut markers));
            }
            if glued_link && open_link.is_none() {
                html.push_str("</span>");
                glued_link = false;
            }
        }
        if self.is_code {
            html.push_str("</code>");
        }
        (html, markers)
    }
}

/// Writes `text` (the reading text `a..b`), inside a mark when notes cover it.
fn mark(html: &mut String, text: &str, covering: &[&NoteView<'_>], a: usize, b: usize) {
    let piece = escape(text);
    let inside: Vec<&&NoteView> = covering
        .iter()
        .filter(|n| n.range().start <= a && n.range().end >= b)
        .collect();
    if inside.is_empty() {
        html.push_str(&piece);
        return;
    }
    let ids: Vec<&str> = inside.iter().map(|n| n.id()).collect();
    let class = if inside.len() == 1 {
        format!("ann k-{}", inside[0].kind())
    } else {
        "ann multi".to_string()
    };
    let _ = write!(
        html,
        "<mark class=\"{class}\" data-a=\"{}\">{piece}</mark>",
        ids.join(" ")
    );
}

/// Opens the span that keeps a passage's last character, its markers and
/// the punctuation after them on one line.
const NOBR: &str = "<span class=\"nobr\">";

/// Where the run of marker buttons that `html` ends with starts, if it ends with one.
fn trailing_markers(html: &str) -> Option<usize> {
    let mut start = html.len();
    while html[..start].ends_with("</button>") {
        start = html[..start].rfind("<button type=\"button\" class=\"ref")?;
    }
    (start < html.len()).then_some(start)
}

/// The length of the closing punctuation `text` starts with.
fn closing_prefix(text: &str) -> usize {
    text.chars()
        .take_while(|&c| crate::cjk::is_closing(c))
        .map(char::len_utf8)
        .sum()
}

/// `html` with the closing punctuation right after a glued passage end
/// (`…</button></span>。`) moved into its span.
fn glue_within(html: &str) -> String {
    const END: &str = "</button></span>";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(END) {
        let end = i + END.len();
        let punct = closing_prefix(&rest[end..]);
        out.push_str(&rest[..i + "</button>".len()]);
        out.push_str(&rest[end..end + punct]);
        out.push_str("</span>");
        rest = &rest[end + punct..];
    }
    out.push_str(rest);
    out
}

/// Pass 2b: a marker button is an atomic inline, after which browsers break
/// a line even before closing punctuation (a lone `。` at the start of a
/// line). The passage's last character, its markers (pass 2) and the
/// punctuation right after them — in the same piece of text or in the next
/// text event — are kept on one line (`span.nobr`); markers that waited for
/// the end of a link are kept with the punctuation after them. Keeps one
/// output item per input item.
pub fn glue_markers(mut items: Vec<Item<'_>>) -> Vec<Item<'_>> {
    for i in 0..items.len() {
        let Event::Html(h) = &items[i].0 else {
            continue;
        };
        if !h.contains("</button>") {
            continue;
        }
        let mut html = glue_within(h);
        let next = match items.get(i + 1) {
            Some((Event::Text(t), _)) => Some((closing_prefix(t), t.to_string())),
            _ => None,
        };
        if let Some((n, t)) = next.filter(|(n, _)| *n > 0) {
            let (glued, rest) = t.split_at(n);
            let glued = escape(glued);
            let rest = rest.to_string();
            if html.ends_with("</button></span>") {
                html.truncate(html.len() - "</span>".len());
                html.push_str(&glued);
                html.push_str("</span>");
            } else if let Some(start) = trailing_markers(&html) {
                html = format!("{}{NOBR}{}{glued}</span>", &html[..start], &html[start..]);
            } else {
                items[i].0 = Event::Html(CowStr::from(html));
                continue;
            }
            items[i + 1].0 = Event::Text(CowStr::from(rest));
        }
        items[i].0 = Event::Html(CowStr::from(html));
    }
    items
}

fn marker(out: &mut String, n: &NoteView<'_>, ui: &Ui) {
    let _ = write!(
        out,
        "<button type=\"button\" class=\"ref k-{kind}\" id=\"r-{id}\" popovertarget=\"n-{id}\" data-n=\"{num}\" \
         aria-label=\"{label} {num}{open}{kl}{close}\" aria-describedby=\"n-{id}\"></button>",
        kind = n.kind(),
        id = n.id(),
        num = n.number(),
        label = escape(&ui.note),
        kl = escape(n.kind_label),
        open = escape(&ui.paren_open),
        close = escape(&ui.paren_close),
    );
}

/// Pass 3: put each block's notes in an aside just before it (inside a list
/// item, at its start). On wide screens the aside floats into the right margin
/// beside the block (Tufte-style sidenotes: `clear: right` stacks crowded notes
/// downwards instead of overlapping, and the text never reflows around them);
/// elsewhere its notes are popovers.
pub fn attach_notes<'a>(
    items: Vec<Item<'a>>,
    doc: &Doc<'_>,
    notes: &[NoteView<'_>],
    ui: &Ui,
) -> Vec<Item<'a>> {
    if notes.is_empty() {
        return items;
    }
    // event index → (block index) for block starts and ends with notes
    let mut by_block: std::collections::BTreeMap<usize, Vec<&NoteView>> = Default::default();
    for n in notes {
        by_block.entry(n.block()).or_default().push(n);
    }
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (b, ns) in &by_block {
        let block = &doc.blocks[*b];
        let aside = aside_html(ns, doc, ui);
        if block.kind == BlockKind::Item {
            // Inside the list item, at its start.
            after.push((block.start_event, aside));
        } else {
            before.push((block.start_event, aside));
        }
    }
    let mut out = Vec::with_capacity(items.len() + before.len() + after.len());
    let (mut before, mut after) = (At::new(before), At::new(after));
    for (i, item) in items.into_iter().enumerate() {
        if let Some(h) = before.take(i) {
            out.push((Event::Html(CowStr::from(h)), None));
        }
        out.push(item);
        if let Some(h) = after.take(i) {
            out.push((Event::Html(CowStr::from(h)), None));
        }
    }
    out
}

/// Values keyed by event index, met in order as a pass walks the events:
/// a cursor, where a hash lookup per event had cost more than the pass.
struct At<T>(std::iter::Peekable<std::vec::IntoIter<(usize, T)>>);

impl<T> At<T> {
    fn new(mut entries: Vec<(usize, T)>) -> Self {
        entries.sort_by_key(|e| e.0);
        At(entries.into_iter().peekable())
    }

    /// The value at event `i`, if any (`i` never goes back).
    fn take(&mut self, i: usize) -> Option<T> {
        while self.0.next_if(|e| e.0 < i).is_some() {}
        self.0.next_if(|e| e.0 == i).map(|e| e.1)
    }
}

fn aside_html(notes: &[&NoteView<'_>], doc: &Doc<'_>, ui: &Ui) -> String {
    let mut s = String::new();
    // Named by its notes' numbers, so every aside of a page has its own
    // accessible name (axe's landmark-unique).
    let numbers: Vec<String> = notes.iter().map(|n| n.number().to_string()).collect();
    let _ = write!(
        s,
        "<aside class=\"notes\" aria-label=\"{} {}\">",
        escape(&ui.notes),
        escape(&numbers.join(&ui.enum_comma))
    );
    for n in notes {
        note_element(&mut s, n, doc, ui);
    }
    s.push_str("</aside>");
    s
}

/// `#:~:text=` fragment that highlights a note's passage in browsers: the
/// quote with up to six characters of context on each side, within its block
/// (browsers match within blocks).
pub fn text_fragment(doc: &Doc<'_>, block: usize, range: std::ops::Range<usize>) -> String {
    let b = &doc.blocks[block];
    let btext = b.text(&doc.text);
    let bstart = b.block_offset(range.start);
    let bend = b.block_offset(range.end);
    let before = crate::text::last_chars(&btext[..bstart], 6);
    let after = crate::text::first_chars(&btext[bend.min(btext.len())..], 6);
    let mut frag = String::from("#:~:text=");
    if !before.trim().is_empty() {
        frag.push_str(&fragment_encode(before));
        frag.push_str("-,");
    }
    frag.push_str(&fragment_encode(&doc.text[range]));
    if !after.trim().is_empty() {
        frag.push_str(",-");
        frag.push_str(&fragment_encode(after));
    }
    frag
}

/// One note: number, kind label, body, sources, permalinks, close button.
fn note_element(s: &mut String, n: &NoteView<'_>, doc: &Doc<'_>, ui: &Ui) {
    let _ = write!(
        s,
        "<div class=\"note k-{kind}\" id=\"n-{id}\" popover role=\"note\" aria-label=\"{label} {num}\">\
         <p class=\"note-head\"><a class=\"note-num\" href=\"#m-{id}\" title=\"{back}\">{num}</a> \
         <span class=\"kind\">{kl}</span></p><div class=\"note-body\">{body}</div>",
        kind = n.kind(),
        id = n.id(),
        num = n.number(),
        label = escape(&ui.note),
        back = escape(&ui.back_to_text),
        kl = escape(n.kind_label),
        body = n.html,
    );
    if !n.sources().is_empty() {
        let _ = write!(
            s,
            "<ul class=\"sources\" aria-label=\"{}\">",
            escape(&ui.sources)
        );
        for src in n.sources() {
            s.push_str("<li>");
            s.push_str(&source_html(src, ui));
            s.push_str("</li>");
        }
        s.push_str("</ul>");
    }
    if !n.refs.is_empty() {
        let _ = write!(
            s,
            "<p class=\"refs\">{}{}",
            escape(&ui.related),
            escape(&ui.colon)
        );
        for (i, r) in n.refs.iter().enumerate() {
            if i > 0 {
                s.push_str(&escape(&ui.enum_comma));
            }
            let _ = write!(
                s,
                "<a href=\"{CHAPTER_ROOT}{}\">{}</a>",
                escape(&r.0.url()),
                escape(&r.0.name)
            );
        }
        s.push_str("</p>");
    }
    let _ = write!(
        s,
        "<p class=\"note-links\"><a href=\"#n-{id}\">{perma}</a> <a href=\"{frag}\">{hl}</a></p>\
         <button type=\"button\" class=\"close\" popovertarget=\"n-{id}\" popovertargetaction=\"hide\">{close}</button></div>",
        id = n.id(),
        perma = escape(&ui.note_permalink),
        frag = escape(&text_fragment(doc, n.block(), n.range().clone())),
        hl = escape(&ui.highlight_passage),
        close = escape(&ui.close),
    );
}

/// A source reference: linked title, publisher, date (separated as the
/// language separates them).
pub fn source_html(src: &SourceRef, ui: &Ui) -> String {
    let mut s = String::new();
    match src.url.as_deref().filter(|u| crate::diag::is_web_url(u)) {
        Some(url) => {
            let _ = write!(s, "<a href=\"{}\">{}</a>", escape(url), escape(&src.title));
        }
        None => s.push_str(&escape(&src.title)),
    }
    for part in [src.publisher.as_deref(), src.date.as_deref()]
        .into_iter()
        .flatten()
    {
        s.push_str(&escape(&ui.comma));
        s.push_str(&escape(part));
    }
    s
}

/// Encodes a text-fragment component: ASCII other than letters, digits and
/// `._~` is percent-encoded (the directive's own `-`, `,` and `&` among it),
/// and so are whitespace and control characters; other characters stay as
/// they are — the browser's URL parser encodes them, and a Chinese passage
/// takes a third of the bytes.
pub fn fragment_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let plain = if c.is_ascii() {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~')
        } else {
            !c.is_whitespace() && !c.is_control()
        };
        if plain {
            out.push(c);
        } else {
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fragments_encode_ascii_punctuation_and_spaces_only() {
        assert_eq!(super::fragment_encode("大模型六小虎"), "大模型六小虎");
        assert_eq!(
            super::fragment_encode("GPT-3, a&b 中文　x"),
            "GPT%2D3%2C%20a%26b%20中文%E3%80%80x"
        );
    }

    #[test]
    fn markers_stay_with_the_passage_end_and_the_punctuation_after_them() {
        let b = "<button type=\"button\" class=\"ref k-note\" id=\"r-a\"></button>";
        let nb = "<span class=\"nobr\">";
        let html = format!("<mark>甲</mark>{nb}<mark>乙</mark>{b}{b}</span>。丙");
        assert_eq!(
            super::glue_within(&html),
            format!("<mark>甲</mark>{nb}<mark>乙</mark>{b}{b}。</span>丙")
        );
        // The punctuation in the next event; markers that waited for a link's end.
        for (html, glued) in [
            (
                format!("{nb}<mark>甲</mark>{b}</span>"),
                format!("{nb}<mark>甲</mark>{b}”，</span>"),
            ),
            (format!("</a>{b}"), format!("</a>{nb}{b}”，</span>")),
        ] {
            let items = vec![
                (Event::Html(CowStr::from(html)), None),
                (Event::Text(CowStr::from("”，乙")), Some(0..1)),
            ];
            let out = super::glue_markers(items);
            assert_eq!(out[0].0, Event::Html(CowStr::from(glued)));
            assert_eq!(out[1].0, Event::Text(CowStr::from("乙")));
            assert_eq!(out.len(), 2);
        }
        // A note's marks around the glued end keep the reading text whole.
        let doc = parse("前面的话，甲乙。后面\n");
        let a = view(&doc, "n", "甲乙", 1);
        let html = chapter_html(&doc, &[a], &[], &zh());
        let m = "<mark class=\"ann k-context\" data-a=\"n\">";
        assert!(
            html.contains(&format!("{m}甲</mark>{nb}{m}乙</mark><button")),
            "{html}"
        );
        assert!(html.contains("</button>。</span>后面"), "{html}");
    }

    #[test]
    fn notes_follow_the_chapter_text_rules() {
        assert_eq!(super::note_html("中文\n中文"), "<p>中文中文</p>");
        assert_eq!(super::note_html("word\nword"), "<p>word word</p>");
        assert_eq!(super::note_html("中文\nword"), "<p>中文 word</p>");
        assert_eq!(super::note_html("<b>x</b>"), "<p>&lt;b&gt;x&lt;/b&gt;</p>");
    }

    #[test]
    fn compact_drops_line_breaks_after_blocks_only() {
        let md = "一段\n第二行 [链接](x)\n*强调*\n\n- 甲\n- 乙\n\n> 引用\n\n```\na\n\nb\n```\n\n<textarea>\n</p>\n</textarea>\n";
        let mut raw = String::new();
        pulldown_cmark::html::push_html(
            &mut raw,
            pulldown_cmark::Parser::new_ext(md, crate::text::options()),
        );
        let html = super::compact(&raw);
        assert_eq!(
            html,
            "<p>一段\n第二行 <a href=\"x\">链接</a>\n<em>强调</em></p><ul><li>甲</li><li>乙</li></ul>\
             <blockquote><p>引用</p></blockquote><pre><code>a\n\nb\n</code></pre>\
             <textarea>\n</p>\n</textarea>\n"
        );
        // Soft breaks between inline tags are text and stay.
        assert!(html.contains("</a>\n<em>"));
        assert_eq!(
            super::compact("<div><sup>1</sup>\n<p>x</p>\n</div>"),
            "<div><sup>1</sup><p>x</p></div>"
        );
    }

    use super::*;
    use crate::text::parse;

    /// The Chinese interface strings the tests below expect.
    fn zh() -> Ui {
        crate::i18n::pack_or_fallback("zh-CN").ui.clone()
    }

    fn view(doc: &Doc<'_>, id: &str, quote: &str, number: u32) -> NoteView<'static> {
        let start = doc.text.find(quote).unwrap();
        let block = doc
            .blocks
            .iter()
            .position(|b| b.ranges.iter().any(|r| r.start <= start && start < r.end))
            .unwrap();
        // Leaked: a test's few notes live as long as the test.
        let annotation: &'static crate::content::Annotation =
            Box::leak(Box::new(crate::content::Annotation {
                id: id.into(),
                quote: quote.into(),
                prefix: None,
                suffix: None,
                occurrence: None,
                kind: crate::content::AnnotationKind::Context,
                note: "注".into(),
                sources: vec![],
                refs: vec![],
                date: None,
            }));
        let note: &'static Note<'static> = Box::leak(Box::new(Note {
            number,
            annotation,
            index: 0,
            block,
            range: start..start + quote.len(),
            para: doc.blocks[block].para,
            shown: None,
        }));
        NoteView {
            note,
            kind_label: "背景",
            html: "<p>注</p>".into(),
            refs: Box::new([]),
        }
    }

    #[test]
    fn a_note_view_is_56_bytes() {
        assert_eq!(std::mem::size_of::<NoteView<'_>>(), 56);
    }

    fn chapter_html_plain(doc: &Doc<'_>, notes: &[NoteView<'_>], ui: &Ui) -> String {
        chapter_html(doc, notes, &[], ui)
    }

    #[test]
    fn mention_links_wrap_marks_and_push_markers_out() {
        let doc = parse("智谱唐杰提到多模态。\n");
        let a = view(&doc, "a", "智谱唐", 1);
        let start = doc.text.find("智谱").unwrap();
        let link = MentionLink {
            range: start..start + "智谱".len(),
            href: "../../companies/zhipu/".into(),
            name: "智谱".into(),
            description: "一家\"公司\"".into(),
        };
        let html = chapter_html(&doc, &[a], &[link], &zh());
        assert!(html.contains("<a class=\"mention\" href=\"../../companies/zhipu/\" data-name=\"智谱\" data-desc=\"一家&quot;公司&quot;\"><span class=\"anchor\" id=\"m-a\"></span><mark class=\"ann k-context\" data-a=\"a\">智谱</mark></a><span class=\"nobr\"><mark"), "{html}");
        let close = html.find("</a><span").unwrap();
        let button = html.find("<button type=\"button\" class=\"ref").unwrap();
        assert!(button > close, "marker outside the mention link: {html}");
    }

    #[test]
    fn numbers_paragraphs_including_blockquotes_not_footnotes() {
        let doc = parse("一\n\n> 二\n>\n> 三\n\n四[^a]\n\n[^a]: 注\n");
        let html = chapter_html(&doc, &[], &[], &zh());
        for n in 1..=4 {
            assert!(html.contains(&format!("<p id=\"p{n}\">")), "{html}");
        }
        assert!(!html.contains("id=\"p5\""));
        assert!(html.contains("aria-label=\"本段链接 2\""));
        assert!(html.contains("footnote-definition"), "{html}");
    }

    #[test]
    fn soft_breaks_between_cjk_vanish() {
        let html = chapter_html(
            &parse("中文\n中文\n\nEnglish\nwords\n\n中文\nword\n"),
            &[],
            &[],
            &zh(),
        );
        assert!(html.contains("中文中文</p>"), "{html}");
        assert!(html.contains("English words"), "{html}");
        assert!(html.contains("中文 word"), "{html}");
    }

    #[test]
    fn raw_html_is_inert() {
        let html = chapter_html_plain(&parse("a <script>x</script> b\n"), &[], &zh());
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn marks_span_inline_markup_and_nest() {
        let doc = parse("前者以**积极拥抱** DeepSeek 生态。\n");
        let a = view(&doc, "a", "积极拥抱 DeepSeek", 1);
        let b = view(&doc, "b", "DeepSeek", 2);
        let html = chapter_html(&doc, &[a, b], &[], &zh());
        // The passage is split at the bold boundary, never crossing it.
        assert!(html.contains("<strong><span class=\"anchor\" id=\"m-a\"></span><mark class=\"ann k-context\" data-a=\"a\">积极拥抱</mark></strong>"), "{html}");
        // Its last character stays on one line with the markers after it.
        assert!(
            html.contains("<mark class=\"ann multi\" data-a=\"a b\">DeepSee</mark><span class=\"nobr\"><mark class=\"ann multi\" data-a=\"a b\">k</mark><button"),
            "{html}"
        );
        // Both markers follow the end of the passages; notes in an aside after the paragraph.
        assert!(
            html.contains("id=\"r-a\"") && html.contains("id=\"r-b\""),
            "{html}"
        );
        assert!(html.contains("</div></aside><p id=\"p1\">"), "{html}");
        assert_eq!(html.matches("id=\"n-a\"").count(), 1);
        assert!(html.contains("aria-describedby=\"n-a\""));
    }

    #[test]
    fn markers_move_out_of_links() {
        let doc = parse("见[雷峰网报道](https://x)后文。\n");
        let a = view(&doc, "a", "雷峰网", 1);
        let html = chapter_html(&doc, &[a], &[], &zh());
        let link_end = html.find("</a>").unwrap();
        let button = html.find("<button type=\"button\" class=\"ref").unwrap();
        assert!(button > link_end, "{html}");
        assert!(html.contains("</aside><p id=\"p1\">"), "{html}");
    }

    #[test]
    fn list_item_notes_stay_inside_the_item() {
        let doc = parse("- 甲乙\n- 丙丁\n");
        let a = view(&doc, "a", "丙丁", 1);
        let html = chapter_html(&doc, &[a], &[], &zh());
        assert!(html.contains("<li><aside class=\"notes\""), "{html}");
    }

    #[test]
    fn sources_and_encoding() {
        let s = SourceRef {
            title: "A <b>".into(),
            publisher: Some("P".into()),
            url: Some("javascript:alert(1)".into()),
            date: Some("2025-01".into()),
        };
        let ui = crate::i18n::pack_or_fallback("zh-CN").ui.clone();
        assert_eq!(source_html(&s, &ui), "A &lt;b&gt;，P，2025-01");
        assert_eq!(fragment_encode("a-b, 中"), "a%2Db%2C%20中");
    }
}
