//! Markdown → HTML for chapter bodies, as a list of small named event passes.
//!
//! Input: a chapter's Markdown body. Output: HTML and the number of paragraphs.
//!
//! Passes, in order (each a function over pulldown-cmark events):
//! 1. [`parse`]: pulldown-cmark with footnotes, tables and heading attributes.
//! 2. [`inert_raw_html`]: raw HTML in content is shown as text, never
//!    interpreted (content cannot inject markup or scripts).
//! 3. [`cjk_soft_breaks`]: a soft line break between two CJK characters renders
//!    as nothing (Chinese has no spaces between words); elsewhere it stays a space.
//! 4. [`number_paragraphs`]: every paragraph outside footnote definitions gets
//!    `id="pN"` (1-based, in document order) and a visible permalink.
//!
//! Later passes (annotation marks, entity links, code highlighting in
//! `render/highlight`) slot in between 3 and 4. Must not touch files or templates.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// A rendered body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub html: String,
    /// Number of numbered paragraphs (`p1` … `pN`).
    pub paragraphs: u32,
}

/// The Markdown dialect of content files.
pub fn options() -> Options {
    Options::ENABLE_FOOTNOTES | Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders a chapter body. `permalink_label` is the accessible name prefix of
/// paragraph links (e.g. "本段链接").
pub fn render(markdown: &str, permalink_label: &str) -> Body {
    let events = parse(markdown);
    let events = inert_raw_html(events);
    let events = cjk_soft_breaks(events);
    let (events, paragraphs) = number_paragraphs(events, permalink_label);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    Body {
        html: out,
        paragraphs,
    }
}

/// Pass 1: parse.
pub fn parse(markdown: &str) -> Vec<Event<'_>> {
    Parser::new_ext(markdown, options()).collect()
}

/// Pass 2: raw HTML becomes text.
pub fn inert_raw_html(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    events
        .into_iter()
        .map(|e| match e {
            Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
            other => other,
        })
        .collect()
}

pub use crate::script::is_cjk;

/// Pass 3: drop soft breaks between CJK characters.
pub fn cjk_soft_breaks(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let last_char = |e: &Event<'_>| match e {
        Event::Text(t) => t.chars().next_back(),
        _ => None,
    };
    let first_char = |e: &Event<'_>| match e {
        Event::Text(t) => t.chars().next(),
        _ => None,
    };
    let mut drop = Vec::new();
    for i in 0..events.len() {
        if matches!(events[i], Event::SoftBreak) && i > 0 && i + 1 < events.len() {
            let before = last_char(&events[i - 1]);
            let after = first_char(&events[i + 1]);
            if before.is_some_and(is_cjk) && after.is_some_and(is_cjk) {
                drop.push(i);
            }
        }
    }
    if !drop.is_empty() {
        let mut k = 0;
        let mut i = 0;
        events.retain(|_| {
            let keep = !(k < drop.len() && drop[k] == i);
            if !keep {
                k += 1;
            }
            i += 1;
            keep
        });
    }
    events
}

/// Pass 4: number paragraphs and add permalinks.
pub fn number_paragraphs<'a>(
    events: Vec<Event<'a>>,
    permalink_label: &str,
) -> (Vec<Event<'a>>, u32) {
    let mut n = 0u32;
    let mut in_footnote = 0usize;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        match &e {
            Event::Start(Tag::FootnoteDefinition(_)) => in_footnote += 1,
            Event::End(TagEnd::FootnoteDefinition) => in_footnote = in_footnote.saturating_sub(1),
            Event::Start(Tag::Paragraph) if in_footnote == 0 => {
                n += 1;
                out.push(Event::Html(CowStr::from(format!(
                    "<p id=\"p{n}\"><a class=\"pn\" href=\"#p{n}\" aria-label=\"{label} {n}\">{n}</a>",
                    label = escape_attr(permalink_label)
                ))));
                continue;
            }
            _ => {}
        }
        out.push(e);
    }
    (out, n)
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).expect("writing to a String cannot fail");
    out
}

/// The text a reader sees in a Markdown fragment (no markup), one string per block.
/// Used to check that imported text survives Markdown rendering unchanged.
pub fn visible_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur = String::new();
    for e in cjk_soft_breaks(parse(markdown)) {
        match e {
            Event::Text(t) | Event::Code(t) => cur.push_str(&t),
            Event::SoftBreak => cur.push(' '),
            Event::HardBreak => cur.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                blocks.push(std::mem::take(&mut cur));
            }
            _ => {}
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_paragraphs_including_blockquotes_not_footnotes() {
        let md = "一\n\n> 二\n>\n> 三\n\n四[^a]\n\n[^a]: 注\n";
        let b = render(md, "本段链接");
        assert_eq!(b.paragraphs, 4);
        for n in 1..=4 {
            assert!(b.html.contains(&format!("<p id=\"p{n}\">")), "{}", b.html);
        }
        assert!(!b.html.contains("id=\"p5\""));
        assert!(b.html.contains("aria-label=\"本段链接 2\""));
    }

    #[test]
    fn soft_breaks_between_cjk_vanish() {
        let b = render("中文\n中文\n\nEnglish\nwords\n\n中文\nword\n", "x");
        assert!(b.html.contains("中文中文</p>"), "{}", b.html);
        assert!(b.html.contains("English\nwords"), "{}", b.html);
        assert!(b.html.contains("中文\nword"), "{}", b.html);
    }

    #[test]
    fn tables_footnotes_heading_attributes() {
        let b = render(
            "# 标题 {#t}\n\n|a|b|\n|-|-|\n|1|2|\n\n文[^1]\n\n[^1]: 注\n",
            "x",
        );
        assert!(b.html.contains("<h1 id=\"t\">"), "{}", b.html);
        assert!(b.html.contains("<table>"), "{}", b.html);
        assert!(b.html.contains("footnote-definition"), "{}", b.html);
    }

    #[test]
    fn escapes_text() {
        let b = render("a &lt; b <script>x</script>\n", "\"x\"");
        assert!(
            b.html.contains("aria-label=\"&quot;x&quot; 1\""),
            "{}",
            b.html
        );
        assert!(
            b.html.contains("&lt;script&gt;x&lt;/script&gt;"),
            "{}",
            b.html
        );
        assert!(!b.html.contains("<script"), "{}", b.html);
    }

    #[test]
    fn visible_text() {
        assert_eq!(
            visible_blocks("**甲**乙\n丙\n\n> 丁\n"),
            vec!["甲乙丙", "丁"]
        );
    }
}
