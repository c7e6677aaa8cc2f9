//! Named rules that tell an article's text from the page around it, line by
//! line, in a text copy of a web article (WeChat, Zhihu, 36Kr-style news, an
//! English newsletter or news site, or plain text).
//!
//! Input: the seed's lines, and whether a plan gives the edition's title.
//! Output: a [`Line`] per line — its [`Class`] (text, a chapter heading, the
//! title, lead, author, date or rights kept as metadata, or furniture) and
//! the [`Rule`] that decided it — and the [`Meta`] those lines carry (title,
//! author, publication, date, lead, rights). Every rule has an id and a
//! one-line reason ([`RULES`]) shown in the import report and written into a
//! proposed plan, so an editor sees and corrects each decision.
//!
//! The page is read in three zones: the header (up to the last byline line
//! among the first lines: author, dateline, editor and credit lines), where
//! the masthead, title and lead are told apart by position; the body, where
//! image credits and placeholders, ad blocks and related links are dropped
//! and numbered headings open chapters; and the trailer, from the first
//! end-of-article marker (a rights notice, `END`, related reading, a follow
//! prompt, `Thanks for reading`…), where everything but the rights notice
//! and a publication date is furniture.
//!
//! Must not decide what a plan overrides, produce Markdown or read files.

/// A named rule: its id and why it classifies a line as it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub reason: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $reason:literal;)*) => {
        $(pub const $name: Rule = Rule { id: $id, reason: $reason };)*
        /// Every rule, in the order of the README's table.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    TEXT = "text", "a paragraph of the article";
    TITLE = "title", "the article's title: the substantive line before the lead and byline";
    MASTHEAD = "masthead", "the publication's name above the title (kept as the publication)";
    NAV = "nav", "a menu or interface word of the page (Home, Subscribe, 关注, 分享…)";
    LEAD = "lead", "the lead: a short paragraph right before the byline, or after 导语/摘要";
    LEAD_LABEL = "lead-label", "a label before the lead (摘要, 导语, 核心内容)";
    AUTHOR = "author", "the author line (作者丨, 文丨, By …), kept in edition.yaml";
    AUTHOR_BIO = "author-bio", "the author's one-line bio under the name";
    DATELINE = "dateline", "the publication, date and place line under the title, kept in edition.yaml";
    DATE = "date", "the publication date (Mar 12, 2025; Updated …; 发布于 …), kept in edition.yaml";
    EDITED = "edited-date", "an edit date (编辑于 …), not the publication date";
    STAFF = "staff-credit", "an editor, layout or cover credit (编辑丨, 责编, 排版, 封面来源)";
    IMAGE_CREDIT = "image-credit", "an image caption or credit (图片来源, 头图来源, 图源, Photo:)";
    IMAGE_PLACEHOLDER = "image-placeholder", "a placeholder left by an image (【资料图】, [图片])";
    FOLLOW = "follow-prompt", "a follow, subscribe or QR-code prompt";
    COUNTS = "reader-counts", "reader counts (likes, votes, comments)";
    AD = "ad", "an advertisement block (广告, Advertisement, 推广)";
    RELATED = "related", "related reading and its titles (推荐阅读, 更多阅读, 往期回顾, Related:)";
    RIGHTS = "rights", "the rights notice (转载, 版权, ©, All rights reserved), kept in edition.yaml";
    DISCLAIMER = "disclaimer", "a platform disclaimer (仅代表作者本人观点…)";
    END = "end-marker", "the end-of-article marker (END, 全文完)";
    COLUMN = "column", "the column the article belongs to (所属专栏), kept as the publication";
    CHAPTER = "chapter-heading", "a short numbered heading followed by text (一、, 1., 01, Part I:) opens a chapter";
    AFTER = "after-article", "page furniture after the article (reader questions, videos, app dialogs, like bars)";
    BLANK = "blank", "an empty line";
    PLAN = "plan", "as the plan says";
}

/// What a line is (also the `class:` of a plan's `lines:`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Blank,
    /// Paragraphs of the text.
    Text,
    /// Opens a chapter (its text is the chapter's title).
    Chapter,
    /// A heading inside a chapter (`##`; only a plan says so).
    Heading,
    Title,
    Lead,
    Author,
    Date,
    Rights,
    /// Not part of the article (the rule says which furniture).
    #[serde(rename = "chrome")]
    Furniture,
}

