//! Entities: alias matching, the mention index, and checks of every id reference.
//!
//! Input: the loaded edition, its chapters' parsed [`Doc`]s. Output: every
//! [`Mention`] (chapter text and annotation notes; its KWIC snippet made
//! on demand) and whether it becomes a link, each profile fact's anchor in the text, and
//! diagnostics: aliases shared by two entities (error), too short (warning),
//! unknown ids in `refs`, `founders`, `people` and `roles` (error with "did you
//! mean"), facts whose source is missing or whose quote does not anchor, and
//! profiles never mentioned (warning).
//!
//! Aliases of all entities are compiled once into one leftmost-longest
//! aho-corasick automaton; Latin aliases match only at word boundaries.
//! Must not read files or render HTML.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use pulldown_cmark::{Event, Tag, TagEnd};

use super::anchor::{self, Outcome, Query};
use crate::config::LinkPolicy;
use crate::content::FrontMatter as _;
use crate::content::{Edition, Entity, EntityKind};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::text::Doc;

/// Characters of context on each side of a mention in its snippet.
pub const KWIC: usize = 30;

/// One mention of an entity: 36 bytes (32-bit indices and offsets; files
/// are far smaller than 4 GiB), as an edition has hundreds of thousands.
#[derive(Debug, Clone)]
pub struct Mention {
    /// Index in `edition.entities`.
    pub entity: u32,
    /// Index in `edition.chapters`.
    pub chapter: u32,
    /// Where: the chapter text (block index and reading-text range) or an annotation note.
    pub place: Place,
    /// Paragraph number, when in a paragraph of the chapter text.
    pub para: Option<u32>,
    /// Rendered as a link (by the edition's link policy).
    pub link: bool,
}

