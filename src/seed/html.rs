//! Saved web pages in: an HTML page → the article it holds (`glossa import` of a `.html` seed).
//!
//! Input: the text of a saved page (a browser's "Save page as…", a WeChat
//! article, a news site, a blog). Output: an [`Article`]: its metadata (title,
//! author, publication, publication date, canonical URL, lead, rights), its
//! text as glossa Markdown (CommonMark + tables + footnotes) split into
//! chapters at `<h2>`, every figure it shows (alt, absolute URL, caption), and
//! for the import report the parts inside the article that were dropped on
//! purpose (ads, share bars, related links, bylines…), each with the rule that
//! dropped it. A page without readable text is [`Unreadable`], never an empty
//! article.
//!
//! Rules, in order: the article root is `#js_content` (WeChat), else the
//! `<article>` with most text, `[itemprop=articleBody]`, a content class
//! (`.entry-content`, `.post-content`, `.article-body`…), `<main>`, else the
//! container with the best Readability-style paragraph score. Inside the root,
//! page furniture is dropped by tag, role, class/id hints and inline `display:
//! none`; the title heading, the standfirst (lead) and the rights lines move to
//! the metadata. Every inline run is rendered to Markdown, then parsed back
//! with [`crate::text`] and compared with the text the page shows: emphasis
//! that would not render as such (CJK punctuation next to `*`) is dropped
//! rather than shown as asterisks, so the reading text is the page's text.
//! Metadata come from JSON-LD, OpenGraph / `article:*` meta tags, WeChat's
//! page variables and the page's own byline, in that order; what reads a
//! line in one language (rights notices, author lines, Chinese datelines) is
//! [`super::chrome`]'s, shared with the import of text seeds.
//!
//! Deterministic (the same page gives the same article); bad input never
//! panics (deep nesting is flattened past a fixed depth). Must not read or
//! write files, must not download anything (images are referenced by URL,
//! never fetched), must not render HTML.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use scraper::{ElementRef, Html, Node};
use serde_json::Value;

use super::chrome;
use crate::text::visible_blocks;

/// What a saved page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    pub title: Option<String>,
    pub author: Option<String>,
    /// Site, account or newspaper name.
    pub publication: Option<String>,
    /// Publication date (not the modified date) as `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Canonical URL (absolute).
    pub url: Option<String>,
    /// Standfirst / description / dek, plain text.
    pub lead: Option<String>,
    /// Copyright or rights line(s), plain text, lines joined with `\n`.
    pub rights: Option<String>,
    /// The first may be untitled (the text before the first `<h2>`).
    pub chapters: Vec<ArticleChapter>,
    /// Every figure kept, in order.
    pub figures: Vec<Figure>,
    /// `(rule id, text)` of the parts inside the article left out of the
    /// body, in page order, for the import report. Rule ids: by tag or role
    /// `header`, `footer`, `nav`, `aside`, `form`, `control`, `embed` (the
    /// text is the embedded URL); by class or id `ad`, `promo`, `related`,
    /// `share`, `comments`, `newsletter`, `cookie`, `sidebar`, `popup`,
    /// `tags`, `byline`; `hidden` (inline `display: none`, `hidden`,
    /// screen-reader-only text); and `title`, `lead`, `rights` for the parts
    /// that became metadata. Parts without text are left out silently.
    pub dropped: Vec<(String, String)>,
}

/// A chapter of the article: its `<h2>` (if any) and its Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleChapter {
    pub title: Option<String>,
    pub markdown: String,
}

/// An image the article shows (never downloaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub alt: String,
    /// Absolute when the page says where it lives (canonical URL, `<base>`, `og:url`).
    pub src: String,
    pub caption: Option<String>,
}

/// Why nothing could be extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub why: String,
}

impl Unreadable {
    fn new(why: &str) -> Self {
        Unreadable {
            why: why.to_string(),
        }
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl std::error::Error for Unreadable {}

/// Whether `bytes` are an HTML page, by content (not by file name): after a
/// byte-order mark and white space the text starts with `<`, and its first
/// 4 KiB hold a doctype, `<html`, `<head`, `<body` or `<meta charset`.
pub fn is_html(bytes: &[u8]) -> bool {
    let head = ascii_head(bytes, 4096);
    let head = head.trim_start();
    if !head.starts_with('<') {
        return false;
    }
    let lower = head.to_ascii_lowercase();
    [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<meta charset",
        "<meta http-equiv",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// The first `limit` bytes as text, after a byte-order mark (UTF-16 read as
/// its ASCII characters, which is all the detection needs).
fn ascii_head(bytes: &[u8], limit: usize) -> String {
    let utf16 = |rest: &[u8], le: bool| -> String {
        rest.chunks(2)
            .take(limit)
            .map(|c| {
                let (lo, hi) = if le {
                    (c.first(), c.get(1))
                } else {
                    (c.get(1), c.first())
                };
                match (lo, hi) {
                    (Some(&b), Some(0)) if b.is_ascii() => b as char,
                    _ => '\u{fffd}',
                }
            })
            .collect()
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    let rest = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8_lossy(&rest[..rest.len().min(limit)]).into_owned()
}

/// Extracts the article of a saved page.
pub fn extract(html: &str) -> Result<Article, Unreadable> {
    if html.trim().is_empty() {
        return Err(Unreadable::new("the page is empty"));
    }
    let doc = Html::parse_document(html);
    let Some(page) = Page::read(&doc) else {
        return Err(Unreadable::new("the page has no <body>"));
    };
    if text_len(page.body) == 0 {
        return Err(Unreadable::new(
            "the page's <body> holds no text (a page drawn by scripts, or one not saved completely)",
        ));
    }
    let root = choose_root(page.body);
    let meta = read_meta(&page, root);
    let mut conv = Conv::new(&page, root, &meta);
    let mut top = Sink::blocks(true);
    conv.container(root, &mut top);
    top.flush();
    let chapters = conv.chapters(top.out);
    if chapters.iter().all(|c| !has_text(&c.markdown)) {
        return Err(Unreadable::new(
            "no article text was found: the page holds only navigation, forms or other page furniture",
        ));
    }
    Ok(Article {
        title: meta.title,
        author: meta.author,
        publication: meta.publication,
        date: meta.date,
        url: meta.url,
        lead: meta.lead,
        rights: meta.rights,
        chapters,
        figures: conv.figures,
        dropped: conv.dropped,
    })
}

/// Whether a chapter's Markdown shows any text (code and tables included).
fn has_text(markdown: &str) -> bool {
    !crate::text::parse(markdown).text.trim().is_empty()
}

// ---------------------------------------------------------------------------
// The page: meta tags, JSON-LD, scripts.

/// What the whole page says about itself.
struct Page<'a> {
    body: ElementRef<'a>,
    head_title: Option<String>,
    /// `(property | name | itemprop, content)`, keys lowercased, in page order.
    metas: Vec<(String, String)>,
    /// `(rel, href)` of `<link>` elements.
    links: Vec<(String, String)>,
    base_href: Option<String>,
    /// JSON-LD objects, article-like ones first.
    ld: Vec<Value>,
    /// Inline scripts (WeChat keeps its metadata in variables).
    scripts: String,
    wechat: bool,
}

impl<'a> Page<'a> {
    fn read(doc: &'a Html) -> Option<Page<'a>> {
        let html = doc.root_element();
        let body = html.child_elements().find(|e| e.value().name() == "body")?;
        let mut page = Page {
            body,
            head_title: None,
            metas: Vec::new(),
            links: Vec::new(),
            base_href: None,
            ld: Vec::new(),
            scripts: String::new(),
            wechat: false,
        };
        for el in html.descendent_elements() {
            match el.value().name() {
                "meta" => page.add_meta(el),
                "link" => {
                    if let (Some(rel), Some(href)) = (el.attr("rel"), el.attr("href")) {
                        page.links.push((rel.to_ascii_lowercase(), clean_url(href)));
                    }
                }
                "base" if page.base_href.is_none() => {
                    page.base_href = el.attr("href").map(clean_url)
                }
                "title" if page.head_title.is_none() && is_in(el, "head") => {
                    let text: String = el.text().collect();
                    page.head_title = Some(collapse(&text)).filter(|t| !t.is_empty());
                }
                "script" => page.add_script(el),
                _ => {}
            }
            if matches!(
                el.value().id(),
                Some("js_content" | "activity-name" | "js_name")
            ) {
                page.wechat = true;
            }
        }
        page.ld.sort_by_key(|v| !is_article_type(v));
        Some(page)
    }

    fn add_meta(&mut self, el: ElementRef<'a>) {
        let Some(content) = el.attr("content") else {
            return;
        };
        let content = collapse(content);
        for attr in ["property", "name", "itemprop"] {
            if let Some(k) = el.attr(attr) {
                self.metas
                    .push((k.trim().to_ascii_lowercase(), content.clone()));
            }
        }
    }

    fn add_script(&mut self, el: ElementRef<'a>) {
        let text: String = el.text().collect();
        let ty = el.attr("type").unwrap_or("").to_ascii_lowercase();
        if ty.contains("ld+json") {
            if let Some(v) = parse_ld(&text) {
                flatten_ld(v, &mut self.ld);
            }
        } else if el.attr("src").is_none() && (ty.is_empty() || ty.contains("javascript")) {
            self.scripts.push_str(&text);
            self.scripts.push('\n');
        }
    }

    /// The first non-empty `content` of a meta tag.
    fn meta(&self, key: &str) -> Option<String> {
        self.metas
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    }

    fn link(&self, rel: &str) -> Option<String> {
        self.links
            .iter()
            .find(|(r, h)| r.split_whitespace().any(|t| t == rel) && !h.is_empty())
            .map(|(_, h)| h.clone())
    }

    /// A text field of the article-like JSON-LD objects.
    fn ld(&self, key: &str) -> Option<String> {
        self.ld
            .iter()
            .filter(|v| is_article_type(v) || v.get("headline").is_some())
            .find_map(|v| v.get(key).and_then(ld_text))
    }

    /// A string variable of the page's inline scripts.
    fn js(&self, name: &str) -> Option<String> {
        js_var(&self.scripts, name)
    }
}

/// JSON-LD text → value (tolerating HTML comment or CDATA wrappers).
fn parse_ld(text: &str) -> Option<Value> {
    let t = text.trim();
    let t = t.strip_prefix("<!--").unwrap_or(t);
    let t = t.strip_suffix("-->").unwrap_or(t);
    let t = t.trim().strip_prefix("//<![CDATA[").unwrap_or(t);
    let t = t.trim().strip_suffix("//]]>").unwrap_or(t);
    serde_json::from_str(t.trim()).ok()
}

/// Objects of a JSON-LD value, arrays and `@graph` unrolled.
fn flatten_ld(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.into_iter().for_each(|i| flatten_ld(i, out)),
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten_ld(graph, out);
            }
            out.push(Value::Object(map));
        }
        _ => {}
    }
}

/// `@type` names an article (`Article`, `NewsArticle`, `BlogPosting`…).
fn is_article_type(v: &Value) -> bool {
    let article = |t: &str| {
        let t = t.rsplit('/').next().unwrap_or(t);
        t.ends_with("Article")
            || matches!(
                t,
                "BlogPosting"
                    | "LiveBlogPosting"
                    | "SocialMediaPosting"
                    | "DiscussionForumPosting"
                    | "Report"
            )
    };
    match v.get("@type") {
        Some(Value::String(t)) => article(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(article),
        _ => false,
    }
}

/// A JSON-LD value as text: a string, an object's `name`, or names joined.
fn ld_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => collapse(&decode_entities(s)),
        Value::Object(m) => return m.get("name").and_then(ld_text),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(ld_text).collect();
            names.join(", ")
        }
        _ => return None,
    };
    Some(s).filter(|s| !s.is_empty())
}

/// The value of `name = "…"` (or `name = htmlDecode("…")`) in inline scripts.
fn js_var(scripts: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(pos) = scripts.get(from..).and_then(|s| s.find(name)) {
        let at = from + pos;
        from = at + name.len();
        let before = scripts[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.')) {
            continue;
        }
        let Some(rest) = scripts[from..].trim_start().strip_prefix('=') else {
            continue;
        };
        if rest.starts_with('=') {
            continue;
        }
        let rest = rest.trim_start();
        let rest = rest
            .strip_prefix("htmlDecode(")
            .map_or(rest, str::trim_start);
        if let Some(v) = js_string(rest).filter(|v| !v.trim().is_empty()) {
            return Some(collapse(&decode_entities(&v)));
        }
    }
    None
}

/// A JavaScript string literal at the start of `s`, unescaped.
fn js_string(s: &str) -> Option<String> {
    let mut chars = s.chars();
    let quote = chars.next().filter(|c| matches!(c, '"' | '\''))?;
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => return Some(out),
            '\n' => return None,
            '\\' => {
                let e = chars.next()?;
                let ch = match e {
                    'n' => '\n',
                    't' => '\t',
                    'x' => hex_char(&mut chars, 2)?,
                    'u' => hex_char(&mut chars, 4)?,
                    other => other,
                };
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    None
}

fn hex_char(chars: &mut std::str::Chars<'_>, n: usize) -> Option<char> {
    let digits: String = chars.take(n).collect();
    u32::from_str_radix(&digits, 16)
        .ok()
        .and_then(char::from_u32)
}

/// Decodes the HTML character references that survive in script strings and JSON-LD.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    crate::text::decode_references_into(s, &mut out);
    out
}

// ---------------------------------------------------------------------------
// Choosing the article root.

/// Classes that name an article body.
const CONTENT_CLASSES: &[&str] = &[
    "post-content",
    "entry-content",
    "article-content",
    "article-body",
    "article__body",
    "article-text",
    "post-body",
    "entry-body",
    "story-body",
    "story-content",
    "content-body",
    "body-text",
    "rich_media_content",
    "e-content",
];

