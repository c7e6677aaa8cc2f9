//! The import plan an editor writes next to a seed (`SEED.plan.yaml`).
//!
//! Input: the plan's YAML text. Output: a typed [`Plan`]: edition title and
//! source metadata, chapter breaks (by the first words of the paragraph that
//! opens each chapter) with titles and slugs, optional explicit chrome ranges,
//! and the punctuation choice. Must not read the seed or write files.

use serde::Deserialize;

use crate::diag::{Diagnostic, FileId};
use crate::yaml;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The seed file this plan is for (file name in `seeds/`).
    #[serde(default)]
    pub seed: Option<String>,
    /// Edition title.
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub source: PlanSource,
    /// Turn half-width `,:;?!()` between Chinese characters into full-width forms.
    #[serde(default)]
    pub normalize_punctuation: bool,
    /// Explicit chrome ranges; when present they replace the built-in rules for
    /// what is dropped (author line, lead and rights notice are still detected).
    #[serde(default)]
    pub drop: Option<Vec<DropRange>>,
    #[serde(default)]
    pub chapters: Vec<PlanChapter>,
}

/// Metadata of the source that the seed text does not carry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanSource {
    #[serde(default)]
    pub title: Option<String>,
    /// Overrides the author found on the author line.
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub publication: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// Lines `[first, last]` (1-based, inclusive) to drop, and why.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DropRange {
    pub lines: [u32; 2],
    pub reason: String,
}

/// One chapter break.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanChapter {
    /// The first words of the paragraph that opens the chapter.
    pub starts: String,
    pub title: String,
    pub slug: String,
    /// Overrides the default summary (the chapter's first sentence).
    #[serde(default)]
    pub summary: Option<String>,
}

impl Plan {
    pub fn parse(file: FileId, text: &str) -> Result<Plan, Diagnostic> {
        yaml::parse(file, 0, text)
    }
}
