//! Seeds in: a raw source text (+ an optional plan) → content files (`glossa import`;
//! not to be confused with importing annotations, which is `webanno::import`).
//!
//! Input: the seed's text and, optionally, its [`Plan`]. Output: the text of
//! `edition.yaml` and of `chapters/NN-slug.md` (front matter serialized from the
//! content model types, one Markdown paragraph per source paragraph), and the
//! line ranges that were dropped as chrome, for the editor to review.
//!
//! Rules: chrome is recognised by [`chrome`] (or listed by the plan); the author
//! line, lead summary and rights notice become edition metadata; a run of two or
//! more fully quoted paragraphs (optionally followed by an ellipsis line) becomes
//! one blockquote; text is escaped so it renders exactly as in the seed.
//! Deterministic: the same input gives byte-identical files.
//!
//! Must not render HTML or write files (`output` writes what this returns).

/// First line of `edition.yaml`: YAML language servers validate the file
/// against the shipped schema (see `glossa schema`).
pub const SCHEMA_MODELINE: &str =
    "# yaml-language-server: $schema=../schemas/edition.schema.json\n";

pub mod chrome;
pub mod html;
pub mod plan;
pub mod text;

use crate::config::{Config, SourceMeta};
use crate::content::{ChapterMeta, Provenance, is_slug};
use crate::diag::{Code, Diagnostic, FileId};
use crate::yaml;
use chrome::{Reason, Role};
pub use plan::Plan;

/// A plan together with where it came from (for diagnostics).
pub struct PlanInput<'a> {
    pub plan: &'a Plan,
    pub file: FileId,
    pub text: &'a str,
}

/// A run of dropped lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub first: u32,
    pub last: u32,
    pub reason: String,
}

/// What an import produces.
#[derive(Debug, Clone)]
pub struct Imported {
    /// `(path relative to the content folder, text)`, `edition.yaml` first.
    pub files: Vec<(String, String)>,
    pub dropped: Vec<Dropped>,
    pub chapters: usize,
    pub paragraphs: usize,
}

/// A body paragraph of the seed.
#[derive(Debug, Clone)]
struct Para {
    line: u32,
    text: String,
    /// Part of a blockquote run (the id of the run).
    quote_run: Option<usize>,
}

/// Converts a seed. `seed_name` is the file name recorded in provenance.
pub fn import(
    seed_text: &str,
    seed_name: &str,
    plan: Option<PlanInput>,
) -> Result<Imported, Vec<Diagnostic>> {
    let seed_text = seed_text.strip_prefix('\u{feff}').unwrap_or(seed_text);
    let lines: Vec<&str> = seed_text.lines().map(str::trim_end).collect();
    let mut diags = Vec::new();
    let (roles, reasons) = classify_lines(&lines, plan.as_ref(), &mut diags);
    let normalize = plan.as_ref().is_some_and(|p| p.plan.normalize_punctuation);
    let paras = body_paragraphs(&lines, &roles, normalize);
    if paras.is_empty() {
        diags.push(Diagnostic::new(
            Code::EmptySeed,
            "the seed has no body text after dropping chrome",
        ));
    }
    let breaks: Vec<(usize, &plan::PlanChapter)> = match &plan {
        Some(p) if !p.plan.chapters.is_empty() => find_breaks(&paras, p, &mut diags),
        _ => Vec::new(),
    };
    if !diags.is_empty() {
        return Err(diags);
    }
    let config = edition_config(&lines, &roles, seed_name, plan.as_ref(), &paras);
    let mut files = vec![(
        "edition.yaml".to_string(),
        format!("{SCHEMA_MODELINE}{}", yaml::to_string(&config)),
    )];
    // Chapter boundaries: (start index, title, slug, summary).
    let chapters: Vec<(usize, String, String, Option<String>)> = if breaks.is_empty() {
        let whole = &crate::i18n::pack_or_fallback(&config.language)
            .new
            .whole_text;
        vec![(0, whole.clone(), "text".to_string(), None)]
    } else {
        breaks
            .iter()
            .map(|(i, c)| (*i, c.title.clone(), c.slug.clone(), c.summary.clone()))
            .collect()
    };
    for (k, (start, title, slug, summary)) in chapters.iter().enumerate() {
        let end = chapters.get(k + 1).map_or(paras.len(), |c| c.0);
        let chunk = &paras[*start..end];
        files.push((
            format!("chapters/{:02}-{slug}.md", k + 1),
            chapter_file(chunk, k, title, summary.as_deref(), seed_name),
        ));
    }
    Ok(Imported {
        files,
        dropped: dropped_ranges(&roles, &reasons),
        chapters: chapters.len(),
        paragraphs: paras.len(),
    })
}