/// The element that holds the article (see the module docs for the order).
fn choose_root<'a>(body: ElementRef<'a>) -> ElementRef<'a> {
    if let Some(el) = body
        .descendent_elements()
        .find(|e| e.value().id() == Some("js_content") && text_len(*e) > 0)
    {
        return el;
    }
    let stats = text_stats(body);
    let chars = |e: ElementRef<'_>| stats.get(&key(e)).map_or(0, |s| s.chars);
    let total = chars(body);
    let enough = |len: usize| len > 0 && len >= (total / 5).min(200);
    let semantic: [&dyn Fn(ElementRef<'_>) -> bool; 4] = [
        &|e| e.value().name() == "article",
        &|e| {
            e.attr("itemprop")
                .is_some_and(|v| v.split_whitespace().any(|t| t == "articleBody"))
        },
        &|e| e.value().classes().any(|c| CONTENT_CLASSES.contains(&c)),
        &|e| e.value().name() == "main" || e.attr("role") == Some("main"),
    ];
    for pick in semantic {
        let mut best: Option<(ElementRef<'a>, usize)> = None;
        for e in body.descendent_elements().filter(|e| pick(*e)) {
            let len = chars(e);
            if best.is_none_or(|(_, b)| len > b) {
                best = Some((e, len));
            }
        }
        if let Some((el, len)) = best
            && enough(len)
        {
            return el;
        }
    }
    scored_root(body, &stats).unwrap_or(body)
}

/// Text measures of an element's subtree.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    chars: usize,
    commas: usize,
    /// Characters inside links.
    links: usize,
}

/// Every element's text measures, in one pass from the leaves up.
fn text_stats(body: ElementRef<'_>) -> HashMap<usize, Stats> {
    let elements: Vec<ElementRef<'_>> = body.descendent_elements().collect();
    let mut stats: HashMap<usize, Stats> = HashMap::with_capacity(elements.len());
    for el in elements.iter().rev() {
        let mut s = Stats::default();
        if !INVISIBLE.contains(&el.value().name()) {
            for child in el.children() {
                match child.value() {
                    Node::Text(t) => {
                        let t = t.trim();
                        s.chars += t.chars().count();
                        s.commas += t
                            .chars()
                            .filter(|c| matches!(c, ',' | '\u{FF0C}' | '\u{3001}'))
                            .count();
                    }
                    Node::Element(_) => {
                        if let Some(c) = ElementRef::wrap(child).and_then(|c| stats.get(&key(c))) {
                            s.chars += c.chars;
                            s.commas += c.commas;
                            s.links += c.links;
                        }
                    }
                    _ => {}
                }
            }
        }
        if el.value().name() == "a" {
            s.links = s.chars;
        }
        stats.insert(key(*el), s);
    }
    stats
}

/// Class/id words of page furniture (Readability's "unlikely candidates").
const UNLIKELY: &[&str] = &[
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "combx",
    "comment",
    "comments",
    "community",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "ad",
    "ads",
    "agegate",
    "pagination",
    "pager",
    "popup",
    "nav",
    "navbar",
    "widget",
    "share",
    "cookie",
    "newsletter",
    "subscribe",
    "promo",
    "masthead",
];
/// Words that keep an element with an unlikely word a candidate.
const MAYBE: &[&str] = &[
    "and", "article", "body", "column", "content", "main", "shadow", "entry", "post", "story",
    "text",
];
const POSITIVE: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "main", "page", "post", "text", "blog",
    "story",
];
const NEGATIVE: &[&str] = &[
    "banner",
    "combx",
    "comment",
    "contact",
    "foot",
    "footer",
    "footnote",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "tool",
    "widget",
    "ad",
];

/// Readability-style scoring: each paragraph scores its ancestors (less the
/// further up), containers are weighted by tag and class, then by link density.
fn scored_root<'a>(body: ElementRef<'a>, stats: &HashMap<usize, Stats>) -> Option<ElementRef<'a>> {
    let unlikely = unlikely_regions(body);
    let mut cands: Vec<(ElementRef<'a>, f64)> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for el in body.descendent_elements() {
        if !is_scorable(el) || unlikely.contains(&key(el)) {
            continue;
        }
        let s = stats.get(&key(el)).copied().unwrap_or_default();
        if s.chars < 25 {
            continue;
        }
        let score = 1.0 + s.commas as f64 + (s.chars as f64 / 100.0).min(3.0);
        let ancestors = el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .filter(|a| a.value().name() != "html")
            .take(5);
        for (level, anc) in ancestors.enumerate() {
            let i = *index.entry(key(anc)).or_insert_with(|| {
                cands.push((anc, initial_score(anc)));
                cands.len() - 1
            });
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => l as f64 * 3.0,
            };
            cands[i].1 += score / divider;
        }
    }
    let mut best: Option<(ElementRef<'a>, f64)> = None;
    for (el, score) in cands {
        let s = stats.get(&key(el)).copied().unwrap_or_default();
        let density = if s.chars == 0 {
            0.0
        } else {
            (s.links as f64 / s.chars as f64).min(1.0)
        };
        let score = score * (1.0 - density);
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((el, score));
        }
    }
    best.map(|(el, _)| el)
}

fn is_scorable(el: ElementRef<'_>) -> bool {
    match el.value().name() {
        "p" | "pre" | "td" => true,
        "div" | "section" => !el.child_elements().any(|c| is_block(c.value().name())),
        _ => false,
    }
}

/// Elements in navigation, sidebars, comments or hidden parts (below
/// `body`), in one pass from the top down.
fn unlikely_regions(body: ElementRef<'_>) -> HashSet<usize> {
    let mut set = HashSet::new();
    for el in body.descendent_elements().skip(1) {
        let inside = el
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| set.contains(&key(p)));
        if inside || is_unlikely(el) {
            set.insert(key(el));
        }
    }
    set
}

fn is_unlikely(el: ElementRef<'_>) -> bool {
    if matches!(
        el.value().name(),
        "nav" | "aside" | "footer" | "header" | "form"
    ) || is_hidden(el)
    {
        return true;
    }
    let h = Hints::of(el);
    h.any(UNLIKELY) && !h.any(MAYBE)
}

fn initial_score(el: ElementRef<'_>) -> f64 {
    let tag = match el.value().name() {
        "div" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    let h = Hints::of(el);
    let mut class = 0.0;
    if h.any(POSITIVE) {
        class += 25.0;
    }
    if h.any(NEGATIVE) {
        class -= 25.0;
    }
    tag + class
}

/// Share of an element's text that sits in links.
fn link_density(el: ElementRef<'_>) -> f64 {
    let total = text_len(el);
    if total == 0 {
        return 0.0;
    }
    let links: usize = el
        .descendent_elements()
        .filter(|e| e.value().name() == "a")
        .map(text_len)
        .sum();
    (links as f64 / total as f64).min(1.0)
}

/// The article around the root, where bylines, dates and standfirsts live:
/// the nearest `<article>`, else the root's grandparent (within `body`).
fn article_scope<'a>(root: ElementRef<'a>, body: ElementRef<'a>) -> ElementRef<'a> {
    let chain = std::iter::once(root).chain(root.ancestors().filter_map(ElementRef::wrap));
    let mut up_to_body = chain.take_while(|e| *e != body);
    if let Some(article) = up_to_body.find(|e| e.value().name() == "article") {
        return article;
    }
    let parent = |e: ElementRef<'a>| {
        e.parent()
            .and_then(ElementRef::wrap)
            .filter(|p| *p != body && p.value().name() != "html")
    };
    if root == body {
        return body;
    }
    parent(root).map_or(body, |p| parent(p).unwrap_or(p))
}

// ---------------------------------------------------------------------------
// Metadata.

/// The article's metadata and the elements inside the root they come from.
struct Meta {
    title: Option<String>,
    author: Option<String>,
    publication: Option<String>,
    date: Option<String>,
    url: Option<String>,
    lead: Option<String>,
    rights: Option<String>,
    /// Elements inside the root that became metadata → the rule id.
    moved: HashMap<usize, &'static str>,
}

fn read_meta<'a>(page: &Page<'a>, root: ElementRef<'a>) -> Meta {
    let scope = article_scope(root, page.body);
    let named_title = page
        .meta("og:title")
        .or_else(|| page.meta("twitter:title"))
        .or_else(|| page.ld("headline"))
        .or_else(|| {
            by_id(page.body, "activity-name")
                .map(text_of)
                .filter(|t| !t.is_empty())
        })
        .or_else(|| nearest_h1(root, page.body));
    let publication = publication(page, named_title.as_deref());
    let title = named_title
        .or_else(|| page.head_title.clone())
        .map(|t| strip_site(&t, publication.as_deref()));
    let mut moved = HashMap::new();
    let lead = match standfirst(scope, root) {
        Some((el, text)) => {
            if is_within(el, root) {
                moved.insert(key(el), "lead");
            }
            Some(text)
        }
        None => description(page),
    };
    let (rights, rights_els) = rights(page, root);
    for el in rights_els {
        moved.insert(key(el), "rights");
    }
    Meta {
        title,
        author: author(page, scope),
        publication,
        date: date(page, scope),
        url: canonical(page),
        lead,
        rights,
        moved,
    }
}

/// The `<h1>` nearest the root: inside it, else inside its ancestors.
fn nearest_h1<'a>(root: ElementRef<'a>, body: ElementRef<'a>) -> Option<String> {
    let h1s: Vec<(ElementRef<'a>, String)> = body
        .descendent_elements()
        .filter(|e| e.value().name() == "h1")
        .map(|e| (e, text_of(e)))
        .filter(|(e, t)| !t.is_empty() && !is_in(*e, "nav"))
        .collect();
    if h1s.is_empty() {
        return None;
    }
    let chain = std::iter::once(root).chain(root.ancestors().filter_map(ElementRef::wrap));
    for scope in chain {
        if let Some((_, t)) = h1s.iter().find(|(h, _)| is_within(*h, scope)) {
            return Some(t.clone());
        }
    }
    h1s.into_iter().next().map(|(_, t)| t)
}

/// Separators between a page title and a site name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " · ", " :: ", " » ", " « ", " / ",
];

/// `title` without a ` | Site` suffix (or `Site | ` prefix) when the site is known.
fn strip_site(title: &str, site: Option<&str>) -> String {
    let title = collapse(title);
    let Some(site) = site.filter(|s| !s.is_empty() && *s != title) else {
        return title;
    };
    for sep in TITLE_SEPARATORS {
        if let Some(rest) = title.strip_suffix(site).and_then(|r| r.strip_suffix(sep))
            && !rest.trim().is_empty()
        {
            return rest.trim().to_string();
        }
        if let Some(rest) = title.strip_prefix(site).and_then(|r| r.strip_prefix(sep))
            && !rest.trim().is_empty()
        {
            return rest.trim().to_string();
        }
    }
    title
}

/// The site name: WeChat's account, `og:site_name`, JSON-LD publisher,
/// `application-name`, or what `<title>` adds to the article's title.
fn publication(page: &Page<'_>, title: Option<&str>) -> Option<String> {
    if page.wechat {
        let account = by_id(page.body, "js_name")
            .map(text_of)
            .filter(|t| !t.is_empty())
            .or_else(|| page.js("nickname"));
        if account.is_some() {
            return account;
        }
    }
    page.meta("og:site_name")
        .filter(|_| !page.wechat)
        .or_else(|| page.ld("publisher"))
        .or_else(|| page.meta("application-name"))
        .or_else(|| title_site(page.head_title.as_deref()?, title?))
}

/// What `<title>` holds besides the article title, when a separator sets it off.
fn title_site(head: &str, title: &str) -> Option<String> {
    let (head, title) = (collapse(head), collapse(title));
    for sep in TITLE_SEPARATORS {
        if let Some(site) = head.strip_prefix(&title).and_then(|r| r.strip_prefix(sep)) {
            return Some(site.trim().to_string()).filter(|s| !s.is_empty());
        }
        if let Some(site) = head.strip_suffix(&title).and_then(|r| r.strip_suffix(sep)) {
            return Some(site.trim().to_string()).filter(|s| !s.is_empty());
        }
    }
    None
}

fn author(page: &Page<'_>, scope: ElementRef<'_>) -> Option<String> {
    let not_url = |s: &String| !(s.contains("://") || s.starts_with('/'));
    page.ld("author")
        .filter(not_url)
        .or_else(|| page.wechat.then(|| wechat_author(page)).flatten())
        .or_else(|| page.meta("author").filter(not_url))
        .or_else(|| page.meta("article:author").filter(not_url))
        .or_else(|| {
            scope
                .descendent_elements()
                .filter(|e| {
                    e.attr("rel")
                        .is_some_and(|r| r.split_whitespace().any(|t| t == "author"))
                })
                .map(text_of)
                .find(|t| !t.is_empty())
        })
        .or_else(|| {
            scope
                .descendent_elements()
                .filter(|e| {
                    e.attr("itemprop") == Some("author")
                        || e.value()
                            .classes()
                            .any(|c| matches!(c, "byline" | "author" | "p-author"))
                })
                .map(text_of)
                .find(|t| !t.is_empty())
        })
        .and_then(|a| clean_author(&a))
}

/// WeChat: the author span of the meta line (not the `原创` tag, not the date).
fn wechat_author(page: &Page<'_>) -> Option<String> {
    page.body
        .descendent_elements()
        .filter(|e| {
            e.value().name() == "span"
                && e.value().classes().any(|c| c == "rich_media_meta_text")
                && e.value().id() != Some("copyright_logo")
        })
        .map(text_of)
        .find(|t| !t.is_empty())
        .or_else(|| {
            by_id(page.body, "js_author_name")
                .map(text_of)
                .filter(|t| !t.is_empty())
        })
        .or_else(|| page.js("author"))
}

fn clean_author(raw: &str) -> Option<String> {
    let a = collapse(raw);
    let a = match chrome::author_of(&a) {
        // `By …`, `作者：…`, `文｜…`: the import's author-line rules.
        Some(name) => name.to_string(),
        None => ["By ", "by ", "BY "]
            .iter()
            .find_map(|p| a.strip_prefix(p))
            .map_or(a.clone(), |rest| rest.trim().to_string()),
    };
    Some(a).filter(|a| !a.is_empty() && a.chars().count() <= 100)
}

