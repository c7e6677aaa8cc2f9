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
use crate::yaml;

/// `content/edition.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The edition's title (the site title).
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// BCP 47 language tag of the text, e.g. `zh-CN`.
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
    /// Interface strings; every key is optional and defaults to Chinese.
    #[serde(default, skip_serializing_if = "Ui::is_default")]
    pub ui: Ui,
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
    "zh-CN".to_string()
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
    /// The lead summary that accompanied the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// The source's rights notice, reproduced on every page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
}

macro_rules! ui_strings {
    ($($field:ident = $default:expr;)*) => {
        /// Interface strings used by the templates.
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
        #[serde(default, deny_unknown_fields)]
        pub struct Ui {
            $(pub $field: String,)*
        }
        impl Default for Ui {
            fn default() -> Self {
                Self { $($field: $default.to_string(),)* }
            }
        }
    };
}

ui_strings! {
    toc = "目录";
    prev = "上一章";
    next = "下一章";
    home = "首页";
    permalink = "本段链接";
    source = "原文";
    author = "作者";
    publication = "发表于";
    rights = "版权声明";
    not_found_title = "页面不存在";
    not_found_text = "你要找的页面不存在或已移动。";
    back_home = "返回首页";
    skip_to_content = "跳到正文";
    lead = "导语";
    chapters = "章节";
    chapter_before = "第 ";
    chapter_after = " 章";
    note = "注释";
    notes = "注释";
    sources = "来源";
    back_to_text = "回到正文";
    note_permalink = "本注链接";
    highlight_passage = "高亮原文";
    close = "关闭";
    annotations = "全部注释";
    pages = "页码";
    all_kinds = "全部";
    kind_note = "注释";
    kind_context = "背景";
    kind_definition = "释义";
    kind_fact_check = "核查";
    kind_translation = "译文";
    kind_source = "来源";
    endnotes = "本章注释";
    companies = "公司与机构";
    people = "人物";
    in_this_text = "在本文中";
    mentions_count = "处提及";
    facts = "要点";
    related = "相关";
    related_notes = "相关注释";
    founded = "成立";
    headquarters = "总部";
    website = "网站";
    founders = "创始人";
    founder = "创始人";
    related_person = "相关人物";
    related_org = "相关机构";
    roles = "任职";
    profile = "简介";
    source_text = "原文";
    view_profile = "查看资料 →";
    search = "搜索";
    glossary = "术语表";
    timeline = "时间线";
    timeline_source = "来源";
    timeline_in_text = "文中";
    search_placeholder = "搜索正文、注释与人物";
    search_no_results = "没有找到结果。";
    search_results = "条结果";
    search_no_js = "搜索需要 JavaScript。不用它也可以从这些页面查找：";
}

impl Ui {
    fn is_default(&self) -> bool {
        *self == Ui::default()
    }

    /// The label of an annotation kind (注释 / 背景 / 释义 / 核查 / 译文 / 来源).
    pub fn kind_label(&self, kind: &str) -> &str {
        match kind {
            "context" => &self.kind_context,
            "definition" => &self.kind_definition,
            "fact-check" => &self.kind_fact_check,
            "translation" => &self.kind_translation,
            "source" => &self.kind_source,
            _ => &self.kind_note,
        }
    }
}

impl Config {
    /// Parses and validates `edition.yaml`.
    pub fn parse(file: FileId, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = yaml::parse(file, 0, text).map_err(|d| vec![d])?;
        let mut diags = Vec::new();
        if config.title.trim().is_empty() {
            diags.push(
                Diagnostic::new(Code::EmptyTitle, "the edition title is empty")
                    .at(file, key_span(text, "title"))
                    .help("give the edition a title, e.g. `title: 为什么中国只有一个 DeepSeek`"),
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
        assert_eq!(c.language, "zh-CN");
        assert_eq!(c.ui.toc, "目录");
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