/// Each line's role (by the built-in chrome rules, or by the plan's `drop`
/// ranges when it has them) and, for dropped lines, why.
fn classify_lines(
    lines: &[&str],
    plan: Option<&PlanInput<'_>>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Role>, Vec<Option<String>>) {
    let mut roles = chrome::classify(lines);
    let mut reasons: Vec<Option<String>> = roles
        .iter()
        .map(|r| match r {
            Role::Chrome(reason) => Some(reason.describe().to_string()),
            _ => None,
        })
        .collect();
    let Some((p, ranges)) = plan.and_then(|p| p.plan.drop.as_ref().map(|d| (p, d))) else {
        return (roles, reasons);
    };
    // The plan decides what is dropped; metadata lines stay metadata.
    for (i, r) in roles.iter_mut().enumerate() {
        if matches!(r, Role::Chrome(_)) {
            *r = Role::Body;
            reasons[i] = None;
        }
    }
    for (k, range) in ranges.iter().enumerate() {
        let [a, b] = range.lines;
        if a == 0 || a > b || b as usize > lines.len() {
            diags.push(
                Diagnostic::new(
                    Code::BadLineRange,
                    format!(
                        "drop range [{a}, {b}] is outside the seed's {} lines",
                        lines.len()
                    ),
                )
                .at(
                    p.file,
                    plan_span(p, &["drop".into(), k.into(), "lines".into()]),
                )
                .help(
                    "write `lines: [first, last]` with 1 <= first <= last <= the seed's line count",
                ),
            );
            continue;
        }
        for i in (a as usize - 1)..(b as usize) {
            if roles[i] == Role::Body {
                roles[i] = Role::Chrome(Reason::PageChrome);
                reasons[i] = Some(range.reason.clone());
            }
        }
    }
    (roles, reasons)
}

/// The body lines as paragraphs (punctuation normalised if asked), with
/// blockquote runs marked.
fn body_paragraphs(lines: &[&str], roles: &[Role], normalize: bool) -> Vec<Para> {
    let mut paras: Vec<Para> = lines
        .iter()
        .zip(roles)
        .enumerate()
        .filter(|(_, (_, r))| **r == Role::Body)
        .map(|(i, (l, _))| Para {
            line: i as u32 + 1,
            text: if normalize {
                text::normalize_punctuation(l.trim())
            } else {
                l.trim().to_string()
            },
            quote_run: None,
        })
        .collect();
    mark_quote_runs(&mut paras);
    paras
}