/// Meta tags that hold a publication date.
const DATE_METAS: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "published_time",
    "datepublished",
    "publish-date",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
    "date",
];

fn date(page: &Page<'_>, scope: ElementRef<'_>) -> Option<String> {
    page.ld("datePublished")
        .and_then(|d| normalize_date(&d))
        .or_else(|| page.ld("dateCreated").and_then(|d| normalize_date(&d)))
        .or_else(|| {
            DATE_METAS
                .iter()
                .find_map(|k| normalize_date(&page.meta(k)?))
        })
        .or_else(|| page.js("publish_time").and_then(|d| normalize_date(&d)))
        .or_else(|| {
            let secs: i64 = page.js("ct")?.trim().parse().ok()?;
            // WeChat stamps are shown in China time.
            Some(date_from_unix(secs, 8 * 3600))
        })
        .or_else(|| time_element_date(scope))
        .or_else(|| {
            scope
                .descendent_elements()
                .filter(|e| {
                    Hints::of(*e).any(&[
                        "meta",
                        "byline",
                        "date",
                        "dateline",
                        "posted",
                        "published",
                        "time",
                        "timestamp",
                        "info",
                    ])
                })
                .find_map(|e| normalize_date(&text_of(e)))
        })
}

/// A `<time>` in the article: the one marked as published first, then any
/// that is not marked as an update.
fn time_element_date(scope: ElementRef<'_>) -> Option<String> {
    let times: Vec<ElementRef<'_>> = scope
        .descendent_elements()
        .filter(|e| e.value().name() == "time")
        .collect();
    let value = |e: &ElementRef<'_>| {
        normalize_date(e.attr("datetime").unwrap_or("")).or_else(|| normalize_date(&text_of(*e)))
    };
    let published = |e: &&ElementRef<'_>| {
        e.attr("itemprop") == Some("datePublished")
            || e.attr("pubdate").is_some()
            || e.value()
                .classes()
                .any(|c| c.contains("published") || c == "entry-date")
    };
    let updated = |e: &&ElementRef<'_>| {
        e.attr("itemprop") == Some("dateModified")
            || e.value()
                .classes()
                .any(|c| c.contains("updated") || c.contains("modified"))
    };
    times
        .iter()
        .filter(published)
        .find_map(value)
        .or_else(|| times.iter().filter(|e| !updated(e)).find_map(value))
}

/// The canonical URL: `<link rel=canonical>`, `og:url`, JSON-LD, WeChat's link.
fn canonical(page: &Page<'_>) -> Option<String> {
    let og = page
        .meta("og:url")
        .map(|u| clean_url(&u))
        .filter(|u| is_web_url(u));
    let canonical = page.link("canonical").and_then(|href| {
        if is_web_url(&href) {
            return Some(href);
        }
        let base = Url::parse(og.as_deref()?)?;
        Some(resolve(&base, &href))
    });
    canonical
        .filter(|u| is_web_url(u))
        .or(og)
        .or_else(|| page.ld("url").filter(|u| is_web_url(u)))
        .or_else(|| page.ld("mainEntityOfPage").filter(|u| is_web_url(u)))
        .or_else(|| {
            let link = page.js("msg_link")?;
            let link = link.strip_suffix("#rd").unwrap_or(&link).to_string();
            Some(link).filter(|u| is_web_url(u))
        })
}

/// Classes of a standfirst (the lead under the headline).
const STANDFIRST: &[&str] = &[
    "standfirst",
    "dek",
    "deck",
    "lead",
    "lede",
    "summary",
    "subtitle",
    "sub-title",
    "subheadline",
    "subhead",
    "article-summary",
    "article-dek",
    "article__standfirst",
    "c-dek",
    "excerpt",
];

/// The article's own standfirst element and its text.
fn standfirst<'a>(scope: ElementRef<'a>, root: ElementRef<'a>) -> Option<(ElementRef<'a>, String)> {
    scope.descendent_elements().find_map(|e| {
        let marked = e.value().classes().any(|c| STANDFIRST.contains(&c))
            || e.attr("itemprop") == Some("description");
        if !marked
            || e == root
            || is_within(root, e)
            || ["nav", "aside", "footer", "figure"]
                .iter()
                .any(|t| is_in(e, t))
        {
            return None;
        }
        let text = if e.value().name() == "meta" {
            collapse(e.attr("content").unwrap_or(""))
        } else {
            text_of(e)
        };
        (!text.is_empty() && text.chars().count() <= 600).then_some((e, text))
    })
}

fn description(page: &Page<'_>) -> Option<String> {
    page.meta("og:description")
        .or_else(|| page.meta("twitter:description"))
        .or_else(|| page.meta("description"))
        .or_else(|| page.ld("description"))
        .or_else(|| page.js("msg_desc"))
}

/// Whether a line is a copyright / rights notice.
fn is_rights(text: &str) -> bool {
    let n = text.chars().count();
    if n == 0 || n > 300 {
        return false;
    }
    let lower = text.to_lowercase();
    let copyright_word = lower.starts_with("copyright")
        || lower.contains("copyright ©")
        || lower.contains("copyright (c)")
        || lower
            .find("copyright ")
            .is_some_and(|i| lower[i + 10..].chars().take(4).all(|c| c.is_ascii_digit()));
    // The import's own rules for reprint and copyright notices (Chinese sources too).
    chrome::is_rights(text) || lower.contains("all rights reserved") || copyright_word
}

/// Rights lines: the article's own (inside the root, moved out of the body),
/// else the page footer's, else any outside the article, else a meta tag.
fn rights<'a>(page: &Page<'a>, root: ElementRef<'a>) -> (Option<String>, Vec<ElementRef<'a>>) {
    let join = |found: &[(ElementRef<'a>, String)]| {
        let mut lines: Vec<&str> = Vec::new();
        for (_, t) in found {
            if !lines.contains(&t.as_str()) {
                lines.push(t);
            }
        }
        Some(lines.join("\n")).filter(|s| !s.is_empty())
    };
    let inside: Vec<(ElementRef<'a>, String)> = leaf_blocks(root)
        .into_iter()
        .map(|e| (e, text_of(e)))
        .filter(|(e, t)| t.chars().count() <= 200 && is_rights(t) && !is_under_chrome(*e, root))
        .collect();
    if !inside.is_empty() {
        return (join(&inside), inside.into_iter().map(|(e, _)| e).collect());
    }
    let outside = |e: &ElementRef<'a>| !is_within(*e, root) && !is_within(root, *e);
    let footers: Vec<ElementRef<'a>> = page
        .body
        .descendent_elements()
        .filter(|e| {
            (e.value().name() == "footer"
                || e.attr("role") == Some("contentinfo")
                || Hints::of(*e).any(&["footer", "copyright", "colophon"]))
                && outside(e)
        })
        .collect();
    let in_footer: Vec<(ElementRef<'a>, String)> = footers
        .iter()
        .flat_map(|f| leaf_blocks(*f))
        .map(|e| (e, text_of(e)))
        .filter(|(_, t)| is_rights(t))
        .collect();
    if !in_footer.is_empty() {
        return (join(&in_footer), Vec::new());
    }
    let anywhere: Vec<(ElementRef<'a>, String)> = leaf_blocks(page.body)
        .into_iter()
        .map(|e| (e, text_of(e)))
        .filter(|(e, t)| is_rights(t) && outside(e) && !is_under_chrome(*e, page.body))
        .collect();
    if !anywhere.is_empty() {
        return (join(&anywhere), Vec::new());
    }
    let meta = page
        .meta("copyright")
        .or_else(|| page.meta("dc.rights"))
        .or_else(|| page.ld("copyrightNotice"));
    (meta, Vec::new())
}

/// Blocks of text with no block inside them (paragraph-like lines), in order.
fn leaf_blocks<'a>(el: ElementRef<'a>) -> Vec<ElementRef<'a>> {
    el.descendent_elements()
        .filter(|e| {
            matches!(
                e.value().name(),
                "p" | "div" | "li" | "section" | "footer" | "td" | "dd" | "address" | "small"
            ) && !e.child_elements().any(|c| is_block(c.value().name()))
                && !is_hidden(*e)
        })
        .collect()
}

/// Inside an ad, related links, comments, share bar… (below `top`).
fn is_under_chrome(el: ElementRef<'_>, top: ElementRef<'_>) -> bool {
    for a in std::iter::once(el).chain(el.ancestors().filter_map(ElementRef::wrap)) {
        if a == top {
            return false;
        }
        if matches!(a.value().name(), "nav" | "aside" | "form") {
            return true;
        }
        if matches!(
            Hints::of(a).rule(),
            Some(
                "ad" | "promo"
                    | "related"
                    | "share"
                    | "comments"
                    | "newsletter"
                    | "nav"
                    | "sidebar"
                    | "cookie"
                    | "popup"
            )
        ) {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------
// Dates.

/// A date anywhere in `s` as `YYYY-MM-DD` (ISO-like, `2024/9/14`,
/// `14 September 2024`, `September 14, 2024`, or a Chinese dateline as the
/// import's rules read it).
fn normalize_date(s: &str) -> Option<String> {
    let (y, m, d) = numeric_date(s).or_else(|| worded_date(s)).or_else(|| {
        let (_, _, date) = chrome::dateline(s)?;
        numeric_date(&date)
    })?;
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn numeric_date(s: &str) -> Option<(u32, u32, u32)> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
        if !starts {
            i += 1;
            continue;
        }
        let (y, j) = digits(&chars, i);
        if j - i == 4
            && let Some(date) = ymd_after(&chars, j, y)
        {
            return Some(date);
        }
        i = j;
    }
    None
}

/// The number made of the digits from `i`, and where they end.
fn digits(chars: &[char], i: usize) -> (u32, usize) {
    let mut n: u32 = 0;
    let mut j = i;
    while let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d);
        j += 1;
    }
    (n, j)
}

fn ymd_after(chars: &[char], j: usize, y: u32) -> Option<(u32, u32, u32)> {
    let sep = *chars.get(j)?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let sep2 = sep;
    let (m, k) = digits(chars, j + 1);
    if !(1..=2).contains(&(k - j - 1)) || *chars.get(k)? != sep2 {
        return None;
    }
    let (d, l) = digits(chars, k + 1);
    if !(1..=2).contains(&(l - k - 1)) {
        return None;
    }
    valid_date(y, m, d)
}

fn worded_date(s: &str) -> Option<(u32, u32, u32)> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    (0..words.len()).find_map(|i| {
        let (a, b, c) = (words.get(i)?, words.get(i + 1)?, words.get(i + 2)?);
        let year = year_word(c)?;
        match (day_word(a), month_word(b), month_word(a), day_word(b)) {
            (Some(d), Some(m), _, _) | (_, _, Some(m), Some(d)) => valid_date(year, m, d),
            _ => None,
        }
    })
}

fn day_word(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.');
    let w = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .unwrap_or(w);
    (w.len() <= 2).then(|| w.parse().ok()).flatten()
}

fn month_word(w: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = w.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    let found = MONTHS
        .iter()
        .position(|m| m.starts_with(&w) || (w == "sept" && *m == "september"))?;
    Some(found as u32 + 1)
}

fn year_word(w: &str) -> Option<u32> {
    let w = w.trim_end_matches(|c: char| !c.is_ascii_digit());
    (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
        .then(|| w.parse().ok())
        .flatten()
        .filter(|y| (1000..3000).contains(y))
}

fn valid_date(y: u32, m: u32, d: u32) -> Option<(u32, u32, u32)> {
    if !(1000..3000).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (d <= days).then_some((y, m, d))
}

/// The calendar date of a Unix time seen at UTC+`offset` seconds.
fn date_from_unix(secs: i64, offset: i64) -> String {
    let days = secs.saturating_add(offset).div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------
// URLs.

/// An absolute URL split as RFC 3986 does (the fragment is not kept).
#[derive(Debug, Clone)]
struct Url {
    scheme: String,
    authority: Option<String>,
    path: String,
    query: Option<String>,
}

/// The parts of a URL reference.
struct Parts<'s> {
    scheme: Option<&'s str>,
    authority: Option<&'s str>,
    path: &'s str,
    query: Option<&'s str>,
    fragment: Option<&'s str>,
}

fn split_url(s: &str) -> Parts<'_> {
    let (s, fragment) = match s.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let (s, query) = match s.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (s, None),
    };
    let scheme_end = s.find(':').filter(|&i| {
        let sch = &s[..i];
        sch.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && sch
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let (scheme, rest) = match scheme_end {
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (Some(&r[..i]), &r[i..]),
            None => (Some(r), ""),
        },
        None => (None, rest),
    };
    Parts {
        scheme,
        authority,
        path,
        query,
        fragment,
    }
}

impl Url {
    /// An absolute hierarchical URL (`https://host/path`), else `None`.
    fn parse(s: &str) -> Option<Url> {
        let p = split_url(s.trim());
        Some(Url {
            scheme: p.scheme?.to_ascii_lowercase(),
            authority: Some(p.authority?.to_string()),
            path: remove_dots(p.path),
            query: p.query.map(str::to_string),
        })
    }
}

/// `reference` resolved against `base` (RFC 3986, section 5.2).
fn resolve(base: &Url, reference: &str) -> String {
    let r = clean_url(reference);
    let p = split_url(&r);
    if let Some(scheme) = p.scheme {
        if p.authority.is_none() {
            return r; // mailto:, tel:, data:…
        }
        return assemble(
            scheme,
            p.authority,
            &remove_dots(p.path),
            p.query,
            p.fragment,
        );
    }
    let (authority, path, query) = if p.authority.is_some() {
        (p.authority, remove_dots(p.path), p.query)
    } else if p.path.is_empty() {
        (
            base.authority.as_deref(),
            base.path.clone(),
            p.query.or(base.query.as_deref()),
        )
    } else if p.path.starts_with('/') {
        (base.authority.as_deref(), remove_dots(p.path), p.query)
    } else {
        let merged = match base.path.rfind('/') {
            Some(i) => format!("{}{}", &base.path[..=i], p.path),
            None => format!("/{}", p.path),
        };
        (base.authority.as_deref(), remove_dots(&merged), p.query)
    };
    assemble(&base.scheme, authority, &path, query, p.fragment)
}

fn assemble(
    scheme: &str,
    authority: Option<&str>,
    path: &str,
    query: Option<&str>,
    fragment: Option<&str>,
) -> String {
    let mut s = format!("{scheme}:");
    if let Some(a) = authority {
        s.push_str("//");
        s.push_str(a);
    }
    s.push_str(path);
    if let Some(q) = query {
        s.push('?');
        s.push_str(q);
    }
    if let Some(f) = fragment {
        s.push('#');
        s.push_str(f);
    }
    s
}

/// RFC 3986 `remove_dot_segments`.
fn remove_dots(path: &str) -> String {
    let absolute = path.starts_with('/');
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut out: Vec<&str> = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        if i == 0 && absolute {
            continue;
        }
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// A URL as browsers read an attribute: trimmed, tabs and newlines removed.
fn clean_url(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

fn is_web_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")) && s.len() > 8
}

/// A URL written as a Markdown link destination.
fn md_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for (i, c) in url.char_indices() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '\\' => out.push_str("%5C"),
            '&' if looks_like_entity(&url[i..]) => out.push_str("\\&"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `&name;` or `&#123;` (which Markdown would decode).
fn looks_like_entity(s: &str) -> bool {
    let body = &s[1..];
    let end = body.find(';').filter(|&e| e > 0 && e <= 32);
    end.is_some_and(|e| {
        let name = &body[..e];
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '#')
    })
}

// ---------------------------------------------------------------------------
// Element helpers.

/// A key for an element (its address in the parsed tree, stable while the tree lives).
fn key(el: ElementRef<'_>) -> usize {
    std::ptr::from_ref(el.value()).addr()
}

const INVISIBLE: &[&str] = &["script", "style", "noscript", "template", "head", "title"];

/// Block-level elements (text on either side of them is another paragraph).
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "caption"
    )
}

