//! Seeds in: a raw source text (+ an optional plan) → content files (`glossa import`;
//! not to be confused with importing annotations, which is `webanno::import`).
//!
//! Input: the seed's text and, optionally, its [`Plan`]. Output: the text of
//! `edition.yaml` and of `chapters/NN-slug.md` (front matter serialized from the
//! content model types, one Markdown paragraph per source paragraph), every
//! line's classification with the rule that decided it (for the report and
//! `--dry-run`), and the plan glossa inferred (for `--plan-out`).
//!
//! Rules: lines are classified by the named rules of [`chrome`] (a plan's
//! `lines:` and `drop:` override them); title, author, date, lead and rights
//! lines become edition metadata; numbered headings open chapters when the
//! plan lists none; a run of two or more fully quoted paragraphs (optionally
//! followed by an ellipsis line) becomes one blockquote; text is escaped so it
//! renders exactly as in the seed. Saved web pages go through [`html`] first.
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
use chrome::{Class, Line, Meta};
pub use plan::Plan;

/// A plan together with where it came from (for diagnostics).
pub struct PlanInput<'a> {
    pub plan: &'a Plan,
    pub file: FileId,
    pub text: &'a str,
}

/// A run of lines that are not in the text, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub first: u32,
    pub last: u32,
    pub reason: String,
}

/// One line of the seed as import read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineReport {
    /// 1-based.
    pub number: u32,
    pub class: Class,
    /// The rule's id (`plan` when a plan decided).
    pub rule: String,
    /// Why (the rule's reason, or the plan's).
    pub reason: String,
    pub text: String,
}

/// What an import produces.
#[derive(Debug, Clone)]
pub struct Imported {
    /// `(path relative to the content folder, text)`, `edition.yaml` first.
    pub files: Vec<(String, String)>,
    /// Every line's classification.
    pub lines: Vec<LineReport>,
    /// Runs of lines not in the text (metadata and furniture).
    pub dropped: Vec<Dropped>,
    pub chapters: usize,
    pub paragraphs: usize,
    /// The plan this import followed, written out (`--plan-out`).
    pub plan: String,
}

/// A body paragraph of the seed.
#[derive(Debug, Clone)]
struct Para {
    line: u32,
    text: String,
    /// Part of a blockquote run (the id of the run).
    quote_run: Option<usize>,
    /// A heading inside the chapter (`##`).
    heading: bool,
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
    let (classes, reasons) = classify_lines(&lines, plan.as_ref(), &mut diags);
    let meta = chrome::meta(&lines, &classes);
    let normalize = plan.as_ref().is_some_and(|p| p.plan.normalize_punctuation);
    let paras = body_paragraphs(&lines, &classes, normalize);
    if paras.iter().all(|p| p.heading) {
        diags.push(Diagnostic::new(
            Code::EmptySeed,
            "the seed has no body text after dropping page furniture",
        ).help("run `glossa import SEED --dry-run` to see how each line was classified, and correct it with a plan (`--plan-out`)"));
    }
    let chapters = chapter_breaks(&lines, &classes, &paras, plan.as_ref(), &mut diags);
    if !diags.is_empty() {
        return Err(diags);
    }
    let config = edition_config(&meta, seed_name, plan.as_ref(), &paras);
    let mut files = vec![(
        "edition.yaml".to_string(),
        format!("{SCHEMA_MODELINE}{}", yaml::to_string(&config)),
    )];
    for (k, ch) in chapters.iter().enumerate() {
        let end = chapters.get(k + 1).map_or(paras.len(), |c| c.start);
        let chunk = &paras[ch.start..end];
        files.push((
            format!("chapters/{:02}-{}.md", k + 1, ch.slug),
            chapter_file(chunk, k, &ch.title, ch.summary.as_deref(), seed_name),
        ));
    }
    let report = line_reports(&lines, &classes, &reasons);
    let proposed = plan::propose(
        &config,
        &report,
        &chapters_for_plan(&chapters, &paras),
        normalize,
    );
    Ok(Imported {
        files,
        dropped: dropped_ranges(&report),
        lines: report,
        chapters: chapters.len(),
        paragraphs: paras.iter().filter(|p| !p.heading).count(),
        plan: proposed,
    })
}