impl Mention {
    /// Text before, the mention, text after (±[`KWIC`] characters, within its
    /// block or note), computed when a page shows it: an edition has hundreds
    /// of thousands of mentions, and their snippets would outweigh them.
    pub fn snippet(&self, edition: &Edition, doc: &Doc<'_>) -> (String, String, String) {
        match &self.place {
            Place::Text { block, .. } => {
                let b = &doc.blocks[*block as usize];
                let text = b.text(&doc.text);
                let range = self.place.range();
                kwic(
                    &text,
                    b.block_offset(range.start)..b.block_offset(range.end),
                )
            }
            Place::Note { index, .. } => kwic(
                &edition.chapters[self.chapter as usize].meta.annotations[*index as usize].note,
                self.place.range(),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In block `block` of the chapter's reading text (`range`: bytes of it).
    Text { block: u32, range: Range<u32> },
    /// In the note of annotation `index` of the chapter (`range`: bytes of the note).
    Note { index: u32, range: Range<u32> },
}

impl Place {
    /// The bytes of the mention, in the reading text or in the note.
    pub fn range(&self) -> Range<usize> {
        let (Place::Text { range, .. } | Place::Note { range, .. }) = self;
        range.start as usize..range.end as usize
    }
}

/// A byte range as a mention stores it.
fn narrow(r: Range<usize>) -> Range<u32> {
    r.start as u32..r.end as u32
}

/// Where a profile fact's quote anchors.
#[derive(Debug, Clone)]
pub struct FactAnchor {
    pub chapter: usize,
    pub para: Option<u32>,
    pub quote: String,
}

/// The alias automaton.
pub struct Matcher {
    ac: AhoCorasick,
    /// Pattern index → entity index.
    owner: Vec<usize>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() && !crate::cjk::is_cjk(c)
}

/// Alias bytes up to which mentions are found with a full DFA (about a
/// thousand aliases; its tables stay within a few megabytes).
const DFA_ALIAS_BYTES: usize = 8 * 1024;

impl Matcher {
    /// Builds the matcher; reports shared, empty and short aliases.
    pub fn new(edition: &Edition, diags: &mut Vec<Diagnostic>) -> Matcher {
        let mut patterns: Vec<&str> = Vec::new();
        let mut owner = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (ei, e) in edition.entities.iter().enumerate() {
            for alias in &e.aliases {
                let span = alias_span(e, alias);
                if alias.is_empty() {
                    diags.push(
                        Diagnostic::new(Code::EmptyAlias, "an alias is empty")
                            .at(e.file, span)
                            .help("remove the empty alias"),
                    );
                    continue;
                }
                if alias.chars().count() == 1 {
                    diags.push(
                        Diagnostic::new(Code::ShortAlias, format!("the alias “{alias}” is one character long"))
                            .at(e.file, span.clone())
                            .help("one character matches far too often to be a safe mention; use a longer form"),
                    );
                }
                if let Some(&other) = seen.get(alias.as_str()) {
                    let o = &edition.entities[other];
                    diags.push(
                        Diagnostic::new(
                            Code::SharedAlias,
                            format!(
                                "the alias “{alias}” belongs to both `{}` and `{}`",
                                o.id, e.id
                            ),
                        )
                        .at(e.file, span)
                        .secondary(o.file, alias_span(o, alias), "also listed here")
                        .help(
                            "an alias must name one entity; remove it from one of the two profiles",
                        ),
                    );
                    continue;
                }
                seen.insert(alias, ei);
                patterns.push(alias);
                owner.push(ei);
            }
        }
        // A full DFA searches Chinese text about 40% faster than the
        // automaton the builder picks for more than a hundred aliases (no
        // prefilter helps where every character starts with the same few
        // bytes); its size grows with the aliases' bytes, so a very large
        // alias list keeps the builder's choice.
        let bytes: usize = patterns.iter().map(|p| p.len()).sum();
        let kind = (bytes <= DFA_ALIAS_BYTES).then_some(AhoCorasickKind::DFA);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(kind)
            .build(&patterns)
            .expect("aliases are plain strings");
        Matcher { ac, owner }
    }

    /// Non-overlapping, leftmost-longest mentions in `text`: (entity, byte range).
    pub fn find(&self, text: &str) -> Vec<(usize, Range<usize>)> {
        let mut out = Vec::new();
        if self.owner.is_empty() {
            // No aliases (an edition without profiles): an automaton with no
            // pattern would still step through every byte.
            return out;
        }
        for m in self.ac.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            let alias = &text[s..e];
            let starts_word = alias.chars().next().is_some_and(is_word);
            let ends_word = alias.chars().next_back().is_some_and(is_word);
            if starts_word && text[..s].chars().next_back().is_some_and(is_word) {
                continue;
            }
            if ends_word && text[e..].chars().next().is_some_and(is_word) {
                continue;
            }
            out.push((self.owner[m.pattern().as_usize()], s..e));
        }
        out
    }
}

/// Span of an alias in a profile's front matter (the name when it is not listed).
fn alias_span(e: &Entity, alias: &str) -> Range<usize> {
    let listed = match (&e.company, &e.person) {
        (Some(m), _) => &m.aliases,
        (_, Some(m)) => &m.aliases,
        _ => return e.span(&["name".into()]),
    };
    match listed.iter().position(|a| a.trim() == alias) {
        Some(i) => e.span(&["aliases".into(), i.into()]),
        None => e.span(&["name".into()]),
    }
}

/// Reading-text ranges that may hold a link: plain text outside links and code.
fn linkable_ranges(doc: &Doc<'_>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut in_link = 0usize;
    for (e, r) in &doc.events {
        match e {
            Event::Start(Tag::Link { .. }) => in_link += 1,
            Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
            Event::Text(_) if in_link == 0 => {
                if let Some(r) = r {
                    out.push(r.clone());
                }
            }
            _ => {}
        }
    }
    out
}

fn kwic(text: &str, r: Range<usize>) -> (String, String, String) {
    (
        crate::text::last_chars(&text[..r.start], KWIC).to_string(),
        text[r.clone()].to_string(),
        crate::text::first_chars(&text[r.end..], KWIC).to_string(),
    )
}

/// The mentions in chapter `ci` (its text, then its notes). Linking calls it
/// per chapter in parallel and keeps the results in chapter order.
pub fn chapter_mentions(
    policy: LinkPolicy,
    c: &crate::content::Chapter,
    ci: usize,
    doc: &Doc<'_>,
    matcher: &Matcher,
) -> Vec<Mention> {
    let mut out = Vec::new();
    {
        let linkable = linkable_ranges(doc);
        let mut linked_here: Vec<usize> = Vec::new();
        for (bi, b) in doc.blocks.iter().enumerate() {
            let text = b.text(&doc.text);
            for (entity, r) in matcher.find(&text) {
                let range = b.reading_offset(r.start)..b.reading_offset(r.end);
                let can_link = linkable
                    .iter()
                    .any(|l| l.start <= range.start && range.end <= l.end);
                let link = can_link
                    && match policy {
                        LinkPolicy::All => true,
                        LinkPolicy::None => false,
                        LinkPolicy::FirstInChapter => !linked_here.contains(&entity),
                    };
                if link {
                    linked_here.push(entity);
                }
                out.push(Mention {
                    entity: entity as u32,
                    chapter: ci as u32,
                    place: Place::Text {
                        block: bi as u32,
                        range: narrow(range),
                    },
                    para: b.para,
                    link,
                });
            }
        }
        for (ai, a) in c.meta.annotations.iter().enumerate() {
            for (entity, range) in matcher.find(&a.note) {
                out.push(Mention {
                    entity: entity as u32,
                    chapter: ci as u32,
                    place: Place::Note {
                        index: ai as u32,
                        range: narrow(range),
                    },
                    para: None,
                    link: false,
                });
            }
        }
    }
    out
}

/// Checks the ids that profiles point at, anchors facts, and warns about
/// unmentioned profiles; returns each fact's anchor. Reads no chapter's
/// text (a build may have released them): the ids chapters point at are
/// checked before linking ([`annotation_refs`]).
pub fn check_references(
    edition: &Edition,
    docs: &[&Doc<'_>],
    mentions: &[Mention],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Vec<Option<FactAnchor>>> {
    profile_links(edition, diags);
    let anchors = edition
        .entities
        .iter()
        .map(|e| fact_anchors(edition, e, docs, diags))
        .collect();
    never_mentioned(edition, mentions, diags);
    anchors
}

/// `unknown-id` for `id` in `pool` (the ids it could have been), with a "did you mean".
fn unknown_id(what: &str, id: &str, pool: &[&str]) -> Diagnostic {
    let d = Diagnostic::new(Code::UnknownId, format!("{what} `{id}` is not a known id"));
    match did_you_mean(id, pool.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!(
            "add a profile content/{{companies,people}}/{id}.md, or use one of the existing ids ({} in all)",
            pool.len()
        )),
    }
}

/// Every annotation's `refs` name a profile (hundreds of thousands in a
/// large edition: looked up in a set, not scanned).
pub(super) fn annotation_refs(edition: &Edition, diags: &mut Vec<Diagnostic>) {
    if edition.entities.is_empty() {
        return;
    }
    let ids: Vec<&str> = edition.entities.iter().map(|e| e.id.as_str()).collect();
    let known: std::collections::HashSet<&str> = ids.iter().copied().collect();
    for c in &edition.chapters {
        for (k, a) in c.meta.annotations.iter().enumerate() {
            for (j, r) in a.refs.iter().enumerate() {
                if !known.contains(r.as_str()) {
                    let span = c.span(&["annotations".into(), k.into(), "refs".into(), j.into()]);
                    diags.push(unknown_id("annotation ref", r, &ids).at(c.file, span));
                }
            }
        }
    }
}

/// Companies' `founders` and `people` name people; people's `roles` name companies.
fn profile_links(edition: &Edition, diags: &mut Vec<Diagnostic>) {
    let of_kind = |k: EntityKind| -> Vec<&str> {
        edition
            .entities
            .iter()
            .filter(|e| e.kind == k)
            .map(|e| e.id.as_str())
            .collect()
    };
    let companies = of_kind(EntityKind::Company);
    let people = of_kind(EntityKind::Person);
    for e in &edition.entities {
        if let Some(m) = &e.company {
            for (key, list) in [("founders", &m.founders), ("people", &m.people)] {
                for (j, p) in list.iter().enumerate() {
                    if !people.contains(&p.as_str()) {
                        let span = e.span(&[key.into(), j.into()]);
                        diags.push(unknown_id("person", p, &people).at(e.file, span));
                    }
                }
            }
        }
        if let Some(m) = &e.person {
            for (k, role) in m.roles.iter().enumerate() {
                if !companies.contains(&role.org.as_str()) {
                    let span = e.span(&["roles".into(), k.into(), "org".into()]);
                    diags.push(unknown_id("organisation", &role.org, &companies).at(e.file, span));
                }
            }
        }
    }
}

/// A profile's facts: valid dates, a usable source, and where a fact that
/// quotes the text anchors.
fn fact_anchors(
    edition: &Edition,
    e: &Entity,
    docs: &[&Doc<'_>],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Option<FactAnchor>> {
    let slugs: Vec<&str> = edition.chapters.iter().map(|c| c.slug.as_str()).collect();
    let mut mine = Vec::with_capacity(e.facts.len());
    for (k, f) in e.facts.iter().enumerate() {
        if let Some(date) = &f.date
            && crate::content::PartialDate::parse(date).is_none()
        {
            diags.push(crate::diag::bad_date(date).at(e.file, e.fact_span(k, "date")));
        }
        let s = &f.source;
        let anchor = match (&s.chapter, &s.quote, &s.title) {
            (Some(ch), Some(_), _) => match slugs.iter().position(|x| x == ch) {
                Some(ci) => fact_quote(e, k, ci, docs[ci], diags),
                None => {
                    let span = e.fact_source_span(k, "chapter");
                    diags.push(crate::diag::unknown_chapter(ch, &slugs).at(e.file, span));
                    None
                }
            },
            (None, None, Some(t)) if !t.trim().is_empty() => {
                if let Some(d) = s.url.as_deref().and_then(crate::diag::source_url) {
                    diags.push(d.at(e.file, e.fact_source_span(k, "url")));
                }
                None
            }
            _ => {
                diags.push(
                    Diagnostic::new(Code::FactWithoutSource, format!("the fact “{}” has no usable source", f.label))
                        .at(e.file, e.fact_span(k, "label"))
                        .help("give `source:` either `chapter:` + `quote:` from the edition's text, or an external `title:` (with `publisher`, `url`, `date` when known)"),
                );
                None
            }
        };
        mine.push(anchor);
    }
    mine
}

/// Where fact `k` of `e`, which quotes chapter `ci`, anchors in it.
fn fact_quote(
    e: &Entity,
    k: usize,
    ci: usize,
    doc: &Doc<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<FactAnchor> {
    let s = &e.facts[k].source;
    let q = s.quote.as_deref().unwrap_or_default();
    let ch = s.chapter.as_deref().unwrap_or_default();
    let blocks = anchor::block_texts(doc);
    let query = Query {
        quote: q,
        prefix: s.prefix.as_deref(),
        suffix: s.suffix.as_deref(),
        occurrence: s.occurrence,
    };
    let msg = match anchor::anchor(&blocks, &query) {
        Outcome::Anchored(c) => {
            return Some(FactAnchor {
                chapter: ci,
                para: blocks[c.block].para,
                quote: doc.text[c.range].to_string(),
            });
        }
        Outcome::Ambiguous(c) => format!(
            "the fact's quote “{q}” matches {} places in `{ch}`",
            c.len()
        ),
        _ => format!("the fact's quote “{q}” is not in chapter `{ch}`"),
    };
    diags.push(
        Diagnostic::new(Code::FactQuote, msg)
            .at(e.file, e.fact_source_span(k, "quote"))
            .help("quote the exact words of the chapter (add `prefix`/`suffix` if they occur more than once)"),
    );
    None
}

/// `never-mentioned` for every profile the text never mentions.
fn never_mentioned(edition: &Edition, mentions: &[Mention], diags: &mut Vec<Diagnostic>) {
    let mut mentioned = vec![false; edition.entities.len()];
    for m in mentions {
        mentioned[m.entity as usize] = true;
    }
    for (ei, e) in edition.entities.iter().enumerate() {
        if !mentioned[ei] {
            diags.push(
                Diagnostic::new(
                    Code::NeverMentioned,
                    format!("`{}` ({}) is never mentioned", e.id, e.name),
                )
                .at(e.file, e.span(&["name".into()]))
                .help("add the form used in the text to `aliases`, or remove the profile"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::diag::Sources;

    #[test]
    fn a_mention_is_36_bytes() {
        // An edition of 10,000 full chapters holds 720,000 of them.
        assert_eq!(std::mem::size_of::<Mention>(), 36);
    }
    use std::path::Path;
    use std::sync::Arc;

    fn entity(id: &str, aliases: &[&str], sources: &mut Sources) -> Entity {
        let text: Arc<str> = format!(
            "---\nname: {}\naliases: [{}]\n---\n",
            aliases[0],
            aliases.join(", ")
        )
        .into();
        let file = sources.add(Path::new(id), id.into(), text.clone());
        Entity {
            kind: EntityKind::Company,
            id: id.into(),
            file,
            name: aliases[0].into(),
            name_en: None,
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            description: String::new(),
            facts: vec![],
            company: None,
            person: None,
            yaml: 4..text.len() - 4,
            body: text.len()..text.len(),
            positions: Default::default(),
            text,
        }
    }

    fn edition(entities: Vec<Entity>) -> Edition {
        Edition {
            config: Config::new("t", "zh-CN"),
            config_file: Sources::new().add(Path::new("e"), "e".into(), "".into()),
            chapters: vec![],
            entities,
        }
    }

    /// The automaton the matcher searches with: a full DFA while the
    /// aliases are small, the builder's choice past [`DFA_ALIAS_BYTES`];
    /// an edition without aliases finds nothing.
    #[test]
    fn small_alias_lists_search_with_a_dfa() {
        let mut sources = Sources::new();
        let small = edition(vec![entity("a", &["智谱", "Zhipu"], &mut sources)]);
        let m = Matcher::new(&small, &mut Vec::new());
        assert_eq!(m.ac.kind(), AhoCorasickKind::DFA);
        let long: Vec<String> = (0..DFA_ALIAS_BYTES / 8)
            .map(|i| format!("alias{i:04}x"))
            .collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let large = edition(vec![entity("b", &long, &mut sources)]);
        let m = Matcher::new(&large, &mut Vec::new());
        assert_ne!(m.ac.kind(), AhoCorasickKind::DFA);
        let none = Matcher::new(&edition(vec![]), &mut Vec::new());
        assert!(none.find("智谱 Zhipu").is_empty());
    }

    fn found(ed: &Edition, text: &str) -> Vec<(String, String)> {
        let mut diags = Vec::new();
        let m = Matcher::new(ed, &mut diags);
        m.find(text)
            .into_iter()
            .map(|(e, r)| (ed.entities[e].id.clone(), text[r].to_string()))
            .collect()
    }

    #[test]
    fn leftmost_longest_and_adjacent() {
        let mut s = Sources::new();
        let ed = edition(vec![
            entity("modelbest", &["面壁智能", "面壁"], &mut s),
            entity("zhipu", &["智谱"], &mut s),
            entity("tang-jie", &["唐杰"], &mut s),
        ]);
        assert_eq!(
            found(&ed, "面壁智能与面壁"),
            vec![
                ("modelbest".into(), "面壁智能".into()),
                ("modelbest".into(), "面壁".into())
            ]
        );
        assert_eq!(
            found(&ed, "智谱唐杰提到"),
            vec![
                ("zhipu".into(), "智谱".into()),
                ("tang-jie".into(), "唐杰".into())
            ]
        );
    }

    #[test]
    fn latin_aliases_need_word_boundaries() {
        let mut s = Sources::new();
        let ed = edition(vec![
            entity("meta", &["Meta"], &mut s),
            entity("deepseek", &["DeepSeek"], &mut s),
        ]);
        assert_eq!(
            found(&ed, "Metaverse 与 Meta、谷歌"),
            vec![("meta".into(), "Meta".into())]
        );
        assert_eq!(
            found(&ed, "DeepSeek V3 与DeepSeek的"),
            vec![
                ("deepseek".into(), "DeepSeek".into()),
                ("deepseek".into(), "DeepSeek".into())
            ]
        );
    }

    #[test]
    fn longer_alias_of_another_entity_wins() {
        let mut s = Sources::new();
        let ed = edition(vec![
            entity("ali", &["阿里"], &mut s),
            entity("aliyun", &["阿里云"], &mut s),
        ]);
        assert_eq!(
            found(&ed, "阿里云和阿里"),
            vec![
                ("aliyun".into(), "阿里云".into()),
                ("ali".into(), "阿里".into())
            ]
        );
    }

    #[test]
    fn shared_and_short_aliases_are_reported() {
        let mut s = Sources::new();
        let ed = edition(vec![
            entity("a", &["甲公司", "乙"], &mut s),
            entity("b", &["甲公司"], &mut s),
        ]);
        let mut diags = Vec::new();
        Matcher::new(&ed, &mut diags);
        let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
        assert!(codes.contains(&"shared-alias"), "{codes:?}");
        assert!(codes.contains(&"short-alias"), "{codes:?}");
        let shared = diags.iter().find(|d| d.code == Code::SharedAlias).unwrap();
        assert_eq!(shared.secondary.len(), 1, "names both files");
    }
}