fn has_block_descendant(el: ElementRef<'_>) -> bool {
    el.descendent_elements()
        .skip(1)
        .any(|d| is_block(d.value().name()))
}

/// The text an element shows, white space collapsed (blocks set apart by a space).
fn text_of(el: ElementRef<'_>) -> String {
    let mut s = String::new();
    for node in el.descendants() {
        match node.value() {
            Node::Text(t) => {
                let hidden = node
                    .parent()
                    .and_then(|p| {
                        p.value()
                            .as_element()
                            .map(|e| INVISIBLE.contains(&e.name()))
                    })
                    .unwrap_or(false);
                if !hidden {
                    s.push_str(t);
                }
            }
            Node::Element(e) if is_block(e.name()) || e.name() == "br" => s.push(' '),
            _ => {}
        }
    }
    collapse(&s)
}

/// Characters of shown text (a cheap measure for choosing containers).
fn text_len(el: ElementRef<'_>) -> usize {
    el.descendants()
        .filter(|n| {
            !n.parent()
                .and_then(|p| {
                    p.value()
                        .as_element()
                        .map(|e| INVISIBLE.contains(&e.name()))
                })
                .unwrap_or(false)
        })
        .filter_map(|n| n.value().as_text().map(|t| t.trim().chars().count()))
        .sum()
}

/// White space runs → one space, trimmed; invisible characters removed.
fn collapse(s: &str) -> String {
    let cleaned: String = s.chars().filter(|c| !is_invisible_char(*c)).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_invisible_char(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}')
}

fn by_id<'a>(body: ElementRef<'a>, id: &str) -> Option<ElementRef<'a>> {
    body.descendent_elements()
        .find(|e| e.value().id() == Some(id))
}

/// `el` has an ancestor element named `tag`.
fn is_in(el: ElementRef<'_>, tag: &str) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == tag)
}

/// `el` is `outer` or inside it.
fn is_within(el: ElementRef<'_>, outer: ElementRef<'_>) -> bool {
    el == outer
        || el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| a == outer)
}

