//! Language packs: what glossa writes in the edition's language.
//!
//! Input: a BCP 47 tag (`language:` in `edition.yaml`). Output: the [`Pack`]
//! for it — the interface strings ([`Ui`]) and the punctuation the templates
//! put around quotes, numbers and lists, the OpenGraph locale, whether the
//! script is written without spaces (CJK typography), date formats, the
//! likely names `check` looks for, and the texts `glossa new` and
//! `glossa init` write. Packs are YAML files compiled into the binary
//! (`src/i18n/*.yaml`); a tag without a pack falls back to English (and
//! `content` warns). An edition's `ui:` overrides any interface string
//! ([`UiOverrides`]).
//!
//! This module (with the seed-import rules for Chinese sources and the
//! benchmark corpus) is where text in a particular language lives; the engine
//! holds none (`tests/no_edition_text.rs`). Must not read files.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The packs compiled in: (tag, YAML text).
const PACKS: [(&str, &str); 4] = [
    ("zh-CN", include_str!("zh-CN.yaml")),
    ("zh-TW", include_str!("zh-TW.yaml")),
    ("en", include_str!("en.yaml")),
    ("ja", include_str!("ja.yaml")),
];

/// The pack used when no pack fits the edition's language.
pub const FALLBACK: &str = "en";

macro_rules! ui_strings {
    ($($field:ident,)*) => {
        /// Interface strings used by the templates and the HTML passes.
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
        #[serde(deny_unknown_fields)]
        pub struct Ui {
            $(pub $field: String,)*
        }

        /// `ui:` in `edition.yaml`: any interface string, replacing the
        /// language pack's.
        #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
        #[serde(deny_unknown_fields)]
        pub struct UiOverrides {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
        }

        impl UiOverrides {
            /// The pack's strings with these overrides applied.
            pub fn apply(&self, mut ui: Ui) -> Ui {
                $(if let Some(v) = &self.$field {
                    ui.$field = v.clone();
                })*
                ui
            }

            /// Whether no string is overridden.
            pub fn is_empty(&self) -> bool {
                *self == UiOverrides::default()
            }
        }
    };
}

ui_strings! {
    toc, prev, next, home, permalink, source, author, publication, rights,
    not_found_title, not_found_text, back_home, skip_to_content, lead, chapters,
    chapter_before, chapter_after, note, notes, sources, back_to_text,
    note_permalink, highlight_passage, close, annotations, pages, all_kinds,
    kind_note, kind_context, kind_definition, kind_fact_check, kind_translation,
    kind_source, endnotes, companies, people, in_this_text, mentions_count,
    mentions_count_one,
    facts, related, related_notes, founded, headquarters, website, founders,
    founder, related_person, related_org, roles, profile, source_text,
    according_to_text, view_profile, search, glossary, timeline,
    timeline_source, timeline_in_text, search_placeholder, search_no_results,
    search_results, search_result_one, search_no_js, nav_site, nav_pager, nav_kinds, nav_entities,
    q_open, q_close, paren_open, paren_close, colon, comma, enum_comma,
    semicolon,
}

impl Ui {
    /// The label of an annotation kind.
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

/// How dates are written: `{y}`, `{m}`, `{d}` are numbers, `{month}` the
/// month's name (from `months`, when the language names months).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DateFormats {
    pub year: String,
    pub month: String,
    pub day: String,
    #[serde(default)]
    pub months: Vec<String>,
}

/// What `glossa new` writes into a new file (and `check` warns about while
/// it is unchanged), and the title of an import's single chapter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewTexts {
    pub chapter_title: String,
    pub chapter_body: String,
    pub group: String,
    pub description: String,
    pub profile_body: String,
    pub whole_text: String,
    pub opening: String,
}

/// The words of the preview's editing controls (`serve`'s authoring mode):
/// shown to editors, never in a built site.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EditTexts {
    pub annotate: String,
    pub new_company: String,
    pub new_person: String,
    pub new_note: String,
    pub edit_note: String,
    pub edit: String,
    pub delete: String,
    pub confirm_delete: String,
    pub save: String,
    pub cancel: String,
    pub passage: String,
    pub kind: String,
    pub note: String,
    pub preview: String,
    pub sources: String,
    pub source_title: String,
    pub source_publisher: String,
    pub source_url: String,
    pub source_date: String,
    pub add_source: String,
    pub remove: String,
    pub refs: String,
    pub add_ref: String,
    pub date: String,
    pub id: String,
    pub new_profile: String,
    pub name: String,
    pub not_saved: String,
    pub shortcut: String,
}

/// The example project `glossa init` writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InitTexts {
    pub title: String,
    pub source_title: String,
    pub chapter_title: String,
    pub paragraphs: Vec<String>,
    /// A passage of the paragraphs (exactly once) that the example note is about.
    pub quote: String,
    pub note: String,
    pub company_name: String,
    pub company_description: String,
    pub company_group: String,
    pub person_name: String,
    pub person_description: String,
}

/// One language pack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The BCP 47 tag it is for.
    pub language: String,
    /// The language's own name.
    pub name: String,
    /// OpenGraph `og:locale`.
    pub og_locale: String,
    /// Written without spaces between words (CJK typography).
    pub cjk: bool,
    pub ui: Ui,
    pub dates: DateFormats,
    /// Likely names for the unprofiled-name warning.
    pub names: Vec<String>,
    pub new: NewTexts,
    pub init: InitTexts,
    pub edit: EditTexts,
}