/// Converts a saved web page: the article [`html::extract`] finds, as
/// `edition.yaml` (the page's metadata; a plan's title and `source:` win) and
/// one chapter file per chapter of the article (`<h2>` sections; text before
/// the first is an opening chapter). The report lists what was moved to the
/// metadata or dropped, with the rule that did it (no line numbers: a page
/// has none). A plan's `lines:`, `drop:` and `chapters:` do not apply to a
/// page.
pub fn import_html(
    page: &str,
    file: FileId,
    seed_name: &str,
    plan: Option<PlanInput>,
) -> Result<Imported, Vec<Diagnostic>> {
    let article = html::extract(page).map_err(|u| {
        vec![Diagnostic::new(
            Code::Unreadable,
            format!("no article text in {seed_name}: {}", u.why),
        )
        .at(file, 0..0)
        .help("save the page again once it has loaded completely, or copy the article's text into a .txt seed")]
    })?;
    let blocks: Vec<Vec<String>> = article
        .chapters
        .iter()
        .map(|c| crate::text::visible_blocks(&c.markdown))
        .collect();
    let paras: Vec<Para> = blocks
        .iter()
        .flatten()
        .map(|text| Para {
            line: 0,
            text: text.clone(),
            quote_run: None,
            heading: false,
        })
        .collect();
    let meta = Meta {
        title: article.title.clone(),
        author: article.author.clone(),
        publication: article.publication.clone(),
        date: article.date.clone(),
        lead: article.lead.clone(),
        rights: article.rights.clone(),
    };
    let mut config = edition_config(&meta, seed_name, plan.as_ref(), &paras);
    if config.source.url.is_none() {
        config.source.url = article.url.clone();
    }
    let pack = crate::i18n::pack_or_fallback(&config.language);
    let mut files = vec![(
        "edition.yaml".to_string(),
        format!("{SCHEMA_MODELINE}{}", yaml::to_string(&config)),
    )];
    let mut slugs = Vec::new();
    let single = article.chapters.len() == 1;
    let mut planned = Vec::new();
    for (k, (ch, blocks)) in article.chapters.iter().zip(&blocks).enumerate() {
        let (title, slug) = match &ch.title {
            Some(t) => (t.clone(), unique_slug(&text::slug_of(t, k + 1), &mut slugs)),
            None if single => (pack.new.whole_text.clone(), unique_slug("text", &mut slugs)),
            None => (pack.new.opening.clone(), unique_slug("opening", &mut slugs)),
        };
        let first = blocks
            .iter()
            .find(|b| !b.trim().is_empty())
            .cloned()
            .unwrap_or_default();
        let meta = ChapterMeta {
            title: title.clone(),
            order: k as u32 + 1,
            slug: None,
            summary: Some(text::first_sentence(&first, 60)),
            source: None,
            annotations: Vec::new(),
        };
        files.push((
            format!("chapters/{:02}-{slug}.md", k + 1),
            format!(
                "---\n{}---\n\n{}",
                yaml::to_string(&meta),
                ch.markdown.trim_start()
            ),
        ));
        planned.push(plan::PlanChapter {
            starts: text::opening_words(&first),
            title,
            slug,
            summary: None,
        });
    }
    let lines: Vec<LineReport> = article
        .dropped
        .iter()
        .map(|(rule, what)| LineReport {
            number: 0,
            class: Class::Furniture,
            rule: rule.clone(),
            reason: "dropped from the saved page".to_string(),
            text: what.clone(),
        })
        .collect();
    let proposed = plan::propose(&config, &[], &planned, false);
    Ok(Imported {
        files,
        dropped: Vec::new(),
        lines,
        chapters: article.chapters.len(),
        paragraphs: paras.len(),
        plan: proposed,
    })
}

/// `edition.yaml` of a re-import: the existing file's values win (they may
/// have been set by hand), the seed's file name is the new one, keys the
/// existing file lacks are added. Returns the text to write (the existing
/// text itself when nothing changes) and the keys whose existing value won
/// over a different imported one.
pub fn merge_edition(existing: &str, new: &str) -> (String, Vec<String>) {
    match yaml::merge_keep_existing(existing, new, &["source.seed"]) {
        (Some(merged), kept) => (format!("{SCHEMA_MODELINE}{merged}"), kept),
        (None, kept) => (existing.to_string(), kept),
    }
}

/// What a plan said about a line: the rule it names (`lines:`) or the
/// reason it gives (`drop:`).
#[derive(Debug, Clone)]
enum Said {
    Rule(String),
    Reason(String),
}

