//! The edition's settings: `content/edition.yaml` → validated [`Config`].
//!
//! Input: the text of `edition.yaml` (already registered as a source file).
//! Output: a [`Config`] (title, language, base URL, the source's metadata, UI
//! strings) or diagnostics positioned in that file.
//!
//! Must not read files or touch other content; `import` serializes the same type
//! to write `edition.yaml`, so the two stay in step.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diag::{Code, Diagnostic, FileId};
use crate::i18n::{PackRef, Ui, UiOverrides};
use crate::yaml;

/// `content/edition.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The edition's title (the site title).
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// BCP 47 language tag of the text, e.g. `zh-CN`; it chooses the language
    /// pack (interface strings, typography, dates): `zh-CN`, `zh-TW`, `en`, `ja`.
    #[serde(default = "default_language")]
    pub language: String,
    /// Absolute URL the site is deployed at; used for canonical links (and later feeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Date this edition was last updated (YYYY-MM-DD); the feed's `updated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The source text's metadata, shown on every page.
    #[serde(default)]
    pub source: SourceMeta,
    /// How entity mentions become links.
    #[serde(default, skip_serializing_if = "Mentions::is_default")]
    pub mentions: Mentions,
    /// Interface strings that replace the language pack's (any key of the pack's `ui`).
    #[serde(default, rename = "ui", skip_serializing_if = "UiOverrides::is_empty")]
    pub ui_overrides: UiOverrides,
    /// The interface strings in use: the pack's, with `ui:` applied.
    #[serde(skip)]
    #[schemars(skip)]
    pub ui: Ui,
    /// The language pack for `language` (English when none fits).
    #[serde(skip)]
    #[schemars(skip)]
    pub pack: PackRef,
    /// What `check` looks for beyond errors.
    #[serde(default, skip_serializing_if = "CheckSettings::is_default")]
    pub check: CheckSettings,
    /// How the HTML output is minified.
    #[serde(default, skip_serializing_if = "Minify::is_default")]
    pub minify: Minify,
    /// The order of the company groups on `companies/`; groups not listed
    /// follow in the order the text first mentions one of their companies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl Config {
    /// A configuration with this title and language, everything else at its
    /// default (the pack and its strings resolved when the file is loaded).
    pub fn new(title: impl Into<String>, language: impl Into<String>) -> Config {
        Config {
            title: title.into(),
            subtitle: None,
            language: language.into(),
            base_url: None,
            updated: None,
            source: SourceMeta::default(),
            mentions: Mentions::default(),
            ui_overrides: UiOverrides::default(),
            ui: Ui::default(),
            pack: PackRef::default(),
            check: CheckSettings::default(),
            minify: Minify::default(),
            groups: Vec::new(),
        }
    }
}

/// `minify:` in `edition.yaml`.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Minify {
    /// The templates are minified once, when they are compiled, and glossa
    /// writes its own markup without insignificant whitespace: pages come out
    /// a few percent larger than with `pages`, at half the build time.
    #[default]
    Templates,
    /// Also pass every page through the minifier after rendering (attribute
    /// quotes and optional whitespace removed everywhere).
    Pages,
    /// Nothing is minified: readable output for template authors.
    None,
}

impl Minify {
    fn is_default(&self) -> bool {
        *self == Minify::default()
    }
}

/// `check:` in `edition.yaml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// More likely names (besides the built-in list) that need a profile or an
    /// annotation when the text mentions them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Names mentioned in the text that need neither a profile nor a note.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
}

impl CheckSettings {
    fn is_default(&self) -> bool {
        *self == CheckSettings::default()
    }
}

/// `mentions:` in `edition.yaml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mentions {
    /// Which mentions become links (every mention is indexed regardless).
    #[serde(default)]
    pub link: LinkPolicy,
}

impl Mentions {
    fn is_default(&self) -> bool {
        *self == Mentions::default()
    }
}

/// Which mentions of an entity become links in chapter text.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LinkPolicy {
    /// The first mention of each entity in each chapter.
    #[default]
    FirstInChapter,
    All,
    None,
}

fn default_language() -> String {
    crate::i18n::FALLBACK.to_string()
}

/// Metadata of the source text (the original publication).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Seed file (in `seeds/`) the edition was imported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// The lead summary that accompanied the source (Markdown: a numbered
    /// list of points renders as a list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// The source's rights notice, reproduced on every page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
}

impl Config {
    /// Parses and validates `edition.yaml`.
    pub fn parse(file: FileId, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut config: Config = yaml::parse(file, 0, text).map_err(|d| vec![d])?;
        config.pack = PackRef(crate::i18n::pack_or_fallback(&config.language));
        config.ui = config.ui_overrides.apply(config.pack.ui.clone());
        let mut diags = Vec::new();
        if config.title.trim().is_empty() {
            diags.push(
                Diagnostic::new(Code::EmptyTitle, "the edition title is empty")
                    .at(file, key_span(text, "title"))
                    .help("give the edition a title, e.g. `title: Reading the Rosetta Stone`"),
            );
        }
        if let Some(url) = &config.base_url
            && !crate::diag::is_web_url(url)
        {
            diags.push(
                Diagnostic::new(
                    Code::BadBaseUrl,
                    format!("base_url `{url}` is not an absolute http(s) URL"),
                )
                .at(file, key_span(text, "base_url"))
                .help("write it as `https://example.org/edition/`, or remove it"),
            );
        }
        if diags.is_empty() {
            Ok(config)
        } else {
            Err(diags)
        }
    }

    /// The base URL with exactly one trailing slash, if configured.
    pub fn base_url(&self) -> Option<String> {
        self.base_url
            .as_ref()
            .map(|u| format!("{}/", u.trim_end_matches('/')))
    }
}

/// Span of a top-level key of `edition.yaml`, or the start of the file.
fn key_span(text: &str, key: &str) -> std::ops::Range<usize> {
    yaml::Tree::parse(text, 0)
        .key(&[key.into()])
        .unwrap_or(0..0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;
    use std::path::Path;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut s = Sources::new();
        let f = s.add(
            Path::new("edition.yaml"),
            "edition.yaml".into(),
            text.into(),
        );
        Config::parse(f, text)
    }

    #[test]
    fn defaults_and_roundtrip() {
        let c = parse("title: 书\n").unwrap();
        assert_eq!(c.language, "en");
        assert_eq!(c.ui.toc, crate::i18n::pack_or_fallback("en").ui.toc);
        let c = parse("title: 书\nlanguage: zh-CN\nui:\n  toc: 章节一览\n").unwrap();
        assert_eq!(c.ui.toc, "章节一览");
        assert_eq!(c.ui.prev, crate::i18n::pack_or_fallback("zh-CN").ui.prev);
        let again = parse(&yaml::to_string(&c)).unwrap();
        assert_eq!(c, again);
    }

    #[test]
    fn validation() {
        let e = parse("title: ' '\nbase_url: example.org\n").unwrap_err();
        assert_eq!(e.len(), 2);
        let e = parse("title: x\nui:\n  tco: 目\n").unwrap_err();
        assert_eq!(e[0].help.as_deref(), Some("did you mean `toc`?"));
    }

    #[test]
    fn base_url_has_one_trailing_slash() {
        let c = parse("title: x\nbase_url: https://a.org/ed//\n").unwrap();
        assert_eq!(c.base_url().unwrap(), "https://a.org/ed/");
    }
}