impl Pack {
    /// A date (`month` and `day` 0 when not given) in this language.
    pub fn date(&self, year: u16, month: u8, day: u8) -> String {
        let pattern = match (month, day) {
            (0, _) => &self.dates.year,
            (_, 0) => &self.dates.month,
            _ => &self.dates.day,
        };
        let name = self
            .dates
            .months
            .get(usize::from(month).wrapping_sub(1))
            .map_or("", String::as_str);
        pattern
            .replace("{y}", &year.to_string())
            .replace("{month}", name)
            .replace("{m}", &month.to_string())
            .replace("{d}", &day.to_string())
    }
}

static LOADED: std::sync::LazyLock<Vec<Pack>> = std::sync::LazyLock::new(|| {
    PACKS
        .iter()
        .map(|(tag, text)| {
            crate::yaml::value_or_error::<Pack>(text)
                .unwrap_or_else(|e| panic!("the {tag} language pack does not parse: {e}"))
        })
        .collect()
});

/// Every pack compiled in.
pub fn packs() -> &'static [Pack] {
    &LOADED
}

/// The tags of the packs, for messages.
pub fn tags() -> Vec<&'static str> {
    PACKS.iter().map(|(t, _)| *t).collect()
}

/// The pack for a BCP 47 tag: the same tag; else Chinese by script or region
/// (`zh-Hant`, `zh-TW`, `zh-HK`, `zh-MO` → Traditional; other `zh` →
/// Simplified); else the same primary language (`en-GB` → `en`, `ja-JP` →
/// `ja`). `None` when no pack fits.
pub fn pack_for(tag: &str) -> Option<&'static Pack> {
    let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
    let find = |t: &str| packs().iter().find(|p| p.language.eq_ignore_ascii_case(t));
    if let Some(p) = find(&lower) {
        return Some(p);
    }
    let mut parts = lower.split('-');
    let primary = parts.next().unwrap_or("");
    if primary == "zh" {
        let rest: Vec<&str> = parts.collect();
        let traditional = rest
            .iter()
            .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"));
        return find(if traditional { "zh-TW" } else { "zh-CN" });
    }
    find(primary)
}

/// A pack chosen for an edition (the fallback by default); compares by tag.
#[derive(Debug, Clone, Copy)]
pub struct PackRef(pub &'static Pack);

impl Default for PackRef {
    fn default() -> Self {
        PackRef(pack_or_fallback(FALLBACK))
    }
}

impl PartialEq for PackRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.language == other.0.language
    }
}

impl std::ops::Deref for PackRef {
    type Target = Pack;
    fn deref(&self) -> &Pack {
        self.0
    }
}

impl Default for Ui {
    /// The fallback pack's strings (an edition's come from its own pack).
    fn default() -> Self {
        PackRef::default().ui.clone()
    }
}

/// The pack for a tag, or the fallback.
pub fn pack_or_fallback(tag: &str) -> &'static Pack {
    pack_for(tag).unwrap_or_else(|| pack_for(FALLBACK).expect("the fallback pack exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_parses_and_has_its_own_tag() {
        assert_eq!(packs().len(), PACKS.len());
        for (p, (tag, _)) in packs().iter().zip(PACKS) {
            assert_eq!(p.language, tag);
            assert!(!p.ui.toc.is_empty());
            let example = p.init.paragraphs.join("\n");
            assert_eq!(
                example.matches(&p.init.quote).count(),
                1,
                "{tag}: the example quote is unique"
            );
            assert!(example.contains(&p.init.company_name), "{tag}");
            assert!(example.contains(&p.init.person_name), "{tag}");
        }
    }

    #[test]
    fn tags_find_their_packs() {
        let lang = |t: &str| pack_for(t).map(|p| p.language.as_str());
        assert_eq!(lang("zh-CN"), Some("zh-CN"));
        assert_eq!(lang("zh"), Some("zh-CN"));
        assert_eq!(lang("zh-Hans-SG"), Some("zh-CN"));
        assert_eq!(lang("zh-Hant"), Some("zh-TW"));
        assert_eq!(lang("zh-HK"), Some("zh-TW"));
        assert_eq!(lang("ZH-tw"), Some("zh-TW"));
        assert_eq!(lang("en-GB"), Some("en"));
        assert_eq!(lang("ja-JP"), Some("ja"));
        assert_eq!(lang("fr"), None);
        assert_eq!(pack_or_fallback("fr").language, "en");
    }

    #[test]
    fn dates_follow_the_pack() {
        let zh = pack_for("zh-CN").unwrap();
        assert_eq!(zh.date(2024, 5, 7), "2024 年 5 月 7 日");
        assert_eq!(zh.date(2024, 5, 0), "2024 年 5 月");
        assert_eq!(zh.date(2024, 0, 0), "2024 年");
        let en = pack_for("en").unwrap();
        assert_eq!(en.date(2024, 5, 7), "7 May 2024");
        assert_eq!(en.date(2024, 5, 0), "May 2024");
        assert_eq!(en.date(2024, 0, 0), "2024");
    }
}
