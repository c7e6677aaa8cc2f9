//! What glossa's text pipeline shows of a chapter's Markdown, block by
//! block, for comparing imports with the expected text of the corpus.
#![allow(dead_code)]

use pulldown_cmark::{Event, Tag, TagEnd};

/// Whitespace collapsed; a multi-line block (a code block) keeps its lines,
/// trailing white space trimmed.
pub fn norm(s: &str) -> String {
    if s.trim_end().contains('\n') {
        let lines: Vec<&str> = s.trim_end().lines().map(str::trim_end).collect();
        lines.join("\n")
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// What glossa's text pipeline shows of a chapter: its body blocks in order
/// (paragraphs, headings and tight list items from `Doc::blocks`, footnote
/// reference numbers left out; code blocks; table rows with cells joined by
/// ` | `), and its footnote definitions' texts.
pub fn shown(markdown: &str) -> (Vec<String>, Vec<String>) {
    let doc = glossa::text::parse(markdown);
    let mut is_note_ref = vec![false; doc.text.len()];
    for (event, range) in &doc.events {
        if let (Event::FootnoteReference(_), Some(r)) = (event, range) {
            is_note_ref[r.clone()].iter_mut().for_each(|b| *b = true);
        }
    }
    let mut items: Vec<(usize, String)> = Vec::new();
    for b in &doc.blocks {
        let mut text = String::new();
        for r in &b.ranges {
            for (i, c) in doc.text[r.clone()].char_indices() {
                if !is_note_ref[r.start + i] {
                    text.push(c);
                }
            }
        }
        items.push((b.start_event, text));
    }
    let (more, notes) = code_rows_and_notes(&doc);
    items.extend(more);
    items.sort_by_key(|(i, _)| *i);
    let blocks = items
        .into_iter()
        .map(|(_, t)| norm(&t))
        .filter(|t| !t.is_empty())
        .collect();
    (blocks, notes)
}

/// Code blocks and table rows (which `Doc::blocks` does not list), by start
/// event, and the texts of footnote definitions.
fn code_rows_and_notes(doc: &glossa::text::Doc<'_>) -> (Vec<(usize, String)>, Vec<String>) {
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let mut code: Option<(usize, String)> = None;
    let mut row: Option<(usize, Vec<String>)> = None;
    let mut note: Option<String> = None;
    for (i, (event, range)) in doc.events.iter().enumerate() {
        let text = range.as_ref().map(|r| &doc.text[r.clone()]);
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => note = Some(String::new()),
            Event::End(TagEnd::FootnoteDefinition) => notes.extend(note.take().map(|n| norm(&n))),
            _ if note.is_some() => {
                if let (Some(n), Some(t), false) =
                    (note.as_mut(), text, matches!(event, Event::Start(_)))
                {
                    n.push_str(t);
                }
            }
            Event::Start(Tag::CodeBlock(_)) => code = Some((i, String::new())),
            Event::End(TagEnd::CodeBlock) => items.extend(code.take()),
            Event::Start(Tag::TableHead | Tag::TableRow) => row = Some((i, Vec::new())),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                items.extend(row.take().map(|(i, cells)| (i, cells.join(" | "))));
            }
            Event::Start(Tag::TableCell) => {
                if let Some((_, cells)) = row.as_mut() {
                    cells.push(String::new());
                }
            }
            _ => {
                if let Some(t) = text {
                    if let Some((_, c)) = code.as_mut() {
                        c.push_str(t);
                    } else if let Some(cell) = row.as_mut().and_then(|(_, cells)| cells.last_mut())
                    {
                        cell.push_str(t);
                    }
                }
            }
        }
    }
    (items, notes)
}