/// `edition.yaml`: the plan's title and source metadata, and what the seed's
/// author, lead and rights lines say.
fn edition_config(
    lines: &[&str],
    roles: &[Role],
    seed_name: &str,
    plan: Option<&PlanInput<'_>>,
    paras: &[Para],
) -> Config {
    let with_role = |role: Role| {
        lines
            .iter()
            .zip(roles)
            .filter(move |(_, r)| **r == role)
            .map(|(l, _)| l.trim())
    };
    let author = with_role(Role::Author)
        .next()
        .and_then(chrome::author_of)
        .map(str::to_string);
    let normalize = plan.is_some_and(|p| p.plan.normalize_punctuation);
    let lead = with_role(Role::Lead)
        .next()
        .map(|l| text::lead_markdown(l, normalize));
    let rights: Vec<&str> = with_role(Role::Rights).collect();
    let seed_stem = seed_name.strip_suffix(".txt").unwrap_or(seed_name);
    let src = plan.map(|p| p.plan.source.clone()).unwrap_or_default();
    Config {
        title: plan.map_or_else(|| seed_stem.to_string(), |p| p.plan.title.clone()),
        subtitle: plan.and_then(|p| p.plan.subtitle.clone()),
        language: plan
            .and_then(|p| p.plan.language.clone())
            .unwrap_or_else(|| guess_language(paras).to_string()),
        base_url: plan.and_then(|p| p.plan.base_url.clone()),
        updated: None,
        source: SourceMeta {
            title: src.title,
            author: src.author.or(author),
            publication: src.publication,
            url: src.url,
            date: src.date,
            seed: Some(seed_name.to_string()),
            lead,
            rights: (!rights.is_empty()).then(|| rights.join("\n")),
        },
        mentions: Default::default(),
        ui_overrides: Default::default(),
        ui: Default::default(),
        pack: Default::default(),
        check: Default::default(),
        minify: Default::default(),
        groups: Vec::new(),
    }
}

/// The language of a text without a plan: Chinese when most of its letters
/// are CJK characters, English otherwise (the editor corrects it in
/// `edition.yaml`).
fn guess_language(paras: &[Para]) -> &'static str {
    let (mut cjk, mut kana, mut other) = (0usize, 0usize, 0usize);
    for c in paras.iter().flat_map(|p| p.text.chars()) {
        if matches!(c, '\u{3040}'..='\u{30FF}') {
            kana += 1;
        } else if crate::cjk::is_cjk(c) {
            cjk += 1;
        } else if c.is_alphabetic() {
            other += 1;
        }
    }
    if cjk + kana <= other {
        "en"
    } else if kana * 10 > cjk {
        "ja"
    } else {
        "zh-CN"
    }
}

/// The text of chapter `k` (0-based) made of `chunk`.
fn chapter_file(
    chunk: &[Para],
    k: usize,
    title: &str,
    summary: Option<&str>,
    seed_name: &str,
) -> String {
    let meta = ChapterMeta {
        title: title.to_string(),
        order: k as u32 + 1,
        slug: None,
        summary: Some(
            summary
                .map(str::to_string)
                .unwrap_or_else(|| text::first_sentence(&chunk[0].text, 60)),
        ),
        source: Some(Provenance {
            seed: seed_name.to_string(),
            lines: [chunk[0].line, chunk[chunk.len() - 1].line],
        }),
        annotations: Vec::new(),
    };
    let mut out = String::new();
    out.push_str("---\n");
    out.push_str(&yaml::to_string(&meta));
    out.push_str("---\n\n");
    out.push_str(&chunk_markdown(chunk));
    out
}

/// Marks runs of two or more quoted paragraphs (plus a trailing ellipsis line)
/// on consecutive seed lines as blockquotes.
fn mark_quote_runs(paras: &mut [Para]) {
    let mut run = 0;
    let mut i = 0;
    while i < paras.len() {
        let mut j = i;
        while j < paras.len()
            && text::is_quoted(&paras[j].text)
            && (j == i || paras[j].line <= paras[j - 1].line + 2)
        {
            j += 1;
        }
        if j - i >= 2 {
            if j < paras.len() && text::is_ellipsis(&paras[j].text) {
                j += 1;
            }
            for p in &mut paras[i..j] {
                p.quote_run = Some(run);
            }
            run += 1;
            i = j;
        } else {
            i += 1;
        }
    }
}

/// Markdown for consecutive paragraphs: one per source paragraph, quote runs as blockquotes.
fn chunk_markdown(chunk: &[Para]) -> String {
    let mut out = String::new();
    for (k, p) in chunk.iter().enumerate() {
        let md = text::escape_markdown(&p.text);
        match p.quote_run {
            Some(run) => {
                let continues = k > 0 && chunk[k - 1].quote_run == Some(run);
                if continues {
                    out.push_str(">\n");
                } else if k > 0 {
                    out.push('\n');
                }
                out.push_str("> ");
                out.push_str(&md);
                out.push('\n');
            }
            None => {
                if k > 0 {
                    out.push('\n');
                }
                out.push_str(&md);
                out.push('\n');
            }
        }
    }
    out
}