/// Hidden by an attribute or an inline style (`aria-hidden` is not hidden:
/// sighted readers see that text).
fn is_hidden(el: ElementRef<'_>) -> bool {
    if el.attr("hidden").is_some() {
        return true;
    }
    el.attr("style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// The words of an element's class names and id.
struct Hints {
    /// Whole names, lowercased.
    whole: Vec<String>,
    /// Names split at `-`, `_` and camelCase, lowercased.
    parts: Vec<String>,
}

/// Class/id words → the rule that drops such an element inside the article.
const HINTS: &[(&str, &str)] = &[
    ("ad", "ad"),
    ("ads", "ad"),
    ("advert", "ad"),
    ("adverts", "ad"),
    ("advertisement", "ad"),
    ("adsbygoogle", "ad"),
    ("adslot", "ad"),
    ("adunit", "ad"),
    ("dfp", "ad"),
    ("sponsor", "ad"),
    ("sponsored", "ad"),
    ("promo", "promo"),
    ("promotion", "promo"),
    ("promoted", "promo"),
    ("related", "related"),
    ("recommended", "related"),
    ("recommendations", "related"),
    ("outbrain", "related"),
    ("taboola", "related"),
    ("mostread", "related"),
    ("trending", "related"),
    ("readmore", "related"),
    ("share", "share"),
    ("sharing", "share"),
    ("sharebar", "share"),
    ("social", "share"),
    ("addthis", "share"),
    ("shareaholic", "share"),
    ("comment", "comments"),
    ("comments", "comments"),
    ("disqus", "comments"),
    ("replies", "comments"),
    ("respond", "comments"),
    ("newsletter", "newsletter"),
    ("subscribe", "newsletter"),
    ("subscription", "newsletter"),
    ("signup", "newsletter"),
    ("paywall", "newsletter"),
    ("cookie", "cookie"),
    ("cookies", "cookie"),
    ("consent", "cookie"),
    ("gdpr", "cookie"),
    ("nav", "nav"),
    ("navbar", "nav"),
    ("navigation", "nav"),
    ("menu", "nav"),
    ("breadcrumb", "nav"),
    ("breadcrumbs", "nav"),
    ("pagination", "nav"),
    ("pager", "nav"),
    ("sidebar", "sidebar"),
    ("widget", "sidebar"),
    ("popup", "popup"),
    ("modal", "popup"),
    ("overlay", "popup"),
    ("toolbar", "popup"),
    ("tags", "tags"),
    ("topics", "tags"),
];
/// Whole class names of text that is not shown.
const HIDDEN_CLASSES: &[&str] = &[
    "hidden",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "screen-reader-text",
    "screenreader-text",
    "d-none",
    "invisible",
];
/// Words that keep a long, text-heavy element the hints would drop.
const KEEP: &[&str] = &[
    "article", "body", "content", "main", "entry", "story", "text", "post",
];

impl Hints {
    fn of(el: ElementRef<'_>) -> Hints {
        let mut whole: Vec<String> = el.value().classes().map(str::to_lowercase).collect();
        if let Some(id) = el.value().id() {
            whole.push(id.to_lowercase());
        }
        let mut parts = Vec::new();
        let names: Vec<&str> = el.value().classes().chain(el.value().id()).collect();
        for name in names {
            name_parts(name, &mut parts);
        }
        Hints { whole, parts }
    }

    fn any(&self, words: &[&str]) -> bool {
        self.parts
            .iter()
            .chain(&self.whole)
            .any(|p| words.contains(&p.as_str()))
    }

    /// The drop rule the words call for.
    fn rule(&self) -> Option<&'static str> {
        if self
            .whole
            .iter()
            .any(|w| HIDDEN_CLASSES.contains(&w.as_str()))
        {
            return Some("hidden");
        }
        self.parts
            .iter()
            .chain(&self.whole)
            .find_map(|p| HINTS.iter().find(|(w, _)| w == p).map(|(_, r)| *r))
    }
}

/// Splits a class or id at non-alphanumerics and camelCase humps.
fn name_parts(name: &str, out: &mut Vec<String>) {
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
}

/// Why an element inside the article is left out, if it is.
fn drop_rule(el: ElementRef<'_>) -> Option<&'static str> {
    let name = el.value().name();
    let by_tag = match name {
        "script" | "style" | "noscript" | "template" | "link" | "meta" | "svg" | "canvas"
        | "map" | "object" | "embed" | "param" | "source" | "track" | "head" | "title" | "rt"
        | "rp" => Some("invisible"),
        "iframe" | "video" | "audio" => Some("embed"),
        "nav" => Some("nav"),
        "aside" => Some("aside"),
        "form" => Some("form"),
        "button" | "input" | "select" | "textarea" | "option" | "dialog" => Some("control"),
        "header" => Some("header"),
        "footer" => Some("footer"),
        _ => None,
    };
    if by_tag.is_some() {
        return by_tag;
    }
    let by_role = match el.attr("role").unwrap_or("") {
        "navigation" | "menu" | "menubar" | "toolbar" | "search" => Some("nav"),
        "complementary" => Some("aside"),
        "dialog" | "alertdialog" => Some("popup"),
        "banner" => Some("header"),
        "contentinfo" => Some("footer"),
        _ => None,
    };
    if by_role.is_some() {
        return by_role;
    }
    let hints = Hints::of(el);
    if let Some(rule) = hints.rule() {
        let keep =
            rule != "hidden" && hints.any(KEEP) && text_len(el) >= 200 && link_density(el) < 0.5;
        if !keep {
            return Some(rule);
        }
    }
    if is_hidden(el) {
        return Some("hidden");
    }
    let byline = hints.any(&[
        "byline",
        "dateline",
        "author",
        "authors",
        "meta",
        "published",
        "timestamp",
        "posted",
    ]);
    if byline && is_block(name) && text_len(el) <= 200 {
        return Some("byline");
    }
    None
}

/// A caption or credit line (WordPress' `.wp-caption-text`, `.credit`…).
fn is_caption(el: ElementRef<'_>) -> bool {
    Hints::of(el).any(&["caption", "credit", "credits"]) && text_len(el) <= 300
}

// ---------------------------------------------------------------------------
// Converting the article to Markdown: inline runs.

/// An inline piece of a paragraph.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Text, white space already collapsed to single spaces.
    Text(String),
    Code(String),
    /// A hard line break.
    Break,
    /// A footnote reference (its number).
    Note(usize),
    Open(Mark, u32),
    Close(u32),
}

#[derive(Debug, Clone, PartialEq)]
enum Mark {
    Em,
    Strong,
    Link(String),
}

impl Mark {
    fn slot(&self) -> usize {
        match self {
            Mark::Em => 0,
            Mark::Strong => 1,
            Mark::Link(_) => 2,
        }
    }
}

/// How inline Markdown is written.
#[derive(Debug, Clone, Copy, Default)]
struct Style {
    /// `#`, `{`, `}` escaped everywhere (heading text).
    heading: bool,
    /// A table cell: no code span may hold `|`.
    table: bool,
}

/// A run's Markdown (the only place inline Markdown is written): normalised,
/// rendered, and checked against the text it must show.
fn inline_markdown(run: Vec<Tok>, style: Style) -> Option<String> {
    let run = normalize(run);
    if !run
        .iter()
        .any(|t| matches!(t, Tok::Text(s) | Tok::Code(s) if !s.is_empty()))
    {
        return None;
    }
    let marks: HashMap<u32, Mark> = run
        .iter()
        .filter_map(|t| match t {
            Tok::Open(m, id) => Some((*id, m.clone())),
            _ => None,
        })
        .collect();
    let mut omit: HashSet<u32> = HashSet::new();
    let mut rendered = render(&run, &omit, style);
    for _ in 0..8 {
        let bad = badly_flanked(&rendered, &marks);
        if bad.is_empty() {
            break;
        }
        omit.extend(bad);
        rendered = render(&run, &omit, style);
    }
    let expected = shown_text(&run);
    if renders_as(&rendered.md, &expected) {
        return Some(rendered.md);
    }
    // Emphasis the parser reads otherwise is dropped, then links: the text wins.
    let emphasis = marks.iter().filter(|(_, m)| !matches!(m, Mark::Link(_)));
    omit.extend(emphasis.map(|(id, _)| *id));
    let without_emphasis = render(&run, &omit, style).md;
    if renders_as(&without_emphasis, &expected) {
        return Some(without_emphasis);
    }
    omit.extend(marks.keys().copied());
    Some(render(&run, &omit, style).md)
}

/// The text a run shows (footnote references numbered from 1, as a lone
/// paragraph numbers them) and the footnote labels it uses.
fn shown_text(run: &[Tok]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut labels: Vec<usize> = Vec::new();
    for t in run {
        match t {
            Tok::Text(s) | Tok::Code(s) => text.push_str(s),
            Tok::Note(n) => {
                let local = match labels.iter().position(|l| l == n) {
                    Some(i) => i + 1,
                    None => {
                        labels.push(*n);
                        labels.len()
                    }
                };
                let _ = write!(text, "{local}");
            }
            _ => {}
        }
    }
    (text, labels)
}

/// Whether `md`, parsed as glossa parses chapters, shows exactly `expected`.
fn renders_as(md: &str, expected: &(String, Vec<usize>)) -> bool {
    let mut doc = md.to_string();
    for n in &expected.1 {
        let _ = write!(doc, "\n\n[^{n}]: x");
    }
    let blocks = visible_blocks(&doc);
    blocks.len() == 1 && blocks[0] == expected.0
}

/// Matched pairs only (a paragraph split can cut one), no emphasis inside
/// the same emphasis, no link inside a link.
fn balance(run: Vec<Tok>) -> Vec<Tok> {
    let mut opened: HashMap<u32, usize> = HashMap::new();
    let mut closed: HashSet<u32> = HashSet::new();
    for t in &run {
        match t {
            Tok::Open(m, id) => {
                opened.insert(*id, m.slot());
            }
            Tok::Close(id) if opened.contains_key(id) => {
                closed.insert(*id);
            }
            _ => {}
        }
    }
    let mut depth = [0u32; 3];
    let mut inner: HashSet<u32> = HashSet::new();
    let mut out = Vec::with_capacity(run.len());
    for t in run {
        match &t {
            Tok::Open(m, id) => {
                if !closed.contains(id) {
                    continue;
                }
                if depth[m.slot()] > 0 {
                    inner.insert(*id);
                    continue;
                }
                depth[m.slot()] += 1;
            }
            Tok::Close(id) => {
                if !closed.contains(id) || inner.contains(id) {
                    continue;
                }
                if let Some(slot) = opened.get(id) {
                    depth[*slot] = depth[*slot].saturating_sub(1);
                }
            }
            _ => {}
        }
        out.push(t);
    }
    out
}

fn normalize(run: Vec<Tok>) -> Vec<Tok> {
    let mut run = collapse_spaces(balance(run));
    for _ in 0..4 {
        let (next, changed) = spaces_outward(run);
        run = next;
        if !changed {
            break;
        }
    }
    remove_empty_pairs(run)
}

/// One space between words across pieces; none at the edges of a line.
fn collapse_spaces(run: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(run.len());
    let mut line_start = true;
    let mut prev_space = true;
    for t in run {
        match t {
            Tok::Text(s) => {
                let s = if prev_space {
                    s.trim_start_matches(' ')
                } else {
                    &s[..]
                };
                let s = if line_start { s.trim_start() } else { s };
                if s.is_empty() {
                    continue;
                }
                prev_space = s.ends_with(' ');
                line_start = false;
                out.push(Tok::Text(s.to_string()));
            }
            Tok::Break => {
                if line_start {
                    continue;
                }
                trim_trailing(&mut out);
                out.push(Tok::Break);
                line_start = true;
                prev_space = true;
            }
            Tok::Code(_) | Tok::Note(_) => {
                line_start = false;
                prev_space = false;
                out.push(t);
            }
            other => out.push(other),
        }
    }
    trim_trailing(&mut out);
    out
}

/// Trailing white space and breaks of a line removed (across closing marks).
fn trim_trailing(out: &mut Vec<Tok>) {
    enum Step {
        Remove,
        Skip,
        Stop,
    }
    let mut i = out.len();
    while i > 0 {
        i -= 1;
        let step = match &mut out[i] {
            Tok::Text(s) => {
                let len = s.trim_end().len();
                s.truncate(len);
                if s.is_empty() {
                    Step::Remove
                } else {
                    Step::Stop
                }
            }
            Tok::Open(..) | Tok::Close(_) => Step::Skip,
            Tok::Break => Step::Remove,
            _ => Step::Stop,
        };
        match step {
            Step::Remove => {
                out.remove(i);
            }
            Step::Skip => {}
            Step::Stop => return,
        }
    }
}

/// Spaces just inside emphasis or link marks moved outside them.
fn spaces_outward(run: Vec<Tok>) -> (Vec<Tok>, bool) {
    let mut out: Vec<Tok> = Vec::with_capacity(run.len() + 4);
    let mut changed = false;
    let mut iter = run.into_iter().peekable();
    while let Some(t) = iter.next() {
        match t {
            Tok::Open(m, id) => {
                if let Some(Tok::Text(s)) = iter.peek_mut()
                    && s.starts_with(' ')
                {
                    s.remove(0);
                    out.push(Tok::Text(" ".into()));
                    changed = true;
                }
                out.push(Tok::Open(m, id));
            }
            Tok::Close(id) => {
                let mut moved = false;
                if let Some(Tok::Text(s)) = out.last_mut()
                    && s.ends_with(' ')
                {
                    s.pop();
                    moved = true;
                    changed = true;
                }
                out.push(Tok::Close(id));
                if moved {
                    out.push(Tok::Text(" ".into()));
                }
            }
            other => out.push(other),
        }
    }
    (out, changed)
}

/// Empty text dropped, neighbouring text merged, marks around nothing removed.
fn remove_empty_pairs(run: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(run.len());
    for t in run {
        match t {
            Tok::Text(s) if s.is_empty() => {}
            Tok::Text(s) => match out.last_mut() {
                Some(Tok::Text(prev)) => prev.push_str(&s),
                _ => out.push(Tok::Text(s)),
            },
            Tok::Close(id) => {
                if matches!(out.last(), Some(Tok::Open(_, o)) if *o == id) {
                    out.pop();
                } else {
                    out.push(Tok::Close(id));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Rendered Markdown and where each emphasis mark sits in it.
struct Rendered {
    md: String,
    /// `(pair id, start, end)` of each `*` / `**` written.
    delims: Vec<(u32, usize, usize)>,
}

fn render(run: &[Tok], omit: &HashSet<u32>, style: Style) -> Rendered {
    let mut r = Rendered {
        md: String::new(),
        delims: Vec::new(),
    };
    let mut marks: HashMap<u32, &Mark> = HashMap::new();
    for t in run {
        match t {
            Tok::Text(s) => {
                let line_start = r.md.is_empty() || r.md.ends_with('\n');
                escape_into(&mut r.md, s, line_start, style.heading);
            }
            Tok::Code(s) => code_span(&mut r.md, s, style),
            Tok::Break => r.md.push_str("\\\n"),
            Tok::Note(n) => {
                let _ = write!(r.md, "[^{n}]");
            }
            Tok::Open(m, id) => {
                marks.insert(*id, m);
                if omit.contains(id) {
                    continue;
                }
                let start = r.md.len();
                r.md.push_str(match m {
                    Mark::Em => "*",
                    Mark::Strong => "**",
                    Mark::Link(_) => "[",
                });
                if !matches!(m, Mark::Link(_)) {
                    r.delims.push((*id, start, r.md.len()));
                }
            }
            Tok::Close(id) => {
                if omit.contains(id) {
                    continue;
                }
                let start = r.md.len();
                match marks.get(id) {
                    Some(Mark::Em) => r.md.push('*'),
                    Some(Mark::Strong) => r.md.push_str("**"),
                    Some(Mark::Link(url)) => {
                        let _ = write!(r.md, "]({})", md_url(url));
                        continue;
                    }
                    None => continue,
                }
                r.delims.push((*id, start, r.md.len()));
            }
        }
    }
    r
}

/// Emphasis pairs whose marks CommonMark would not read as opening and
/// closing (flanking rules), or that touch another `*`.
fn badly_flanked(r: &Rendered, marks: &HashMap<u32, Mark>) -> Vec<u32> {
    let mut seen: HashSet<u32> = HashSet::new();
    let mut bad = Vec::new();
    for &(id, start, end) in &r.delims {
        if !marks.contains_key(&id) {
            continue;
        }
        let prev = r.md[..start].chars().next_back();
        let next = r.md[end..].chars().next();
        let opening = seen.insert(id);
        let ok = if opening {
            left_flanking(prev, next)
        } else {
            right_flanking(prev, next)
        };
        if !ok || prev == Some('*') || next == Some('*') {
            bad.push(id);
        }
    }
    bad.sort_unstable();
    bad.dedup();
    bad
}

fn left_flanking(prev: Option<char>, next: Option<char>) -> bool {
    let Some(n) = next else { return false };
    if n.is_whitespace() {
        return false;
    }
    !is_punct(n) || prev.is_none_or(|p| p.is_whitespace() || is_punct(p))
}

fn right_flanking(prev: Option<char>, next: Option<char>) -> bool {
    let Some(p) = prev else { return false };
    if p.is_whitespace() {
        return false;
    }
    !is_punct(p) || next.is_none_or(|n| n.is_whitespace() || is_punct(n))
}

/// Punctuation as CommonMark's flanking rules see it (ASCII and the common
/// Unicode punctuation blocks; the round-trip check covers the rest).
fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{A1}' | '\u{A7}' | '\u{AB}' | '\u{B6}' | '\u{B7}' | '\u{BB}' | '\u{BF}'
            | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{2E00}'..='\u{2E7F}'
            | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}'
            | '\u{FE10}'..='\u{FE19}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF01}'..='\u{FF0F}'
            | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}')
}

/// Text escaped so that it renders as itself: characters that are Markdown
/// syntax anywhere, and at the start of a line what opens a block.
fn escape_into(out: &mut String, text: &str, line_start: bool, heading: bool) {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    for (i, c) in text.char_indices() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' => true,
            '#' | '{' | '}' if heading => true,
            '#' | '-' | '+' | '=' => line_start && i == 0,
            '.' | ')' => line_start && i > 0 && i == digits && digits <= 9,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
}

fn code_span(out: &mut String, code: &str, style: Style) {
    if style.table && code.contains('|') {
        let line_start = out.is_empty();
        escape_into(out, code, line_start, style.heading);
        return;
    }
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = code.starts_with('`')
        || code.ends_with('`')
        || (code.starts_with(' ') && code.ends_with(' ') && !code.trim().is_empty());
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    out.push_str(code);
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

/// A run split into paragraphs at double line breaks (outside any mark).
fn split_paragraphs(run: Vec<Tok>) -> Vec<Vec<Tok>> {
    let mut parts = Vec::new();
    let mut cur = Vec::new();
    let mut depth = 0i64;
    let mut breaks = 0;
    for t in run {
        match &t {
            Tok::Open(..) => depth += 1,
            Tok::Close(_) => depth -= 1,
            _ => {}
        }
        match &t {
            Tok::Break => breaks += 1,
            Tok::Text(s) if s.trim().is_empty() => {}
            _ => breaks = 0,
        }
        if matches!(t, Tok::Break) && breaks >= 2 && depth <= 0 {
            parts.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(t);
    }
    parts.push(cur);
    parts
}

/// The visible text of a run (for chapter titles).
fn plain_text(run: &[Tok]) -> String {
    let s: String = run
        .iter()
        .filter_map(|t| match t {
            Tok::Text(s) | Tok::Code(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    collapse(&s)
}

/// White space collapsed the HTML way, edges kept (as one space).
fn collapse_keep_edges(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_invisible_char(c) {
            continue;
        }
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0C}') {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Converting the article to Markdown: blocks.

/// What kind of Markdown block a converted element became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Para,
    Heading,
    /// A list and its marker (`-`, `*`, `.`, `)`).
    List(char),
    Quote,
    Code,
    Table,
    Figure,
    Rule,
}

enum Out {
    /// An `<h2>`: a new chapter with this title.
    Chapter(String),
    Block(Kind, String),
}

/// Where converted content goes: finished blocks, and the inline run of the
/// paragraph being built.
struct Sink {
    out: Vec<Out>,
    run: Vec<Tok>,
    /// The article's top level (where `<h2>` opens a chapter).
    top: bool,
    /// Collecting one line (a heading, a table cell): blocks become spaces.
    inline: bool,
}

impl Sink {
    fn blocks(top: bool) -> Sink {
        Sink {
            out: Vec::new(),
            run: Vec::new(),
            top,
            inline: false,
        }
    }

    fn inline() -> Sink {
        Sink {
            inline: true,
            ..Sink::blocks(false)
        }
    }

    fn text(&mut self, raw: &str) {
        let t = collapse_keep_edges(raw);
        if !t.is_empty() {
            self.run.push(Tok::Text(t));
        }
    }

    fn line_break(&mut self) {
        if self.inline {
            self.run.push(Tok::Text(" ".into()));
        } else {
            self.run.push(Tok::Break);
        }
    }

    /// Ends the paragraph being built.
    fn flush(&mut self) {
        if self.inline {
            self.run.push(Tok::Text(" ".into()));
            return;
        }
        let run = std::mem::take(&mut self.run);
        for part in split_paragraphs(run) {
            if let Some(md) = inline_markdown(part, Style::default()) {
                self.out.push(Out::Block(Kind::Para, md));
            }
        }
    }

    fn push(&mut self, kind: Kind, md: String) {
        self.flush();
        self.out.push(Out::Block(kind, md));
    }

    fn has_blocks(&self) -> bool {
        self.out.iter().any(|o| matches!(o, Out::Block(..))) || !plain_text(&self.run).is_empty()
    }

    fn last_kind(&self) -> Option<Kind> {
        match self.out.last() {
            Some(Out::Block(k, _)) => Some(*k),
            _ => None,
        }
    }

    /// The last thing written is a figure (a caption line may follow it).
    fn after_figure(&self) -> bool {
        self.last_kind() == Some(Kind::Figure) && plain_text(&self.run).is_empty()
    }
}

/// Deeper than this, an element's content is taken as plain text.
const MAX_DEPTH: usize = 120;

/// The converter's state for one article.
struct Conv<'a> {
    base: Option<Url>,
    title: Option<String>,
    moved: HashMap<usize, &'static str>,
    /// Footnote id → its definition element.
    notes: HashMap<String, ElementRef<'a>>,
    /// Footnote ids in page order, those defined inside the root only.
    notes_in_root: Vec<String>,
    note_containers: HashSet<usize>,
    /// Ids of the elements footnote references sit in (back-links point there).
    ref_ids: HashSet<String>,
    /// Footnote ids in reference order, and the chapter of each first reference.
    note_order: Vec<String>,
    note_index: HashMap<String, usize>,
    note_chapter: Vec<usize>,
    in_note: bool,
    chapter: usize,
    next_id: u32,
    depth: usize,
    figures: Vec<Figure>,
    dropped: Vec<(String, String)>,
}

impl<'a> Conv<'a> {
    fn new(page: &Page<'a>, root: ElementRef<'a>, meta: &Meta) -> Conv<'a> {
        let doc_url = meta.url.as_deref().and_then(Url::parse).or_else(|| {
            let og = page.meta("og:url")?;
            Url::parse(&og)
        });
        let base = match (&page.base_href, &doc_url) {
            (Some(href), Some(d)) => Url::parse(&resolve(d, href)),
            (Some(href), None) => Url::parse(href),
            (None, d) => d.clone(),
        };
        let mut conv = Conv {
            base,
            title: meta.title.as_deref().map(|t| collapse(t).to_lowercase()),
            moved: meta.moved.clone(),
            notes: HashMap::new(),
            notes_in_root: Vec::new(),
            note_containers: HashSet::new(),
            ref_ids: HashSet::new(),
            note_order: Vec::new(),
            note_index: HashMap::new(),
            note_chapter: Vec::new(),
            in_note: false,
            chapter: 0,
            next_id: 0,
            depth: 0,
            figures: Vec::new(),
            dropped: Vec::new(),
        };
        conv.find_footnotes(page.body, root);
        conv
    }

    /// Footnote lists (Pandoc, Jekyll/kramdown, WordPress, Substack,
    /// MediaWiki) and the ids of the elements the references sit in.
    fn find_footnotes(&mut self, body: ElementRef<'a>, root: ElementRef<'a>) {
        let mut outer: Option<ElementRef<'a>> = None;
        for c in body.descendent_elements().filter(|e| is_note_container(*e)) {
            // Page order: a container inside the last one taken is part of it.
            if outer.is_some_and(|o| is_within(c, o)) {
                continue;
            }
            outer = Some(c);
            self.note_containers.insert(key(c));
            self.note_definitions_in(c, root);
        }
        for a in body
            .descendent_elements()
            .filter(|e| e.value().name() == "a")
        {
            let target = a.attr("href").and_then(|h| h.trim().strip_prefix('#'));
            if target.is_some_and(|t| self.notes.contains_key(t)) {
                let holders = std::iter::once(a).chain(a.parent().and_then(ElementRef::wrap));
                for h in holders {
                    if let Some(id) = h.value().id() {
                        self.ref_ids.insert(id.to_string());
                    }
                }
            }
        }
    }

    /// The definitions in a footnote list: list items with an id, blocks with
    /// an id, or the block around an anchor with an id (Substack).
    fn note_definitions_in(&mut self, container: ElementRef<'a>, root: ElementRef<'a>) {
        let mut taken: Option<ElementRef<'a>> = None;
        for e in container.descendent_elements().skip(1) {
            let Some(id) = e.value().id() else { continue };
            if self.notes.contains_key(id) || taken.is_some_and(|t| is_within(e, t)) {
                continue;
            }
            let def = match e.value().name() {
                "li" | "div" | "p" | "aside" | "section" | "dd" => e,
                "a" | "span" | "sup" => e.parent().and_then(ElementRef::wrap).unwrap_or(e),
                _ => continue,
            };
            taken = Some(def);
            self.notes.insert(id.to_string(), def);
            if def.value().name() == "li" && is_within(def, root) {
                self.notes_in_root.push(id.to_string());
            }
        }
    }

    fn container(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) => sink.text(t),
                Node::Element(_) => {
                    if let Some(c) = ElementRef::wrap(child) {
                        self.element(c, sink);
                    }
                }
                _ => {}
            }
        }
    }

    /// A block container: its content is a paragraph (or several) of its own.
    fn block(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        sink.flush();
        self.container(el, sink);
        sink.flush();
    }

    fn element(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        if let Some(rule) = self.moved.get(&key(el)).copied() {
            self.drop_part(rule, el, sink);
            return;
        }
        if self.note_containers.contains(&key(el)) {
            return;
        }
        if let Some(rule) = drop_rule(el) {
            let quoted = matches!(rule, "header" | "footer")
                && el
                    .parent()
                    .and_then(ElementRef::wrap)
                    .is_some_and(|p| matches!(p.value().name(), "blockquote" | "figure"));
            if !quoted {
                self.drop_part(rule, el, sink);
                return;
            }
        }
        if self.depth > MAX_DEPTH {
            sink.text(&format!(" {} ", text_of(el)));
            return;
        }
        self.depth += 1;
        self.dispatch(el, sink);
        self.depth -= 1;
    }

    fn dispatch(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        let name = el.value().name();
        match name {
            "br" => sink.line_break(),
            "img" => self.image(el, sink),
            "h1" | "h2" => self.section(el, name == "h1", sink),
            "h3" | "h4" | "h5" | "h6" => {
                let level = name[1..].parse().unwrap_or(3);
                self.heading(el, level, sink);
            }
            "ul" | "ol" => self.list(el, name == "ol", sink),
            "blockquote" => self.quote(el, sink),
            "pre" => self.code_block(el, sink),
            "table" => self.table(el, sink),
            "figure" => self.figure(el, sink),
            "hr" => sink.push(Kind::Rule, "---".into()),
            "em" | "i" => self.wrap(el, Mark::Em, sink),
            "strong" | "b" => self.wrap(el, Mark::Strong, sink),
            "code" | "kbd" | "samp" | "tt" => self.code_span(el, sink),
            "a" => self.link(el, sink),
            "sup" => self.sup(el, sink),
            _ if sink.after_figure() && is_caption(el) => {
                let text = text_of(el);
                if let Some(f) = self.figures.last_mut().filter(|_| !text.is_empty()) {
                    f.caption = Some(match f.caption.take() {
                        Some(c) => format!("{c} {text}"),
                        None => text,
                    });
                }
            }
            _ if is_block(name) => self.block(el, sink),
            _ => self.container(el, sink),
        }
    }

    /// Records a part left out of the body (figures of a dropped header are kept).
    fn drop_part(&mut self, rule: &'static str, el: ElementRef<'a>, sink: &mut Sink) {
        let text = text_of(el);
        if rule != "invisible" && !text.is_empty() {
            let clipped: String = text.chars().take(300).collect();
            let clipped = if clipped.len() < text.len() {
                format!("{clipped}…")
            } else {
                clipped
            };
            self.dropped.push((rule.to_string(), clipped));
        } else if rule == "embed"
            && let Some(src) = el.attr("src").or_else(|| el.attr("data-src"))
        {
            self.dropped.push((rule.to_string(), clean_url(src)));
        }
        if rule == "header" {
            let figures: Vec<ElementRef<'a>> = el
                .descendent_elements()
                .filter(|e| e.value().name() == "figure")
                .collect();
            for f in figures {
                self.figure(f, sink);
            }
        }
    }

    fn new_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    /// An inline run and the blocks (figures…) found inside an element.
    fn inline_content(&mut self, el: ElementRef<'a>) -> (Vec<Tok>, Vec<Out>) {
        let mut temp = Sink::inline();
        self.container(el, &mut temp);
        (temp.run, temp.out)
    }

    /// `<h1>`/`<h2>`: a new chapter at the top level (the title `<h1>` is dropped).
    fn section(&mut self, el: ElementRef<'a>, is_h1: bool, sink: &mut Sink) {
        sink.flush();
        let (run, extra) = self.inline_content(el);
        let title = plain_text(&run);
        if !title.is_empty() {
            let same = self.title.as_deref() == Some(title.to_lowercase().as_str());
            if is_h1 && ((sink.top && !sink.has_blocks()) || same) {
                self.dropped.push(("title".into(), title));
            } else if sink.top {
                sink.out.push(Out::Chapter(title));
                self.chapter += 1;
            } else if let Some(md) = inline_markdown(
                run,
                Style {
                    heading: true,
                    table: false,
                },
            ) {
                sink.push(Kind::Heading, format!("### {md}"));
            }
        }
        sink.out.extend(extra);
    }

    fn heading(&mut self, el: ElementRef<'a>, level: usize, sink: &mut Sink) {
        sink.flush();
        let (run, extra) = self.inline_content(el);
        if let Some(md) = inline_markdown(
            run,
            Style {
                heading: true,
                table: false,
            },
        ) {
            sink.push(
                Kind::Heading,
                format!("{} {md}", "#".repeat(level.clamp(3, 6))),
            );
        }
        sink.out.extend(extra);
    }

    fn wrap(&mut self, el: ElementRef<'a>, mark: Mark, sink: &mut Sink) {
        if has_block_descendant(el) {
            self.block(el, sink);
            return;
        }
        let id = self.new_id();
        sink.run.push(Tok::Open(mark, id));
        self.container(el, sink);
        sink.run.push(Tok::Close(id));
    }

    fn code_span(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        if has_block_descendant(el) {
            self.block(el, sink);
            return;
        }
        let raw: String = el.text().collect();
        let code = collapse_keep_edges(&raw);
        let trimmed = code.trim_matches(' ');
        if trimmed.is_empty() {
            sink.text(&code);
            return;
        }
        if code.starts_with(' ') {
            sink.run.push(Tok::Text(" ".into()));
        }
        sink.run.push(Tok::Code(trimmed.to_string()));
        if code.ends_with(' ') {
            sink.run.push(Tok::Text(" ".into()));
        }
    }

    fn link(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        let href = el.attr("href").map(clean_url).unwrap_or_default();
        if let Some(target) = href.strip_prefix('#') {
            if self.notes.contains_key(target) {
                let n = self.note_number(target);
                sink.run.push(Tok::Note(n));
                return;
            }
            if self.in_note && (self.ref_ids.contains(target) || is_backlink(el)) {
                return;
            }
            // A heading's permalink (`#`, `¶`, `§`): page furniture.
            if matches!(
                text_of(el).as_str(),
                "" | "#" | "¶" | "§" | "🔗" | "link" | "Link"
            ) {
                return;
            }
        }
        if self.in_note && is_backlink(el) {
            return;
        }
        if has_block_descendant(el) {
            self.block(el, sink);
            return;
        }
        match self.link_target(&href) {
            Some(url) => {
                let id = self.new_id();
                sink.run.push(Tok::Open(Mark::Link(url), id));
                self.container(el, sink);
                sink.run.push(Tok::Close(id));
            }
            None => self.container(el, sink),
        }
    }

    /// Where a link goes, absolute when the page has a base; `None` for
    /// in-page anchors and scripts (their text is kept).
    fn link_target(&self, href: &str) -> Option<String> {
        let lower = href.to_ascii_lowercase();
        if href.is_empty()
            || href.starts_with('#')
            || ["javascript:", "data:", "vbscript:"]
                .iter()
                .any(|s| lower.starts_with(s))
        {
            return None;
        }
        Some(self.absolute(href))
    }

    fn absolute(&self, url: &str) -> String {
        match &self.base {
            Some(b) => resolve(b, url),
            None => clean_url(url),
        }
    }

    /// `<sup>` holding footnote references → the references alone (no brackets).
    fn sup(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        let refs: Vec<String> = el
            .descendent_elements()
            .filter(|e| e.value().name() == "a")
            .filter_map(|a| {
                let href = a.attr("href")?.trim();
                let id = href.strip_prefix('#')?;
                self.notes.contains_key(id).then(|| id.to_string())
            })
            .collect();
        if refs.is_empty() {
            self.container(el, sink);
            return;
        }
        for id in refs {
            let n = self.note_number(&id);
            sink.run.push(Tok::Note(n));
        }
    }

    /// The footnote's number (by first reference), noting the chapter it is first referenced in.
    fn note_number(&mut self, id: &str) -> usize {
        if let Some(i) = self.note_index.get(id) {
            return i + 1;
        }
        self.note_index
            .insert(id.to_string(), self.note_order.len());
        self.note_order.push(id.to_string());
        self.note_chapter.push(self.chapter);
        self.note_order.len()
    }
}

/// A list of footnotes or endnotes.
fn is_note_container(e: ElementRef<'_>) -> bool {
    let tag = matches!(
        e.value().name(),
        "section" | "div" | "ol" | "ul" | "aside" | "footer"
    );
    let class = e.value().classes().any(|c| {
        matches!(
            c,
            "footnotes"
                | "footnote"
                | "endnotes"
                | "footnotes-list"
                | "footnote-list"
                | "references"
                | "reflist"
        )
    });
    let role = matches!(e.attr("role"), Some("doc-endnotes" | "doc-footnotes"));
    tag && (class || role || e.value().id() == Some("footnotes"))
}

/// A footnote's link back to its reference.
fn is_backlink(el: ElementRef<'_>) -> bool {
    let role = el.attr("role") == Some("doc-backlink");
    let class = el.value().classes().any(|c| {
        matches!(
            c,
            "footnote-back"
                | "footnote-backref"
                | "reversefootnote"
                | "footnote-return"
                | "backlink"
                | "fn-backref"
        )
    });
    let href = el
        .attr("href")
        .is_some_and(|h| h.trim().starts_with("#fnref") || h.trim().starts_with("#ref"));
    let text = text_of(el);
    let arrow = matches!(
        text.trim_end_matches(['\u{fe0e}', '\u{fe0f}']),
        "↩" | "↑" | "^" | "⤴" | "⬆" | "⮌"
    );
    role || class || href || arrow
}

impl<'a> Conv<'a> {
    fn list(&mut self, el: ElementRef<'a>, ordered: bool, sink: &mut Sink) {
        sink.flush();
        let bullet = match (ordered, sink.last_kind()) {
            (true, Some(Kind::List('.'))) => ')',
            (true, _) => '.',
            (false, Some(Kind::List('-'))) => '*',
            (false, _) => '-',
        };
        let mut n: u64 = el
            .attr("start")
            .and_then(|s| s.trim().parse().ok())
            .filter(|n| *n < 1_000_000_000)
            .unwrap_or(1);
        let mut lines: Vec<String> = Vec::new();
        let mut lifted: Vec<String> = Vec::new();
        for item in el.child_elements() {
            if let Some(rule) = drop_rule(item) {
                self.drop_part(rule, item, sink);
                continue;
            }
            let marker = if ordered {
                format!("{n}{bullet} ")
            } else {
                format!("{bullet} ")
            };
            n += 1;
            let blocks = self.item_blocks(item, &mut lifted);
            if let Some(md) = item_markdown(&marker, &blocks) {
                lines.push(md);
            }
        }
        if !lines.is_empty() {
            sink.push(Kind::List(bullet), lines.join("\n"));
        }
        for md in lifted {
            sink.push(Kind::Figure, md);
        }
    }

    /// A list item's blocks; its figures are lifted out to follow the list.
    fn item_blocks(
        &mut self,
        item: ElementRef<'a>,
        lifted: &mut Vec<String>,
    ) -> Vec<(Kind, String)> {
        let mut temp = Sink::blocks(false);
        if item.value().name() == "li" {
            self.container(item, &mut temp);
        } else {
            self.element(item, &mut temp);
        }
        temp.flush();
        let mut blocks = Vec::new();
        for o in temp.out {
            match o {
                Out::Block(Kind::Figure, md) => lifted.push(md),
                Out::Block(k, md) => blocks.push((k, md)),
                Out::Chapter(_) => {}
            }
        }
        blocks
    }

    fn quote(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        sink.flush();
        let mut temp = Sink::blocks(false);
        self.container(el, &mut temp);
        temp.flush();
        let inner = join_blocks(&temp.out);
        if inner.trim().is_empty() {
            return;
        }
        let md: Vec<String> = inner
            .lines()
            .map(|l| {
                if l.is_empty() {
                    ">".to_string()
                } else {
                    format!("> {l}")
                }
            })
            .collect();
        sink.push(Kind::Quote, md.join("\n"));
    }

    fn code_block(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        let mut text = String::new();
        pre_text(el, &mut text, 0);
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let body = text.strip_prefix('\n').unwrap_or(&text).trim_end();
        if body.trim().is_empty() {
            return;
        }
        let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat((longest + 1).max(3));
        let lang = code_language(el);
        sink.push(Kind::Code, format!("{fence}{lang}\n{body}\n{fence}"));
    }

    fn table(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        let rows = table_rows(el);
        if is_layout_table(el, &rows) {
            self.block(el, sink);
            return;
        }
        sink.flush();
        if let Some(cap) = el.child_elements().find(|c| c.value().name() == "caption") {
            let (run, _) = self.inline_content(cap);
            if let Some(md) = inline_markdown(run, Style::default()) {
                sink.push(Kind::Para, md);
            }
        }
        let cell_style = Style {
            heading: false,
            table: true,
        };
        let mut grid: Vec<Vec<String>> = Vec::new();
        let mut extra: Vec<Out> = Vec::new();
        for tr in &rows {
            let mut cells = Vec::new();
            for cell in tr
                .child_elements()
                .filter(|c| matches!(c.value().name(), "td" | "th"))
            {
                let (run, more) = self.inline_content(cell);
                extra.extend(more);
                cells.push(inline_markdown(run, cell_style).unwrap_or_default());
                let span: usize = cell
                    .attr("colspan")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                cells.extend(std::iter::repeat_n(String::new(), span.clamp(1, 20) - 1));
            }
            grid.push(cells);
        }
        if let Some(md) = table_markdown(grid) {
            sink.push(Kind::Table, md);
        }
        sink.out.extend(extra);
    }

    fn figure(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        let caption_el = el
            .child_elements()
            .find(|c| c.value().name() == "figcaption");
        let images = |e: ElementRef<'_>| {
            e.descendent_elements()
                .filter(|d| d.value().name() == "img")
                .count()
        };
        if images(el) <= caption_el.map_or(0, images) {
            self.block(el, sink);
            return;
        }
        sink.flush();
        let before = self.figures.len();
        for child in el.children() {
            match child.value() {
                Node::Text(t) => sink.text(t),
                Node::Element(_) => match ElementRef::wrap(child) {
                    Some(c) if Some(c) == caption_el => {}
                    Some(c) => self.element(c, sink),
                    None => {}
                },
                _ => {}
            }
        }
        sink.flush();
        let caption = caption_el.map(text_of).filter(|c| !c.is_empty());
        if self.figures.len() > before
            && let Some(f) = self.figures.last_mut()
        {
            f.caption = caption.or(f.caption.take());
        }
    }

    fn image(&mut self, el: ElementRef<'a>, sink: &mut Sink) {
        if Hints::of(el).any(&["emoji", "smiley", "emoticon"]) {
            // An emoji drawn as an image is a character of the text.
            let alt = el.attr("alt").unwrap_or("").trim();
            if alt.chars().count() <= 4 {
                sink.text(alt);
            }
            return;
        }
        let Some(src) = image_source(el) else {
            return;
        };
        let tiny = ["width", "height"].iter().any(|a| {
            el.attr(a)
                .and_then(|v| v.trim().trim_end_matches("px").parse::<f64>().ok())
                .is_some_and(|v| v <= 2.0)
        });
        if tiny {
            return;
        }
        let src = self.absolute(&src);
        let alt = collapse(el.attr("alt").unwrap_or(""));
        let mut md = String::from("![");
        escape_into(&mut md, &alt, false, false);
        let _ = write!(md, "]({})", md_url(&src));
        sink.push(Kind::Figure, md);
        self.figures.push(Figure {
            alt,
            src,
            caption: None,
        });
    }
}

/// A list item as Markdown: its paragraphs on the marker's line, nested
/// lists indented under it, other blocks after a blank line.
fn item_markdown(marker: &str, blocks: &[(Kind, String)]) -> Option<String> {
    if blocks.is_empty() {
        return None;
    }
    let indent = " ".repeat(marker.len());
    let lead = blocks.iter().take_while(|(k, _)| *k == Kind::Para).count();
    let first: Vec<&str> = blocks[..lead].iter().map(|(_, md)| md.as_str()).collect();
    let mut out = marker.trim_end().to_string();
    if !first.is_empty() {
        out.push(' ');
        out.push_str(&indent_lines(&first.join(" "), &indent, false));
    }
    for (k, md) in &blocks[lead..] {
        out.push_str(if matches!(k, Kind::List(_)) {
            "\n"
        } else {
            "\n\n"
        });
        out.push_str(&indent_lines(md, &indent, true));
    }
    Some(out)
}

/// Every non-empty line indented (the first one too, or not).
fn indent_lines(md: &str, indent: &str, first_too: bool) -> String {
    let lines: Vec<String> = md
        .split('\n')
        .enumerate()
        .map(|(i, l)| {
            if l.is_empty() || (i == 0 && !first_too) {
                l.to_string()
            } else {
                format!("{indent}{l}")
            }
        })
        .collect();
    lines.join("\n")
}

fn join_blocks(out: &[Out]) -> String {
    let blocks: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Out::Block(_, md) => Some(md.as_str()),
            Out::Chapter(_) => None,
        })
        .collect();
    blocks.join("\n\n")
}

