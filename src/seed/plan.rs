//! The import plan (`SEED.plan.yaml`): what an editor tells `glossa import`
//! about a seed, and the plan glossa proposes (`--plan-out`).
//!
//! Input: the plan's YAML text. Output: a typed [`Plan`]: edition title and
//! source metadata (lead and rights included), every line's classification
//! (`lines:`, optional: it overrides the built-in rules line by line),
//! explicit furniture ranges (`drop:`, the older form), chapter breaks (by
//! the first words of the paragraph that opens each chapter) with titles and
//! slugs, and the punctuation choice. [`propose`] writes the plan an import
//! followed, so an editor can correct a line or two and import again with
//! `--plan`. Must not read the seed or write files.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LineReport;
use super::chrome::Class;
use crate::config::{Config, SourceMeta};
use crate::diag::{Diagnostic, FileId};
use crate::yaml;

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The seed file this plan is for (file name in `seeds/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// Edition title.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Metadata of the source that the seed does not carry, or that the plan
    /// corrects (each given key wins over what the seed says).
    #[serde(default)]
    pub source: SourceMeta,
    /// Turn half-width `,:;?!()` and ASCII quotation marks between Chinese
    /// characters into full-width forms (in the text, the lead and the
    /// chapter summaries).
    #[serde(default)]
    pub normalize_punctuation: bool,
    /// Every line's classification (`[first, last]`, 1-based, inclusive);
    /// lines not listed keep the built-in rules' classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<PlanLines>>,
    /// Explicit furniture ranges; when present they replace the built-in rules
    /// for what is dropped (title, author, date, lead and rights lines are
    /// still detected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<Vec<DropRange>>,
    #[serde(default)]
    pub chapters: Vec<PlanChapter>,
}

/// Lines `[first, last]` and what they are.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanLines {
    pub lines: [u32; 2],
    pub class: Class,
    /// The rule that decided (or the editor's reason), shown in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Lines `[first, last]` (1-based, inclusive) to drop, and why.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DropRange {
    pub lines: [u32; 2],
    pub reason: String,
}

/// One chapter break.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanChapter {
    /// The first words of the paragraph that opens the chapter.
    pub starts: String,
    pub title: String,
    pub slug: String,
    /// Overrides the default summary (the chapter's first sentence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl Plan {
    pub fn parse(file: FileId, text: &str) -> Result<Plan, Diagnostic> {
        yaml::parse(file, 0, text)
    }
}

/// The plan an import followed, as YAML: the edition's title and source
/// metadata, every non-blank line's class in runs (with the rule that
/// decided), and the chapter breaks.
pub fn propose(
    config: &Config,
    report: &[LineReport],
    chapters: &[PlanChapter],
    normalize_punctuation: bool,
) -> String {
    let mut runs: Vec<PlanLines> = Vec::new();
    for l in report.iter().filter(|l| l.class != Class::Blank) {
        let class = l.class;
        let rule = (class != Class::Text).then(|| l.rule.clone());
        match runs.last_mut() {
            Some(r)
                if r.class == class
                    && r.rule == rule
                    && r.lines[1] + 1 >= l.number - blank_gap(report, r.lines[1], l.number) =>
            {
                r.lines[1] = l.number;
            }
            _ => runs.push(PlanLines {
                lines: [l.number, l.number],
                class,
                rule,
            }),
        }
    }
    let src = &config.source;
    let plan = Plan {
        seed: src.seed.clone(),
        title: config.title.clone(),
        subtitle: config.subtitle.clone(),
        language: Some(config.language.clone()),
        base_url: config.base_url.clone(),
        source: SourceMeta {
            seed: None,
            ..src.clone()
        },
        normalize_punctuation,
        lines: Some(runs),
        drop: None,
        chapters: chapters.to_vec(),
    };
    format!(
        "# yaml-language-server: $schema=../schemas/plan.schema.json\n\
         # The plan `glossa import` followed. Correct a line's class (text, chapter,\n\
         # heading, title, lead, author, date, rights, chrome) or a chapter, then\n\
         # import again with --plan.\n{}",
        compact_ranges(&yaml::to_string(&plan))
    )
}

/// `lines:` ranges on one line (`lines: [3, 7]`), as editors write them.
fn compact_ranges(yaml: &str) -> String {
    let rows: Vec<&str> = yaml.lines().collect();
    let mut out = String::with_capacity(yaml.len());
    let mut i = 0;
    while i < rows.len() {
        let row = rows[i];
        let key = row.trim_start_matches(['-', ' ']);
        let indent = row.len() - key.len();
        let item = |k: usize| {
            rows.get(k).and_then(|r| {
                let t = r.trim_start();
                (r.len() - t.len() == indent && t.starts_with("- ")).then(|| t[2..].trim())
            })
        };
        if key == "lines:"
            && let (Some(a), Some(b)) = (item(i + 1), item(i + 2))
            && a.parse::<u32>().is_ok()
            && b.parse::<u32>().is_ok()
        {
            out.push_str(&format!("{row} [{a}, {b}]\n"));
            i += 3;
            continue;
        }
        out.push_str(row);
        out.push('\n');
        i += 1;
    }
    out
}

/// How many blank lines lie between line `a` and line `b` (1-based).
fn blank_gap(report: &[LineReport], a: u32, b: u32) -> u32 {
    (a..b.saturating_sub(1))
        .filter(|&n| {
            report
                .get(n as usize)
                .is_some_and(|l| l.class == Class::Blank)
        })
        .count() as u32
}