/// Span of the plan's value at `path` (read from the plan's YAML when a
/// diagnostic needs it).
fn plan_span(p: &PlanInput<'_>, path: &[yaml::Step<'_>]) -> std::ops::Range<usize> {
    yaml::Tree::parse(p.text, 0)
        .value_or_nearest(path)
        .unwrap_or(0..0)
}

/// Finds the paragraph each chapter break opens; diagnostics for breaks that
/// match no paragraph, several, or are out of order.
fn find_breaks<'p>(
    paras: &[Para],
    p: &PlanInput<'p>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(usize, &'p plan::PlanChapter)> {
    let mut out: Vec<(usize, &plan::PlanChapter)> = Vec::new();
    let mut slugs: Vec<&str> = Vec::new();
    for (k, ch) in p.plan.chapters.iter().enumerate() {
        diags.extend(slug_problem(p, k, &slugs));
        slugs.push(&ch.slug);
        match opening_paragraph(paras, p, k, out.last().map(|(i, _)| *i)) {
            Ok(i) => out.push((i, ch)),
            Err(d) => diags.push(d),
        }
    }
    if let Some((first, _)) = out.first()
        && *first != 0
        && diags.is_empty()
    {
        diags.push(
            Diagnostic::new(
                Code::TextBeforeFirstChapter,
                format!(
                    "seed lines {}–{} come before the first chapter break and would be lost",
                    paras[0].line,
                    paras[*first - 1].line
                ),
            )
            .at(p.file, plan_span(p, &["chapters".into(), 0.into(), "starts".into()]))
            .help("start the first chapter at the first paragraph of the text, or drop those lines as chrome"),
        );
    }
    out
}

/// A plan chapter's slug that is invalid or already used by an earlier one.
fn slug_problem(p: &PlanInput<'_>, k: usize, earlier: &[&str]) -> Option<Diagnostic> {
    let slug = &p.plan.chapters[k].slug;
    let span = plan_span(p, &["chapters".into(), k.into(), "slug".into()]);
    if !is_slug(slug) {
        Some(
            Diagnostic::new(Code::BadSlug, format!("slug `{slug}` is not valid"))
                .at(p.file, span)
                .help("use lowercase ASCII letters, digits and `-`"),
        )
    } else if earlier.contains(&slug.as_str()) {
        Some(
            Diagnostic::new(
                Code::DuplicateSlug,
                format!("two chapters use the slug `{slug}`"),
            )
            .at(p.file, span)
            .help("give every chapter its own slug"),
        )
    } else {
        None
    }
}