/// The text of a `<pre>`: as written, `<br>` and line elements as newlines.
fn pre_text(el: ElementRef<'_>, out: &mut String, depth: usize) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let Some(c) = ElementRef::wrap(child) else {
                    continue;
                };
                match e.name() {
                    "br" => out.push('\n'),
                    n if INVISIBLE.contains(&n) => {}
                    _ if depth > MAX_DEPTH => out.push_str(&c.text().collect::<String>()),
                    n => {
                        pre_text(c, out, depth + 1);
                        if matches!(n, "div" | "p" | "li") && !out.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `language-x` / `lang-x` on the `<code>` or the `<pre>`, or `data-lang`.
fn code_language(pre: ElementRef<'_>) -> String {
    let code = pre.child_elements().find(|c| c.value().name() == "code");
    let from_class = [code, Some(pre)].into_iter().flatten().find_map(|e| {
        e.value().classes().find_map(|c| {
            c.strip_prefix("language-")
                .or_else(|| c.strip_prefix("lang-"))
                .or_else(|| c.strip_prefix("highlight-source-"))
                .map(str::to_string)
        })
    });
    let lang = from_class
        .or_else(|| {
            [code, Some(pre)]
                .into_iter()
                .flatten()
                .find_map(|e| e.attr("data-lang").map(str::to_string))
        })
        .unwrap_or_default();
    lang.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '_' | '.' | '-'))
        .take(30)
        .collect()
}