/// Each line's classification (the built-in rules, then the plan's `lines:`
/// and `drop:`) and, where a plan decided, what it said.
fn classify_lines(
    lines: &[&str],
    plan: Option<&PlanInput<'_>>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Line>, Vec<Option<Said>>) {
    let titled = plan.is_some_and(|p| !p.plan.title.trim().is_empty());
    let (mut classes, _) = chrome::classify(lines, titled);
    let mut reasons: Vec<Option<Said>> = vec![None; lines.len()];
    let Some(p) = plan else {
        return (classes, reasons);
    };
    if !p.plan.chapters.is_empty() {
        // The plan decides the chapters: detected headings are text.
        for c in classes.iter_mut().filter(|c| c.class == Class::Chapter) {
            *c = Line {
                class: Class::Text,
                rule: chrome::TEXT,
            };
        }
    }
    for (k, range) in p.plan.lines.iter().flatten().enumerate() {
        let Some(span) = plan_range(
            p,
            range.lines,
            &["lines".into(), k.into(), "lines".into()],
            lines.len(),
            diags,
        ) else {
            continue;
        };
        for i in span {
            if classes[i].class != Class::Blank {
                classes[i] = Line {
                    class: range.class,
                    rule: chrome::PLAN,
                };
                reasons[i] = range.rule.clone().map(Said::Rule);
            }
        }
    }
    if let Some(ranges) = &p.plan.drop {
        // The plan's drop ranges decide what is dropped; metadata lines stay metadata.
        for c in classes.iter_mut() {
            if c.class == Class::Furniture && c.rule != chrome::PLAN {
                *c = Line {
                    class: Class::Text,
                    rule: chrome::TEXT,
                };
            }
        }
        for (k, range) in ranges.iter().enumerate() {
            let Some(span) = plan_range(
                p,
                range.lines,
                &["drop".into(), k.into(), "lines".into()],
                lines.len(),
                diags,
            ) else {
                continue;
            };
            for i in span {
                if classes[i].class == Class::Text {
                    classes[i] = Line {
                        class: Class::Furniture,
                        rule: chrome::PLAN,
                    };
                    reasons[i] = Some(Said::Reason(range.reason.clone()));
                }
            }
        }
    }
    (classes, reasons)
}