/// The paragraph that plan chapter `k` starts with: the one paragraph that
/// starts with its `starts` words, after the previous break and not inside a
/// quotation.
fn opening_paragraph(
    paras: &[Para],
    p: &PlanInput<'_>,
    k: usize,
    previous: Option<usize>,
) -> Result<usize, Diagnostic> {
    let span = || plan_span(p, &["chapters".into(), k.into(), "starts".into()]);
    let starts = p.plan.chapters[k].starts.trim();
    let norm = text::normalize_punctuation(starts);
    let hits: Vec<usize> = paras
        .iter()
        .enumerate()
        .filter(|(_, para)| {
            !starts.is_empty() && (para.text.starts_with(starts) || para.text.starts_with(&norm))
        })
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [] => Err(Diagnostic::new(
            Code::BreakNotFound,
            format!("no paragraph starts with “{starts}”"),
        )
        .at(p.file, span())
        .help("copy the first words of the chapter's opening paragraph from the seed")),
        [i] if paras[*i].quote_run.is_some()
            && *i > 0
            && paras[*i - 1].quote_run == paras[*i].quote_run =>
        {
            Err(Diagnostic::new(
                Code::BreakInQuote,
                "a chapter cannot start inside a blockquote",
            )
            .at(p.file, span())
            .help("start the chapter at the first quoted paragraph or after the quotation"))
        }
        [i] if previous.is_some_and(|prev| *i <= prev) => Err(Diagnostic::new(
            Code::BreakOrder,
            "chapter breaks are out of order",
        )
        .at(p.file, span())
        .label(format!("this paragraph is at seed line {}", paras[*i].line))
        .help("list chapters in the order of the text")),
        [i] => Ok(*i),
        many => Err(Diagnostic::new(
            Code::BreakAmbiguous,
            format!("{} paragraphs start with “{starts}”", many.len()),
        )
        .at(p.file, span())
        .note(format!(
            "at seed lines {}",
            many.iter()
                .map(|i| paras[*i].line.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .help("quote more of the opening words, until only one paragraph matches")),
    }
}

/// Consecutive dropped lines with the same reason, as ranges (blank lines join runs).
fn dropped_ranges(roles: &[Role], reasons: &[Option<String>]) -> Vec<Dropped> {
    let mut out: Vec<Dropped> = Vec::new();
    for (i, r) in roles.iter().enumerate() {
        let line = i as u32 + 1;
        let reason = match r {
            Role::Chrome(_) => reasons[i].clone().unwrap_or_default(),
            Role::Author => "author line (kept in edition.yaml)".into(),
            Role::Lead => "lead summary (kept in edition.yaml)".into(),
            Role::Rights => "rights notice (kept in edition.yaml)".into(),
            Role::Blank | Role::Body => continue,
        };
        match out.last_mut() {
            Some(d)
                if d.reason == reason
                    && roles[d.last as usize..i].iter().all(|r| *r == Role::Blank) =>
            {
                d.last = line;
            }
            _ => out.push(Dropped {
                first: line,
                last: line,
                reason,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(line: u32, text: &str) -> Para {
        Para {
            line,
            text: text.into(),
            quote_run: None,
        }
    }

    #[test]
    fn quote_runs_become_one_blockquote_with_the_ellipsis() {
        let mut ps = vec![
            para(1, "引子:"),
            para(2, "“问题一?”"),
            para(3, "“问题二?”"),
            para(4, "……"),
            para(5, "“只引一句”,然后继续。"),
        ];
        mark_quote_runs(&mut ps);
        let runs: Vec<_> = ps.iter().map(|p| p.quote_run).collect();
        assert_eq!(runs, vec![None, Some(0), Some(0), Some(0), None]);
        let md = chunk_markdown(&ps);
        assert_eq!(
            md,
            "引子:\n\n> “问题一?”\n>\n> “问题二?”\n>\n> ……\n\n“只引一句”,然后继续。\n"
        );
    }

    #[test]
    fn a_single_quote_is_not_a_blockquote() {
        let mut ps = vec![para(1, "“一句”"), para(2, "正文。")];
        mark_quote_runs(&mut ps);
        assert!(ps.iter().all(|p| p.quote_run.is_none()));
    }

    #[test]
    fn paragraphs_are_split_per_line_and_chrome_reported() {
        let seed =
            "微信扫码\n作者丨某人\n第一段。\n\n第二段。\n更多内容,点击下方关注:\n2025-02-08\n";
        let r = import(seed, "s.txt", None).unwrap();
        assert_eq!(r.chapters, 1);
        assert_eq!(r.paragraphs, 2);
        let chapter = &r.files[1].1;
        assert!(
            chapter.ends_with("---\n\n第一段。\n\n第二段。\n"),
            "{chapter}"
        );
        assert!(chapter.contains("lines:\n  - 3\n  - 5\n"), "{chapter}");
        let reasons: Vec<_> = r
            .dropped
            .iter()
            .map(|d| (d.first, d.last, d.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, 1, "page chrome"),
                (2, 2, "author line (kept in edition.yaml)"),
                (6, 6, "follow prompt"),
                (7, 7, "related articles and dates"),
            ]
        );
        assert!(r.files[0].1.contains("author: 某人"));
    }
}