impl Class {
    /// The name used in plans and the dry-run table.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Blank => "blank",
            Class::Text => "text",
            Class::Chapter => "chapter",
            Class::Heading => "heading",
            Class::Title => "title",
            Class::Lead => "lead",
            Class::Author => "author",
            Class::Date => "date",
            Class::Rights => "rights",
            Class::Furniture => "chrome",
        }
    }

    /// Kept as edition metadata (not in the text, not dropped).
    pub fn is_metadata(self) -> bool {
        matches!(
            self,
            Class::Title | Class::Lead | Class::Author | Class::Date | Class::Rights
        )
    }
}

/// One line's classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub class: Class,
    pub rule: Rule,
}

impl Line {
    fn new(class: Class, rule: Rule) -> Line {
        Line { class, rule }
    }
}

/// What the classified lines say about the article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub publication: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub lead: Option<String>,
    /// The rights lines, joined by newlines.
    pub rights: Option<String>,
}

/// How many non-blank lines from the top may hold the byline.
const HEADER_LINES: usize = 12;

/// Classifies every line; `titled`: a plan gives the title (a lone line
/// before the byline is then the lead).
pub fn classify(lines: &[&str], titled: bool) -> (Vec<Line>, Meta) {
    let lines: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let mut out: Vec<Line> = lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                Line::new(Class::Blank, BLANK)
            } else {
                Line::new(Class::Text, TEXT)
            }
        })
        .collect();
    let body = header(&lines, &mut out, titled);
    let trailer = (body..lines.len())
        .find(|&i| ends_article(lines[i]))
        .unwrap_or(lines.len());
    body_zone(&lines[..trailer], &mut out, body);
    trailer_zone(&lines, &mut out, trailer);
    let meta = meta(&lines, &out);
    (out, meta)
}

/// Classifies the header; returns the index of the first body line.
fn header(lines: &[&str], out: &mut [Line], titled: bool) -> usize {
    let first: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].is_empty())
        .take(HEADER_LINES)
        .collect();
    // Byline lines among the first lines; once one is found, the next must
    // follow within two lines of other text (else it is the body's).
    let mut last_byline = None;
    let mut gap = 0;
    for &i in &first {
        match byline(lines[i]) {
            Some(_) if last_byline.is_some() && gap > 2 => break,
            Some(line) => {
                out[i] = line;
                last_byline = Some(i);
                gap = 0;
            }
            None => gap += 1,
        }
    }
    profile_follow(lines, out, &first, &mut last_byline);
    let Some(end) = last_byline else {
        return untitled_start(lines, out, titled);
    };
    // The rest of the header: labels, interface words, then masthead, title and lead.
    let mut candidates = Vec::new();
    for i in 0..end {
        if out[i].class != Class::Text {
            continue;
        }
        if let Some(line) = header_furniture(lines[i]) {
            out[i] = line;
        } else {
            candidates.push(i);
        }
    }
    labelled_lead(lines, out, &mut candidates);
    place_title_and_lead(lines, out, &candidates, titled);
    // Interface lines, credits, a labelled lead and blanks right after the
    // byline belong to the header.
    let mut i = end + 1;
    while i < lines.len() {
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        if lead_label(lines[i]).is_some() {
            out[i] = Line::new(Class::Lead, LEAD);
        } else if is_lead_label_alone(lines[i]) && i + 1 < lines.len() {
            out[i] = Line::new(Class::Furniture, LEAD_LABEL);
            out[i + 1] = Line::new(Class::Lead, LEAD);
            i += 1;
        } else {
            match header_furniture(lines[i]).or_else(|| byline(lines[i])) {
                Some(line) => out[i] = line,
                None => break,
            }
        }
        i += 1;
    }
    i
}

/// A byline line: author, dateline, date, staff or image credit.
fn byline(l: &str) -> Option<Line> {
    if author_of(l).is_some() {
        return Some(Line::new(Class::Author, AUTHOR));
    }
    if dateline(l).is_some() {
        return Some(Line::new(Class::Date, DATELINE));
    }
    if english_date(l).is_some() && l.split_whitespace().count() <= 8 {
        return Some(Line::new(Class::Date, DATE));
    }
    if is_staff_credit(l) {
        return Some(Line::new(Class::Furniture, STAFF));
    }
    None
}