/// The 0-based lines of a plan range `[first, last]`, or a diagnostic.
fn plan_range(
    p: &PlanInput<'_>,
    [a, b]: [u32; 2],
    path: &[yaml::Step<'_>],
    count: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<std::ops::Range<usize>> {
    if a == 0 || a > b || b as usize > count {
        diags.push(
            Diagnostic::new(
                Code::BadLineRange,
                format!("line range [{a}, {b}] is outside the seed's {count} lines"),
            )
            .at(p.file, plan_span(p, path))
            .help("write `lines: [first, last]` with 1 <= first <= last <= the seed's line count"),
        );
        return None;
    }
    Some(a as usize - 1..b as usize)
}

/// The text lines as paragraphs (punctuation normalised if asked) and the
/// headings inside chapters, with blockquote runs marked.
fn body_paragraphs(lines: &[&str], classes: &[Line], normalize: bool) -> Vec<Para> {
    let mut paras: Vec<Para> = lines
        .iter()
        .zip(classes)
        .enumerate()
        .filter(|(_, (_, c))| matches!(c.class, Class::Text | Class::Heading))
        .map(|(i, (l, c))| Para {
            line: i as u32 + 1,
            text: if normalize {
                text::normalize_punctuation(l.trim())
            } else {
                l.trim().to_string()
            },
            quote_run: None,
            heading: c.class == Class::Heading,
        })
        .collect();
    mark_quote_runs(&mut paras);
    paras
}

/// Where a chapter starts, and what it is called.
#[derive(Debug, Clone)]
pub(crate) struct ChapterStart {
    /// Index of its first paragraph.
    start: usize,
    title: String,
    slug: String,
    summary: Option<String>,
    /// The seed line of its heading (detected or planned), if any.
    heading_line: Option<u32>,
}

/// The chapters: the plan's breaks; else one per chapter heading (with an
/// opening chapter for text before the first); else the whole text.
fn chapter_breaks(
    lines: &[&str],
    classes: &[Line],
    paras: &[Para],
    plan: Option<&PlanInput<'_>>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ChapterStart> {
    if let Some(p) = plan.filter(|p| !p.plan.chapters.is_empty()) {
        return find_breaks(paras, p, diags)
            .into_iter()
            .map(|(i, c)| ChapterStart {
                start: i,
                title: c.title.clone(),
                slug: c.slug.clone(),
                summary: c.summary.clone(),
                heading_line: None,
            })
            .collect();
    }
    let language = plan
        .and_then(|p| p.plan.language.clone())
        .unwrap_or_else(|| guess_language(paras).to_string());
    let pack = crate::i18n::pack_or_fallback(&language);
    let mut out: Vec<ChapterStart> = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    for (i, c) in classes.iter().enumerate() {
        if c.class != Class::Chapter {
            continue;
        }
        let start = paras
            .iter()
            .position(|p| p.line as usize > i)
            .unwrap_or(paras.len());
        if out.is_empty() && start > 0 {
            out.push(opening(&pack.new.opening, &mut slugs));
        }
        let title = lines[i].trim().to_string();
        let slug = unique_slug(&text::slug_of(&title, out.len() + 1), &mut slugs);
        out.push(ChapterStart {
            start,
            title,
            slug,
            summary: None,
            heading_line: Some(i as u32 + 1),
        });
    }
    if out.is_empty() {
        out.push(ChapterStart {
            start: 0,
            title: pack.new.whole_text.clone(),
            slug: "text".to_string(),
            summary: None,
            heading_line: None,
        });
    }
    // A heading with no text after it (before the next one) has nothing to hold.
    out.dedup_by(|b, a| a.start == b.start && a.heading_line.is_none());
    out
}

/// The untitled opening chapter (text before the first heading).
fn opening(title: &str, slugs: &mut Vec<String>) -> ChapterStart {
    ChapterStart {
        start: 0,
        title: title.to_string(),
        slug: unique_slug("opening", slugs),
        summary: None,
        heading_line: None,
    }
}

/// `slug`, or `slug-2`, `slug-3`… when taken.
fn unique_slug(slug: &str, taken: &mut Vec<String>) -> String {
    let mut s = slug.to_string();
    let mut n = 2;
    while taken.contains(&s) {
        s = format!("{slug}-{n}");
        n += 1;
    }
    taken.push(s.clone());
    s
}

/// The chapters as a plan writes them: the first words of their first paragraph.
fn chapters_for_plan(chapters: &[ChapterStart], paras: &[Para]) -> Vec<plan::PlanChapter> {
    chapters
        .iter()
        .filter_map(|c| {
            let first = paras[c.start..].iter().find(|p| !p.heading)?;
            Some(plan::PlanChapter {
                starts: text::opening_words(&first.text),
                title: c.title.clone(),
                slug: c.slug.clone(),
                summary: c.summary.clone(),
            })
        })
        .collect()
}

/// `edition.yaml`: the plan's title and source metadata, and what the seed's
/// title, author, date, lead and rights lines say (the plan wins).
fn edition_config(
    meta: &Meta,
    seed_name: &str,
    plan: Option<&PlanInput<'_>>,
    paras: &[Para],
) -> Config {
    let normalize = plan.is_some_and(|p| p.plan.normalize_punctuation);
    let seed_stem = seed_name
        .rsplit_once('.')
        .map_or(seed_name, |(stem, _)| stem);
    let src = plan.map(|p| p.plan.source.clone()).unwrap_or_default();
    let plan_title = plan
        .map(|p| p.plan.title.clone())
        .filter(|t| !t.trim().is_empty());
    let lead = src.lead.clone().or_else(|| {
        meta.lead
            .as_deref()
            .map(|l| text::lead_markdown(l, normalize))
    });
    let title = plan_title
        .or_else(|| meta.title.clone())
        .unwrap_or_else(|| seed_stem.to_string());
    let language = plan
        .and_then(|p| p.plan.language.clone())
        .unwrap_or_else(|| guess_language(paras).to_string());
    Config {
        subtitle: plan.and_then(|p| p.plan.subtitle.clone()),
        base_url: plan.and_then(|p| p.plan.base_url.clone()),
        source: SourceMeta {
            title: src.title.or_else(|| meta.title.clone()),
            author: src.author.or_else(|| meta.author.clone()),
            publication: src.publication.or_else(|| meta.publication.clone()),
            url: src.url,
            date: src.date.or_else(|| meta.date.clone()),
            seed: Some(seed_name.to_string()),
            lead,
            rights: src.rights.or_else(|| meta.rights.clone()),
        },
        ..Config::new(title, language)
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
    let first = chunk.iter().find(|p| !p.heading).unwrap_or(&chunk[0]);
    let meta = ChapterMeta {
        title: title.to_string(),
        order: k as u32 + 1,
        slug: None,
        summary: Some(
            summary
                .map(str::to_string)
                .unwrap_or_else(|| text::first_sentence(&first.text, 60)),
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

/// Every line as the report and `--dry-run` show it.
fn line_reports(lines: &[&str], classes: &[Line], said: &[Option<Said>]) -> Vec<LineReport> {
    lines
        .iter()
        .zip(classes)
        .zip(said)
        .enumerate()
        .map(|(i, ((l, c), said))| {
            let (rule, reason) = match said {
                // A built-in rule's id named in the plan keeps its reason.
                Some(Said::Rule(r)) => (
                    r.clone(),
                    chrome::RULES
                        .iter()
                        .find(|x| x.id == r)
                        .map_or(chrome::PLAN.reason, |x| x.reason)
                        .to_string(),
                ),
                Some(Said::Reason(r)) => (c.rule.id.to_string(), r.clone()),
                None => (c.rule.id.to_string(), c.rule.reason.to_string()),
            };
            LineReport {
                number: i as u32 + 1,
                class: c.class,
                rule,
                reason,
                text: l.trim().to_string(),
            }
        })
        .collect()
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
        if p.heading {
            if k > 0 {
                out.push('\n');
            }
            out.push_str("## ");
            out.push_str(&md);
            out.push('\n');
            continue;
        }
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

/// Consecutive lines not in the text with the same class and rule, as
/// ranges (blank lines join runs).
fn dropped_ranges(report: &[LineReport]) -> Vec<Dropped> {
    let mut out: Vec<Dropped> = Vec::new();
    let mut last_kept: Option<usize> = None;
    for (i, l) in report.iter().enumerate() {
        let reason = match l.class {
            Class::Blank | Class::Text | Class::Heading => continue,
            Class::Furniture => format!("{}: {}", l.rule, l.reason),
            c => format!("{} (kept in edition.yaml)", c.as_str()),
        };
        let reason = if l.class == Class::Chapter {
            "chapter heading (the chapter's title)".to_string()
        } else {
            reason
        };
        match (out.last_mut(), last_kept) {
            (Some(d), Some(k))
                if d.reason == reason
                    && report[k + 1..i].iter().all(|r| r.class == Class::Blank) =>
            {
                d.last = l.number;
            }
            _ => out.push(Dropped {
                first: l.number,
                last: l.number,
                reason,
            }),
        }
        last_kept = Some(i);
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
            heading: false,
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
            .map(|d| (d.first, d.last, d.reason.split(':').next().unwrap_or("")))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, 1, "nav"),
                (2, 2, "author (kept in edition.yaml)"),
                (6, 6, "follow-prompt"),
                (7, 7, "after-article"),
            ]
        );
        // Every line is accounted for, with its rule.
        assert_eq!(r.lines.len(), 7);
        assert_eq!(r.lines[0].rule, "nav");
        assert_eq!(r.lines[2].class, Class::Text);
        assert!(r.files[0].1.contains("author: 某人"));
    }

    #[test]
    fn a_plan_can_make_a_line_a_heading_inside_a_chapter() {
        let seed = "标题行\n作者丨某人\n一、第一部分\n第一段正文。\n二、第二部分\n第二段正文。\n";
        let plan_text = "title: 标题\nlines:\n  - lines: [5, 5]\n    class: heading\n";
        let mut sources = crate::diag::Sources::new();
        let file = sources.add(
            std::path::Path::new("p.yaml"),
            "p.yaml".into(),
            plan_text.into(),
        );
        let plan = Plan::parse(file, plan_text).unwrap();
        let r = import(
            seed,
            "s.txt",
            Some(PlanInput {
                plan: &plan,
                file,
                text: plan_text,
            }),
        )
        .unwrap();
        assert_eq!(r.chapters, 1, "{:?}", r.files);
        assert!(r.files[1].0.ends_with(".md"));
        assert!(
            r.files[1]
                .1
                .ends_with("第一段正文。\n\n## 二、第二部分\n\n第二段正文。\n"),
            "{}",
            r.files[1].1
        );
        assert!(
            r.files[1].1.contains("title: 一、第一部分"),
            "{}",
            r.files[1].1
        );
    }
}