/// The rows of a table (not of tables inside it), in page order.
fn table_rows<'a>(table: ElementRef<'a>) -> Vec<ElementRef<'a>> {
    let mut rows = Vec::new();
    for child in table.child_elements() {
        match child.value().name() {
            "tr" => rows.push(child),
            "thead" | "tbody" | "tfoot" => {
                rows.extend(child.child_elements().filter(|r| r.value().name() == "tr"))
            }
            _ => {}
        }
    }
    // The header row first, wherever the page put its <thead>.
    if let Some(i) = rows.iter().position(|r| {
        r.parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| p.value().name() == "thead")
    }) {
        let head = rows.remove(i);
        rows.insert(0, head);
    }
    rows
}

/// Tables used for layout (nested tables, one row or column, block content in cells).
fn is_layout_table(table: ElementRef<'_>, rows: &[ElementRef<'_>]) -> bool {
    let cols = rows
        .iter()
        .map(|r| {
            r.child_elements()
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .count()
        })
        .max()
        .unwrap_or(0);
    let blocky = table.descendent_elements().skip(1).any(|d| {
        matches!(
            d.value().name(),
            "table"
                | "ul"
                | "ol"
                | "blockquote"
                | "pre"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "figure"
                | "dl"
        )
    });
    table.attr("role") == Some("presentation") || rows.len() < 2 || cols < 2 || blocky
}

/// A GFM pipe table from rendered cells (the first row is the header).
fn table_markdown(mut grid: Vec<Vec<String>>) -> Option<String> {
    let cols = grid.iter().map(Vec::len).max().unwrap_or(0);
    if cols == 0 || grid.iter().all(|r| r.iter().all(String::is_empty)) {
        return None;
    }
    for row in &mut grid {
        row.resize(cols, String::new());
    }
    let line = |row: &[String]| format!("| {} |", row.join(" | "));
    let mut lines = Vec::with_capacity(grid.len() + 1);
    for (i, row) in grid.iter().enumerate() {
        lines.push(line(row));
        if i == 0 {
            lines.push(line(&vec!["---".to_string(); cols]));
        }
    }
    Some(lines.join("\n"))
}

/// Where an image really lives: `src` unless it is a placeholder, else the
/// lazy-loading attributes, else the first `srcset` candidate.
fn image_source(el: ElementRef<'_>) -> Option<String> {
    let usable = |v: &str| {
        let v = v.trim().to_ascii_lowercase();
        !v.is_empty()
            && !v.starts_with("data:")
            && !v.starts_with("about:")
            && !v.starts_with("javascript:")
    };
    let lazy = [
        "data-src",
        "data-original",
        "data-lazy-src",
        "data-actualsrc",
        "data-url",
        "data-hi-res-src",
    ]
    .iter()
    .find_map(|a| el.attr(a).filter(|v| usable(v)));
    let src = el.attr("src").filter(|v| usable(v));
    let placeholder = src.is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        [
            "placeholder",
            "blank.",
            "spacer",
            "lazy",
            "loading",
            "1x1",
            "pixel.",
        ]
        .iter()
        .any(|p| s.contains(p))
    });
    let chosen = match (src, lazy) {
        (Some(_), Some(l)) if placeholder => Some(l),
        (Some(s), _) => Some(s),
        (None, l) => l,
    };
    let first_candidate = |set: &str| {
        set.split(',')
            .next()?
            .split_whitespace()
            .next()
            .map(str::to_string)
    };
    chosen
        .map(clean_url)
        .or_else(|| {
            ["srcset", "data-srcset", "data-lazy-srcset"]
                .iter()
                .find_map(|a| el.attr(a).and_then(first_candidate).filter(|v| usable(v)))
        })
        .or_else(|| noscript_source(el))
        .or_else(|| {
            let picture = el
                .parent()
                .and_then(ElementRef::wrap)
                .filter(|p| p.value().name() == "picture")?;
            picture
                .child_elements()
                .filter(|s| s.value().name() == "source")
                .find_map(|s| {
                    s.attr("srcset")
                        .and_then(first_candidate)
                        .filter(|v| usable(v))
                })
        })
}

/// A lazy-loading page's real image, kept in the `<noscript>` after the placeholder.
fn noscript_source(el: ElementRef<'_>) -> Option<String> {
    let next = el.next_siblings().find_map(ElementRef::wrap)?;
    if next.value().name() != "noscript" {
        return None;
    }
    let raw: String = next.text().collect();
    let at = raw.find("src=")? + 4;
    let rest = raw.get(at..)?;
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let value = rest[1..].split(quote).next()?;
    let value = decode_entities(value);
    (!value.trim().is_empty() && !value.trim_start().starts_with("data:"))
        .then(|| clean_url(&value))
}

impl<'a> Conv<'a> {
    /// The top-level blocks split into chapters, each with the definitions of
    /// the footnotes first referenced in it (unreferenced ones go last).
    fn chapters(&mut self, out: Vec<Out>) -> Vec<ArticleChapter> {
        let mut chapters: Vec<(Option<String>, Vec<String>)> = vec![(None, Vec::new())];
        for o in out {
            match o {
                Out::Chapter(t) => chapters.push((Some(t), Vec::new())),
                Out::Block(_, md) => {
                    if let Some(c) = chapters.last_mut() {
                        c.1.push(md);
                    }
                }
            }
        }
        let last = chapters.len() - 1;
        for (chapter, md) in self.note_definitions() {
            if let Some(c) = chapters.get_mut(chapter.min(last)) {
                c.1.push(md);
            }
        }
        chapters
            .into_iter()
            .enumerate()
            .filter(|(i, (_, blocks))| *i > 0 || !blocks.is_empty())
            .map(|(_, (title, blocks))| ArticleChapter {
                title,
                markdown: if blocks.is_empty() {
                    String::new()
                } else {
                    blocks.join("\n\n") + "\n"
                },
            })
            .collect()
    }

    /// `(chapter, "[^n]: …")` for every footnote, in number order.
    fn note_definitions(&mut self) -> Vec<(usize, String)> {
        let unreferenced: Vec<String> = self
            .notes_in_root
            .iter()
            .filter(|id| !self.note_index.contains_key(*id))
            .cloned()
            .collect();
        for id in unreferenced {
            self.note_number(&id);
        }
        let mut defs = Vec::new();
        let mut i = 0;
        while i < self.note_order.len() {
            let id = self.note_order[i].clone();
            let chapter = self.note_chapter.get(i).copied().unwrap_or(0);
            if let Some(li) = self.notes.get(&id).copied()
                && let Some(md) = self.note_markdown(i + 1, li)
            {
                defs.push((chapter, md));
            }
            i += 1;
        }
        defs
    }

    fn note_markdown(&mut self, n: usize, li: ElementRef<'a>) -> Option<String> {
        let mut temp = Sink::blocks(false);
        let was = self.in_note;
        self.in_note = true;
        self.container(li, &mut temp);
        temp.flush();
        self.in_note = was;
        let blocks: Vec<&str> = temp
            .out
            .iter()
            .filter_map(|o| match o {
                Out::Block(_, md) => Some(md.as_str()),
                Out::Chapter(_) => None,
            })
            .collect();
        let (first, rest) = blocks.split_first()?;
        let mut md = format!("[^{n}]: {}", indent_lines(first, "    ", false));
        for b in rest {
            md.push_str("\n\n");
            md.push_str(&indent_lines(b, "    ", true));
        }
        Some(md)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!("<!DOCTYPE html><html><head><title>T</title></head><body>{body}</body></html>")
    }