/// Interface words, follow prompts, counts and credits that may sit anywhere
/// in a page's header.
fn header_furniture(l: &str) -> Option<Line> {
    let f = |rule| Some(Line::new(Class::Furniture, rule));
    if is_image_credit(l) {
        f(IMAGE_CREDIT)
    } else if is_follow_prompt(l) {
        f(FOLLOW)
    } else if is_count(l) {
        f(COUNTS)
    } else if is_interface_word(l) {
        f(NAV)
    } else {
        None
    }
}

/// A name line, a one-line bio and a `关注`/`Follow` button under the title
/// (a Zhihu column's header): the name is the author.
fn profile_follow(
    lines: &[&str],
    out: &mut [Line],
    first: &[usize],
    last_byline: &mut Option<usize>,
) {
    let Some(k) = first
        .iter()
        .position(|&i| matches!(lines[i], "关注" | "Follow" | "+ 关注" | "Follow +"))
    else {
        return;
    };
    if k < 2 {
        return;
    }
    // title, name, [bio], follow
    let between: Vec<usize> = first[1..k].to_vec();
    if between.len() > 2 || between.iter().any(|&i| out[i].class != Class::Text) {
        return;
    }
    out[between[0]] = Line::new(Class::Author, AUTHOR);
    if let Some(&bio) = between.get(1) {
        out[bio] = Line::new(Class::Furniture, AUTHOR_BIO);
    }
    out[first[k]] = Line::new(Class::Furniture, NAV);
    *last_byline = Some(last_byline.map_or(first[k], |b| b.max(first[k])));
}

/// `导语：…`, `摘要：…` (the lead after its label), or a label line alone
/// (`摘要`) whose next candidate is the lead.
fn labelled_lead(lines: &[&str], out: &mut [Line], candidates: &mut Vec<usize>) {
    let mut k = 0;
    while k < candidates.len() {
        let i = candidates[k];
        if lead_label(lines[i]).is_some() {
            out[i] = Line::new(Class::Lead, LEAD);
            candidates.remove(k);
            continue;
        }
        if is_lead_label_alone(lines[i]) {
            out[i] = Line::new(Class::Furniture, LEAD_LABEL);
            candidates.remove(k);
            if k < candidates.len() {
                out[candidates[k]] = Line::new(Class::Lead, LEAD);
                candidates.remove(k);
            }
            continue;
        }
        k += 1;
    }
}

/// The header's remaining lines: the lead is the one right before the
/// byline (when a title precedes it, or it reads as a sentence); the title
/// is the nearest title-like line before it; what comes before the title is
/// the masthead.
fn place_title_and_lead(lines: &[&str], out: &mut [Line], candidates: &[usize], titled: bool) {
    let Some(&last) = candidates.last() else {
        return;
    };
    let has_lead = out.iter().any(|l| l.class == Class::Lead);
    let before_byline = (last + 1..out.len())
        .find(|&j| !lines[j].is_empty())
        .is_some_and(|j| matches!(out[j].class, Class::Author | Class::Date));
    let mut rest = candidates;
    let lead_here =
        !has_lead && before_byline && (candidates.len() > 1 || titled || !title_like(lines[last]));
    if lead_here {
        out[last] = Line::new(Class::Lead, LEAD);
        rest = &candidates[..candidates.len() - 1];
    }
    // The title: the longest substantive title-like line (a masthead or a
    // menu item is shorter); before it the masthead, after it interface lines.
    let t = rest
        .iter()
        .enumerate()
        .filter(|(_, i)| title_like(lines[**i]) && substantive(lines[**i]))
        .max_by_key(|(k, i)| (weight(lines[**i]), *k))
        .map(|(k, _)| k);
    for (k, &i) in rest.iter().enumerate() {
        out[i] = match t {
            Some(t) if k == t => Line::new(Class::Title, TITLE),
            Some(t) if k < t => Line::new(Class::Furniture, MASTHEAD),
            _ => Line::new(Class::Furniture, NAV),
        };
    }
}

/// Long enough to be a title: ten characters, or three words.
fn substantive(l: &str) -> bool {
    if l.is_ascii() {
        l.split_whitespace().count() >= 3
    } else {
        chars(l) >= 10
    }
}

/// A line's length for comparing titles (words count for Latin text).
fn weight(l: &str) -> usize {
    if l.is_ascii() {
        l.split_whitespace().count() * 3
    } else {
        chars(l)
    }
}

/// Without a byline: a short first line that is no sentence is the title
/// (unless a plan gives one); returns where the body starts.
fn untitled_start(lines: &[&str], out: &mut [Line], titled: bool) -> usize {
    let title = (0..lines.len()).find(|&i| !lines[i].is_empty() && !is_interface_word(lines[i]));
    if let Some(t) = title
        && !titled
        && title_like(lines[t])
        && !is_chapter_heading(lines[t])
    {
        // Interface words above the title are the page's.
        for i in (0..t).filter(|&i| !lines[i].is_empty()) {
            out[i] = Line::new(Class::Furniture, NAV);
        }
        out[t] = Line::new(Class::Title, TITLE);
        return t + 1;
    }
    0
}

/// The body: image credits and placeholders, ads and related links are
/// furniture; numbered headings open chapters.
fn body_zone(lines: &[&str], out: &mut [Line], start: usize) {
    let mut i = start;
    while i < lines.len() {
        let l = lines[i];
        if l.is_empty() || out[i].class != Class::Text {
            i += 1;
            continue;
        }
        let next_text = (i + 1..lines.len()).find(|&j| !lines[j].is_empty());
        out[i] = if is_image_placeholder(l) {
            Line::new(Class::Furniture, IMAGE_PLACEHOLDER)
        } else if is_image_credit(l) {
            Line::new(Class::Furniture, IMAGE_CREDIT)
        } else if is_related_link(l) {
            Line::new(Class::Furniture, RELATED)
        } else if is_interface_word(l) {
            Line::new(Class::Furniture, NAV)
        } else if is_rights(l) {
            Line::new(Class::Rights, RIGHTS)
        } else if is_ad_label(l) {
            i = ad_block(lines, out, i);
            continue;
        } else if is_chapter_heading(l) && next_text.is_some_and(|j| !is_chapter_heading(lines[j]))
        {
            Line::new(Class::Chapter, CHAPTER)
        } else {
            out[i]
        };
        i += 1;
    }
}

/// An ad label and, for a Chinese `广告`/`推广` label, the short promotional
/// lines after it up to the next blank line; returns the line after it.
fn ad_block(lines: &[&str], out: &mut [Line], at: usize) -> usize {
    out[at] = Line::new(Class::Furniture, AD);
    let mut i = at + 1;
    if !lines[at].is_ascii() {
        while i < lines.len() && !lines[i].is_empty() && is_promo(lines[i]) {
            out[i] = Line::new(Class::Furniture, AD);
            i += 1;
        }
    }
    i
}

/// After the article: the rights notice and a publication date are kept;
/// every other line is furniture, under the most specific rule.
fn trailer_zone(lines: &[&str], out: &mut [Line], start: usize) {
    let mut in_related = false;
    for i in start..lines.len() {
        let l = lines[i];
        if l.is_empty() {
            continue;
        }
        let f = |rule| Line::new(Class::Furniture, rule);
        out[i] = if is_rights(l) {
            Line::new(Class::Rights, RIGHTS)
        } else if published_date(l).is_some() {
            Line::new(Class::Date, DATE)
        } else if l.starts_with("编辑于") {
            f(EDITED)
        } else if column_of(l).is_some() {
            f(COLUMN)
        } else if is_related_header(l) {
            in_related = true;
            f(RELATED)
        } else if is_end_marker(l) {
            f(END)
        } else if is_follow_prompt(l) {
            f(FOLLOW)
        } else if is_disclaimer(l) {
            f(DISCLAIMER)
        } else if is_ad_label(l) {
            f(AD)
        } else if is_count(l) {
            f(COUNTS)
        } else if is_interface_word(l) {
            f(NAV)
        } else if in_related {
            f(RELATED)
        } else {
            f(AFTER)
        };
        if out[i].rule != RELATED {
            in_related = false;
        }
    }
}

/// Lines that end the article: everything from one on is the page's trailer.
fn ends_article(l: &str) -> bool {
    is_rights(l)
        || is_end_marker(l)
        || is_related_header(l)
        || l.starts_with("编辑于")
        || l.starts_with("本文来自")
        || l.starts_with("Thanks for reading")
        || l.starts_with("Sign up for")
        || matches!(l, "阅读原文" | "Read more" | "Subscribe now")
        || (is_follow_prompt(l) && !l.contains("蓝字"))
}

// ---------- what single lines are ----------

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Ends like a sentence.
fn sentence_end(l: &str) -> bool {
    l.ends_with(['。', '．', '.', '!', '！', '…', '”', '"']) && !l.ends_with("...") // a title may trail off
}