    fn article(body: &str) -> Article {
        extract(&page(body)).expect("readable")
    }

    /// The chapter's blocks as glossa reads them (image-only paragraphs skipped).
    fn shown(md: &str) -> Vec<String> {
        visible_blocks(md)
            .into_iter()
            .filter(|b| !b.is_empty())
            .collect()
    }

    #[test]
    fn html_is_detected_by_content() {
        assert!(is_html(b"<!DOCTYPE html><html><body>x</body></html>"));
        assert!(is_html(b"\xEF\xBB\xBF<!doctype html>\n<title>x</title>"));
        assert!(is_html(b"\n\n   \t<html lang=\"en\">"));
        assert!(is_html(
            b"<!-- saved from url=(0042)https://example.com/ -->\n<html>"
        ));
        assert!(is_html(
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\">"
        ));
        assert!(is_html(b"<meta charset=\"utf-8\"><p>fragment</p>"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<html><body>x".bytes().flat_map(|b| [b, 0]))
            .collect();
        assert!(is_html(&utf16));
        assert!(!is_html(
            b"Notes on HTML\n\nA page starts with <html> and then <body>."
        ));
        assert!(!is_html("标题\n\n正文里提到 <html> 标签。".as_bytes()));
        assert!(!is_html(b"<p>a fragment, no document</p>"));
        assert!(!is_html(b""));
        assert!(!is_html(&[0xFF, 0xFE]));
        let late = format!("<p>{}</p><html>", "x".repeat(5000));
        assert!(!is_html(late.as_bytes()));
    }

    #[test]
    fn pages_without_text_are_unreadable() {
        for html in [
            "",
            "   \n",
            "<html><head><title>Only a title</title></head><body></body></html>",
            "<html><body><script>render()</script><noscript></noscript></body></html>",
            "<html><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav><form><button>Go</button></form></body></html>",
            "<html><body><p><br></p><div style='display:none'>hidden</div></body></html>",
        ] {
            let err = extract(html).expect_err(html);
            assert!(!err.why.is_empty());
        }
    }

    #[test]
    fn urls_resolve_as_rfc_3986_says() {
        let base = Url::parse("http://a/b/c/d;p?q").expect("base");
        for (r, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("https://other.example/x/../y", "https://other.example/y"),
            ("mailto:someone@example.com", "mailto:someone@example.com"),
            ("  /spaced\n/path ", "http://a/spaced/path"),
        ] {
            assert_eq!(resolve(&base, r), want, "{r:?}");
        }
        assert!(Url::parse("/relative").is_none());
        assert!(Url::parse("mailto:x@y").is_none());
    }

    #[test]
    fn links_and_images_are_made_absolute() {
        let a = extract(
            r##"<html><head><link rel="canonical" href="https://site.example/blog/post/">
            <base href="/assets/"></head><body><article>
            <p>See <a href="../other/">the other post</a>, <a href="//cdn.example/x.pdf">a file</a>,
            <a href="/about">about</a>, <a href="#top">the top</a> and <a href="javascript:void(0)">nothing</a>.</p>
            <p><img src="pic.png" alt="A picture"></p>
            <p><img src="data:image/gif;base64,R0lGOD" srcset="small.jpg 480w, big.jpg 1080w" alt="Lazy"></p>
            </article></body></html>"##,
        )
        .expect("readable");
        let md = &a.chapters[0].markdown;
        assert!(
            md.contains("[the other post](https://site.example/other/)"),
            "{md}"
        );
        assert!(md.contains("[a file](https://cdn.example/x.pdf)"), "{md}");
        assert!(md.contains("[about](https://site.example/about)"), "{md}");
        assert!(md.contains(" the top and nothing."), "{md}");
        let srcs: Vec<&str> = a.figures.iter().map(|f| f.src.as_str()).collect();
        assert_eq!(
            srcs,
            [
                "https://site.example/assets/pic.png",
                "https://site.example/assets/small.jpg"
            ]
        );
    }

    #[test]
    fn markdown_specials_render_as_the_page_shows_them() {
        let texts = [
            "*not emphasis* and _nor this_ or **that**",
            "[not a link](http://x) nor ![an image](y.png) nor [^1]",
            "`not code` <b>not html</b> &amp; not an entity &copy;",
            "# not a heading",
            "## neither",
            "1. not a list",
            "2024) not a list either",
            "- not a bullet",
            "+ nor this",
            "> not a quote",
            "=== not a setext underline",
            "--- not a rule",
            "back\\slash and a | pipe and ~tilde~",
            "100 * 3 = 300, a_b_c, snake_case_name",
            "“弯引号”与*星号*、【方括号】和 <尖括号>",
        ];
        for t in texts {
            let md = inline_markdown(vec![Tok::Text(t.to_string())], Style::default()).expect("md");
            assert_eq!(shown(&md), vec![t.to_string()], "{t:?} → {md:?}");
            let heading = inline_markdown(
                vec![Tok::Text(format!("{t} {{#id}} #"))],
                Style {
                    heading: true,
                    table: false,
                },
            )
            .expect("md");
            let line = format!("### {heading}");
            let doc = crate::text::parse(&line);
            let text: Vec<String> = doc
                .blocks
                .iter()
                .map(|b| b.text(&doc.text).into_owned())
                .collect();
            assert_eq!(text, vec![format!("{t} {{#id}} #")], "{heading:?}");
        }
    }

    #[test]
    fn emphasis_that_would_not_render_is_dropped_not_shown() {
        let a = article(
            "<article><p>他说<strong>“好的。”</strong>然后走了。<em> 空格 </em>结束</p><p>a<b>b</b>c and <i>x</i><em>y</em></p></article>",
        );
        let blocks = shown(&a.chapters[0].markdown);
        assert_eq!(blocks, ["他说“好的。”然后走了。 空格 结束", "abc and xy"]);
        assert!(!blocks.iter().any(|b| b.contains('*')));
        let md = &a.chapters[0].markdown;
        assert!(md.contains("a**b**c"), "{md}");
    }

    #[test]
    fn structure_becomes_markdown() {
        let a = article(
            "<article><h1>T</h1><p>Intro<br>second line</p><p>one<br><br>two</p>\
             <ul><li>a</li><li>b<ul><li>b1</li></ul></li></ul><ul><li>c</li></ul>\
             <ol start=\"3\"><li><p>x</p><p>y</p></li></ol>\
             <h2>Part <em>two</em></h2><h3>Sub</h3><blockquote>bare quote</blockquote>\
             <table><tr><td>k</td><td>v|w</td></tr><tr><td>1</td><td><code>a|b</code></td></tr></table>\
             <pre>plain\n  code ``` here</pre><hr><p>end</p></article>",
        );
        assert_eq!(a.chapters.len(), 2);
        assert_eq!(a.chapters[1].title.as_deref(), Some("Part two"));
        assert_eq!(
            shown(&a.chapters[0].markdown),
            // A hard break shows no character in glossa's reading text.
            ["Introsecond line", "one", "two", "a", "b", "b1", "c", "x y"]
        );
        let md = &a.chapters[0].markdown;
        assert!(md.contains("Intro\\\nsecond line"), "{md}");
        assert!(md.contains("- a\n- b\n  - b1\n\n* c\n\n3. x y"), "{md}");
        let md = &a.chapters[1].markdown;
        assert!(
            md.starts_with(
                "### Sub\n\n> bare quote\n\n| k | v\\|w |\n| --- | --- |\n| 1 | a\\|b |"
            ),
            "{md}"
        );
        assert!(md.contains("````\nplain\n  code ``` here\n````"), "{md}");
        assert!(md.contains("---\n\nend"), "{md}");
        assert_eq!(a.dropped[0], ("title".to_string(), "T".to_string()));
    }

    #[test]
    fn kramdown_and_wordpress_footnotes() {
        let a = article(
            r##"<article><p>Claim.<sup id="fnref:a"><a href="#fn:a" class="footnote">1</a></sup> More<sup>[<a href="#fn:b">2</a>]</sup>.</p>
            <h2>Later</h2><p>Again.<sup><a href="#fn:a">1</a></sup></p>
            <div class="footnotes"><ol>
            <li id="fn:a"><p>First <em>note</em>. <a href="#fnref:a" class="reversefootnote">&#8617;</a></p></li>
            <li id="fn:b"><p>Second note.</p><p>Its second paragraph. <a href="#fnref:b">↩︎</a></p></li>
            </ol></div></article>"##,
        );
        let md = &a.chapters[0].markdown;
        assert!(md.contains("Claim.[^1] More[^2]."), "{md}");
        assert!(md.contains("[^1]: First *note*."), "{md}");
        assert!(
            md.contains("[^2]: Second note.\n\n    Its second paragraph."),
            "{md}"
        );
        assert!(!md.contains('↩'), "{md}");
        assert!(a.chapters[1].markdown.contains("Again.[^1]"));
        assert!(!a.chapters[1].markdown.contains("[^1]:"));
    }

    #[test]
    fn substack_and_mediawiki_footnotes() {
        let a = article(
            r##"<article><p>Text<a class="footnote-anchor" id="footnote-anchor-1" href="#footnote-1">1</a> and
            a claim<sup id="cite_ref-2" class="reference"><a href="#cite_note-2">[2]</a></sup>.</p>
            <div class="footnote"><a id="footnote-1" href="#footnote-anchor-1" class="footnote-number">1</a>
            <div class="footnote-content"><p>Substack note.</p></div></div>
            <div class="reflist"><ol class="references"><li id="cite_note-2"><span class="mw-cite-backlink">
            <b><a href="#cite_ref-2">^</a></b></span> <span class="reference-text">Wiki source.</span></li></ol></div>
            </article>"##,
        );
        let md = &a.chapters[0].markdown;
        assert!(md.starts_with("Text[^1] and a claim[^2]."), "{md}");
        assert!(
            md.contains("[^1]: Substack note.") && md.contains("[^2]: Wiki source."),
            "{md}"
        );
        assert!(!md.contains('^') || !md.contains("[^2]: ^"), "{md}");
    }

    #[test]
    fn page_furniture_inside_text_is_left_out() {
        let a = article(
            "<article><h2 id=\"s\">Section <a class=\"anchor\" href=\"#s\">#</a></h2>\
             <p>Fine <img class=\"wp-smiley emoji\" alt=\"🙂\" src=\"/s.svg\"> day\
             <img src=\"/pixel.gif\" width=\"1\" height=\"1\">.</p>\
             <p><ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp></ruby>字 and <span class=\"sr-only\">(opens in new tab)</span>done.</p>\
             <p><img src=\"data:image/gif;base64,R0lGOD\" alt=\"Real\"><noscript><img src=\"/real.jpg\" alt=\"Real\"></noscript></p>\
             <div class=\"share-buttons\">Share on X</div><iframe src=\"https://video.example/embed/1\"></iframe></article>",
        );
        assert_eq!(a.chapters[0].title.as_deref(), Some("Section"));
        assert_eq!(
            shown(&a.chapters[0].markdown),
            ["Fine 🙂 day.", "漢字 and done."]
        );
        assert_eq!(a.figures.len(), 1);
        assert_eq!(a.figures[0].src, "/real.jpg");
        let rules: Vec<&str> = a.dropped.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(rules, ["hidden", "share", "embed"]);
    }

    #[test]
    fn containers_are_scored_when_the_page_has_no_article() {
        let para = "This is a long paragraph of real article text, with commas, clauses, and enough words to score.";
        let a = article(&format!(
            "<div class='sidebar'><p>{para} sidebar</p></div>\
             <div id='story'><p>{para} one</p><p>{para} two</p><p>{para} three</p></div>\
             <div class='comments'><p>{para} comment</p></div>"
        ));
        let blocks = shown(&a.chapters[0].markdown);
        assert_eq!(blocks.len(), 3, "{blocks:?}");
        assert!(blocks[0].ends_with("one"));
    }

    #[test]
    fn dates_are_normalised() {
        for (s, want) in [
            ("2025-06-03T06:15:00+01:00", "2025-06-03"),
            ("2024/9/4", "2024-09-04"),
            ("发布于 2024年8月12日 20:30", "2024-08-12"),
            ("Posted on 14 September 2024 by D. Quill", "2024-09-14"),
            ("Sept. 3rd, 2023", "2023-09-03"),
            ("June 1, 2022", "2022-06-01"),
            ("2023.12.31", "2023-12-31"),
        ] {
            assert_eq!(normalize_date(s).as_deref(), Some(want), "{s}");
        }
        for s in [
            "2023-02-30",
            "12345-01-01",
            "no date here",
            "May the force",
            "10 Mayday 2020",
        ] {
            assert_eq!(normalize_date(s), None, "{s}");
        }
        assert_eq!(date_from_unix(1_723_465_800, 8 * 3600), "2024-08-12");
        assert_eq!(date_from_unix(0, 0), "1970-01-01");
        assert_eq!(date_from_unix(951_782_400, 0), "2000-02-29");
    }

    #[test]
    fn script_variables_and_entities() {
        let s = r#"var nickname = htmlDecode("A &amp; B"); var ct = "1723465800"; x.ct = "1"; var msg_link = "http://x/s?a=1\x26amp;b=2#rd";"#;
        assert_eq!(js_var(s, "nickname").as_deref(), Some("A & B"));
        assert_eq!(js_var(s, "ct").as_deref(), Some("1723465800"));
        assert_eq!(
            js_var(s, "msg_link").as_deref(),
            Some("http://x/s?a=1&b=2#rd")
        );
        assert_eq!(js_var(s, "missing"), None);
        assert_eq!(
            decode_entities("&#x4e2d;&#25991; &bogus; & &lt;"),
            "中文 &bogus; & <"
        );
    }
}