/// Short enough and no sentence: could be a title or heading.
fn title_like(l: &str) -> bool {
    let short = if l.is_ascii() {
        l.split_whitespace().count() <= 14
    } else {
        chars(l) <= 40
    };
    short && !sentence_end(l) && !l.contains(['。'])
}

/// The author's name from an author line: `作者丨陈彩娴`, `文｜林知远`,
/// `作者：许青禾`, `By Tamsin Holloway`, `By Owen Castellane, Transport correspondent`.
pub fn author_of(line: &str) -> Option<&str> {
    let l = line.trim();
    if let Some(rest) = l.strip_prefix("By ") {
        let name = rest.split(',').next().unwrap_or(rest).trim();
        let words = name.split_whitespace().count();
        let capitalised = name
            .split_whitespace()
            .all(|w| w.starts_with(|c: char| c.is_uppercase()));
        return ((1..=5).contains(&words) && capitalised).then_some(name);
    }
    for prefix in ["作者", "文", "撰文", "记者"] {
        if let Some(rest) = l.strip_prefix(prefix) {
            let mut cs = rest.chars();
            if let Some(sep) = cs.next()
                && matches!(sep, '丨' | '|' | '｜' | ':' | '：' | '/')
            {
                let name = cs.as_str().trim();
                if !name.is_empty() && name.chars().count() <= 20 {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// `编辑丨…`, `责编：…`, `排版｜…`, `封面来源｜…`: staff and cover credits.
fn is_staff_credit(l: &str) -> bool {
    [
        "编辑",
        "责编",
        "责任编辑",
        "排版",
        "校对",
        "审核",
        "封面来源",
        "题图",
        "出品",
    ]
    .iter()
    .any(|p| {
        l.strip_prefix(p)
            .is_some_and(|r| r.starts_with(['丨', '|', '｜', ':', '：', '/']))
    })
}

/// A WeChat-style dateline: `[原创] [AUTHOR] PUBLICATION DATE [TIME] [PLACE]`
/// or `PUBLICATION·DATE TIME`; returns (author, publication, date).
pub fn dateline(l: &str) -> Option<(Option<String>, Option<String>, String)> {
    let (at, date) = chinese_date(l)?;
    let before = l[..at]
        .trim()
        .trim_end_matches(['·', '・', '|', '｜'])
        .trim();
    let after = l[at..].split_whitespace().skip(1);
    // After the date only a time and a place (short words), nothing sentence-like.
    if after.clone().count() > 2 || after.clone().any(|w| chars(w) > 6) || chars(before) > 30 {
        return None;
    }
    let mut words: Vec<&str> = before.split_whitespace().collect();
    let original = words.first() == Some(&"原创");
    if original {
        words.remove(0);
    }
    let (author, publication) = match words.as_slice() {
        [] => (None, None),
        [p] => (None, Some(p.trim_end_matches(['·', '・']).to_string())),
        [a, p] if original => (Some(a.to_string()), Some(p.to_string())),
        [.., p] => (None, Some(p.to_string())),
    };
    Some((author, publication, date))
}

/// A date written `2025年3月4日`, `2024-10-30` or `2024/10/30` in a line:
/// where it starts and the date as `YYYY-MM-DD`.
fn chinese_date(l: &str) -> Option<(usize, String)> {
    let bytes = l.as_bytes();
    for (i, _) in l.char_indices() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            continue;
        }
        let rest = &l[i..];
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let y = digits(rest);
        if y != 4 {
            continue;
        }
        let mut parts = Vec::new();
        let mut s = rest;
        for sep in [["年", "-", "/"], ["月", "-", "/"]] {
            let n = digits(s);
            parts.push(&s[..n]);
            s = &s[n..];
            let Some(cut) = sep.iter().find_map(|p| s.strip_prefix(p)) else {
                break;
            };
            s = cut;
        }
        let d = digits(s);
        if parts.len() != 2 || d == 0 || d > 2 {
            continue;
        }
        let (year, month, day) = (parts[0], parts[1], &s[..d]);
        let ok = |v: &str, max: u32| v.parse::<u32>().is_ok_and(|n| n >= 1 && n <= max);
        if !ok(month, 12) || !ok(day, 31) {
            continue;
        }
        return Some((i, format!("{year}-{month:0>2}-{day:0>2}")));
    }
    None
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// An English date line: `Mar 12, 2025`, `March 12, 2025`, `12 March 2025`,
/// with `Updated`/`Published`/`Posted`/`Date:` before it and a time after.
pub fn english_date(l: &str) -> Option<String> {
    let words: Vec<String> = l
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let month = |w: &str| {
        MONTHS
            .iter()
            .position(|m| w.starts_with(m) && w.len() <= 9 && w.chars().all(char::is_alphabetic))
    };
    let num = |w: &str, max: u32| w.parse::<u32>().ok().filter(|n| *n >= 1 && *n <= max);
    let start = words.iter().position(|w| {
        !matches!(
            w.as_str(),
            "updated" | "published" | "posted" | "date:" | "on"
        )
    })?;
    let w = &words[start..];
    let (m, d, y) = match w {
        [a, b, c, ..] if month(a).is_some() && num(b, 31).is_some() => (month(a)?, num(b, 31)?, c),
        [a, b, c, ..] if num(a, 31).is_some() && month(b).is_some() => (month(b)?, num(a, 31)?, c),
        _ => return None,
    };
    let y: u32 = y.parse().ok().filter(|y| (1900..=2200).contains(y))?;
    Some(format!("{y}-{:02}-{d:02}", m + 1))
}

/// `发布于 2024-10-30 21:05`, `Published 3 May 2024`: a publication date.
fn published_date(l: &str) -> Option<String> {
    let rest = l
        .strip_prefix("发布于")
        .or_else(|| l.strip_prefix("发表于"))
        .or_else(|| l.strip_prefix("Published"))?;
    chinese_date(rest)
        .map(|(_, d)| d)
        .or_else(|| english_date(rest))
}

/// `所属专栏 · 家用服务器手记`: the column's name.
fn column_of(l: &str) -> Option<&str> {
    let rest = l.strip_prefix("所属专栏")?;
    let name = rest.trim_start_matches([' ', '·', '・', ':', '：']).trim();
    (!name.is_empty()).then_some(name)
}

fn is_image_placeholder(l: &str) -> bool {
    let inner = l
        .strip_prefix('【')
        .and_then(|r| r.strip_suffix('】'))
        .or_else(|| l.strip_prefix('[').and_then(|r| r.strip_suffix(']')));
    inner.is_some_and(|i| i.contains('图') || i.eq_ignore_ascii_case("image"))
}

fn is_image_credit(l: &str) -> bool {
    let l = l.trim_start_matches(['*', '▲', '△', '↑']);
    [
        "图片来源",
        "头图来源",
        "图源",
        "题图来源",
        "图片提供",
        "摄影",
    ]
    .iter()
    .any(|p| l.starts_with(p))
        || l.contains("Photo: ")
        || l.contains("Photograph: ")
        || l.starts_with("Image: ")
        || l.starts_with("Illustration: ")
}

fn is_follow_prompt(l: &str) -> bool {
    let cjk_follow = chars(l) <= 40
        && l.contains("关注")
        && [
            "点击",
            "扫码",
            "二维码",
            "公众号",
            "下方",
            "上方",
            "视频号",
            "蓝字",
        ]
        .iter()
        .any(|w| l.contains(w));
    cjk_follow || l.starts_with("Subscribe to ") || l.starts_with("Follow us")
}

/// `12,034 人赞同了该文章`, `赞同 1.2 万`, a bare number (likes under a post).
fn is_count(l: &str) -> bool {
    let numeric = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '万' | 'k' | 'K'))
    };
    numeric(l)
        || l.strip_prefix("赞同")
            .is_some_and(|r| numeric(&r.trim().replace(' ', "")))
        || (l.contains("人赞同") && chars(l) <= 20)
        || l.strip_prefix('+').is_some_and(numeric)
}

/// A short interface word or menu item of the page.
fn is_interface_word(l: &str) -> bool {
    const WORDS: &[&str] = &[
        "关注",
        "分享",
        "收藏",
        "点赞",
        "在看",
        "赞",
        "喜欢",
        "写留言",
        "留言",
        "评论",
        "添加评论",
        "取消",
        "允许",
        "知道了",
        "使用小程序",
        "微信扫一扫",
        "继续滑动看下一个",
        "轻触阅读原文",
        "预览时标签不可点",
        "阅读原文",
        "申请转载",
        "举报",
        "Share",
        "Subscribe",
        "Subscribed",
        "Sign in",
        "Sign up",
        "Log in",
        "Menu",
        "Search",
        "Home",
        "News",
        "Business",
        "Science",
        "Culture",
        "Opinion",
        "Sport",
        "Sports",
        "Politics",
        "World",
        "Tech",
        "Technology",
        "Comments",
        "Like",
        "Start writing",
        "Get the app",
        "Restack",
        "Reply",
    ];
    WORDS.contains(&l)
}

fn lead_label(l: &str) -> Option<&str> {
    ["导语", "摘要", "核心内容", "内容提要", "编者按"]
        .iter()
        .find_map(|p| {
            let rest = l.strip_prefix(p)?;
            let rest = rest.strip_prefix(['：', ':', '丨', '｜', '|'])?.trim();
            (!rest.is_empty()).then_some(rest)
        })
}

fn is_lead_label_alone(l: &str) -> bool {
    let l = l.trim_end_matches(['：', ':']);
    matches!(l, "导语" | "摘要" | "核心内容" | "内容提要" | "编者按")
}

/// A rights notice: reprint terms, copyright, `©`, `All rights reserved`.
pub fn is_rights(l: &str) -> bool {
    if chars(l) <= 4 {
        return false; // `申请转载`: a button
    }
    let reprint = l.contains("转载")
        && ["授权", "严禁", "禁止", "联系", "请", "不得", "注明"]
            .iter()
            .any(|w| l.contains(w));
    reprint
        || l.contains("经授权发布")
        || l.starts_with("版权声明")
        || l.contains("版权所有")
        || l.contains("未经授权")
        || l.contains('©')
        || l.starts_with("Copyright ")
        || l.contains("All rights reserved")
}

fn is_disclaimer(l: &str) -> bool {
    l.contains("仅代表作者") || l.contains("不代表本") || l.contains("信息存储空间")
}

fn is_end_marker(l: &str) -> bool {
    matches!(
        l,
        "END" | "-END-" | "- END -" | "—END—" | "全文完" | "（完）" | "(完)" | "-完-"
    )
}

fn is_related_header(l: &str) -> bool {
    matches!(
        l.trim_end_matches(['：', ':']),
        "推荐阅读"
            | "相关阅读"
            | "更多阅读"
            | "往期回顾"
            | "往期推荐"
            | "延伸阅读"
            | "热门文章"
            | "喜欢此内容的人还喜欢"
            | "Related"
            | "Related reading"
            | "Read more"
            | "More from"
    )
}

/// `Related: …` inside the body.
fn is_related_link(l: &str) -> bool {
    l.starts_with("Related: ") || l.starts_with("Read more: ") || l.starts_with("相关阅读：")
}

fn is_ad_label(l: &str) -> bool {
    matches!(
        l,
        "广告" | "推广" | "Advertisement" | "ADVERTISEMENT" | "Sponsored" | "赞助"
    )
}

/// A short promotional line of an ad block.
fn is_promo(l: &str) -> bool {
    chars(l) <= 30 && !l.ends_with('。')
}

/// A short numbered heading: `一、…`, `1. …`, `01 …`, `Part I: …`.
pub fn is_chapter_heading(l: &str) -> bool {
    let short = if l.is_ascii() {
        l.split_whitespace().count() <= 12
    } else {
        chars(l) <= 30
    };
    if !title_like(l) || !short {
        return false;
    }
    let cn_numbered = l.split_once('、').is_some_and(|(n, t)| {
        !t.is_empty() && !n.is_empty() && n.chars().all(|c| "一二三四五六七八九十".contains(c))
    });
    let digits = l.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &l[digits..];
    let arabic = (1..=2).contains(&digits)
        && (rest.starts_with(". ")
            || rest.starts_with('、')
            || rest.starts_with("．")
            || (rest.starts_with(' ') && digits == 2));
    let part = ["Part ", "Chapter ", "Section "].iter().any(|p| {
        l.strip_prefix(p).is_some_and(|r| {
            let n: String = r
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            !n.is_empty()
                && n.chars().all(|c| "IVXLC0123456789".contains(c))
                && r[n.len()..].starts_with([':', '.', ' '])
        })
    });
    cn_numbered || arabic || part
}

// ---------- metadata ----------

/// The metadata the classified lines carry.
pub fn meta(lines: &[&str], out: &[Line]) -> Meta {
    let lines: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let lines = &lines[..];
    let of = |class: Class| {
        (0..lines.len())
            .filter(move |&i| out[i].class == class)
            .map(move |i| (i, lines[i]))
    };
    let mut m = Meta {
        title: of(Class::Title).next().map(|(_, l)| l.to_string()),
        lead: of(Class::Lead)
            .next()
            .map(|(_, l)| lead_label(l).unwrap_or(l).to_string()),
        ..Meta::default()
    };
    let rights: Vec<&str> = of(Class::Rights).map(|(_, l)| l).collect();
    m.rights = (!rights.is_empty()).then(|| rights.join("\n"));
    m.author = of(Class::Author)
        .find_map(|(_, l)| author_of(l).map(str::to_string))
        .or_else(|| {
            // A name line (a profile header) is the author as written.
            of(Class::Author).next().map(|(_, l)| l.to_string())
        });
    for (_, l) in of(Class::Date) {
        if let Some(d) = published_date(l) {
            m.date = Some(d); // an explicit publication date wins
        } else if let Some((author, publication, date)) = dateline(l) {
            m.date.get_or_insert(date);
            m.publication = m.publication.or(publication);
            if m.author.is_none() {
                m.author = author;
            }
        } else if let Some(d) = english_date(l) {
            m.date.get_or_insert(d);
        }
    }
    let furniture = |rule: Rule| {
        (0..lines.len())
            .filter(move |&i| out[i].rule == rule)
            .map(move |i| lines[i])
    };
    m.publication = m
        .publication
        .or_else(|| furniture(COLUMN).find_map(column_of).map(str::to_string))
        .or_else(|| furniture(MASTHEAD).next().map(str::to_string));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_lines() {
        assert_eq!(author_of("作者丨陈彩娴"), Some("陈彩娴"));
        assert_eq!(author_of("作者：张三"), Some("张三"));
        assert_eq!(author_of("文｜林知远"), Some("林知远"));
        assert_eq!(
            author_of("By Owen Castellane, Transport correspondent"),
            Some("Owen Castellane")
        );
        assert_eq!(author_of("By the way, this is text."), None);
        assert_eq!(author_of("作者认为这很重要"), None);
        assert_eq!(author_of("文章很长"), None);
    }

    #[test]
    fn dates_and_datelines() {
        assert_eq!(
            dateline("原创 林小满 极客木桥 2025年3月4日 10:12 北京"),
            Some((
                Some("林小满".into()),
                Some("极客木桥".into()),
                "2025-03-04".into()
            ))
        );
        assert_eq!(
            dateline("硬核城市观察·2025年01月16日 08:30"),
            Some((None, Some("硬核城市观察".into()), "2025-01-16".into()))
        );
        assert_eq!(
            dateline("2025年，维修站打算把课程搬进附近的两所中学。"),
            None
        );
        assert_eq!(english_date("Mar 12, 2025").as_deref(), Some("2025-03-12"));
        assert_eq!(
            english_date("Updated 14 March 2025, 09:40 GMT").as_deref(),
            Some("2025-03-14")
        );
        assert_eq!(english_date("March madness"), None);
        assert_eq!(
            published_date("发布于 2024-10-30 21:05").as_deref(),
            Some("2024-10-30")
        );
    }

    #[test]
    fn headings() {
        for h in [
            "一、为什么选了有轨电车",
            "1. 一辆车能装多少",
            "01 早上五点的面团",
            "Part II: Why it is so hard",
        ] {
            assert!(is_chapter_heading(h), "{h}");
        }
        for t in [
            "先说结论：大多数情况下不是。",
            "2025 年的计划",
            "1. 这是一个列表项，它很长而且以句号结尾。",
        ] {
            assert!(!is_chapter_heading(t), "{t}");
        }
    }

    #[test]
    fn a_capture_with_lead_byline_and_trailer() {
        let lines = [
            "微信扫码",
            "我要投稿",
            "这是一段很长的导语,它概括了全文的内容,并列出了核心要点,读者可以先读它",
            "作者丨某人",
            "正文第一段。",
            "",
            "正文第二段,点击这里没有关系。",
            "更多内容,点击下方关注:",
            "未经「某刊」授权,严禁以任何方式转载!",
            "相关文章标题",
        ];
        let (r, m) = classify(&lines, true);
        let classes: Vec<Class> = r.iter().map(|l| l.class).collect();
        use Class::*;
        assert_eq!(
            classes,
            vec![
                Furniture, Furniture, Lead, Author, Text, Blank, Text, Furniture, Rights, Furniture
            ]
        );
        assert_eq!(m.author.as_deref(), Some("某人"));
        assert_eq!(r[7].rule, FOLLOW);
        assert_eq!(r[9].rule, AFTER);
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
