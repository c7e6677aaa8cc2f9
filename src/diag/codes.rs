//! The catalogue of diagnostics: every code glossa reports, with its
//! severity and what it means, in one place (the way `just` keeps one error
//! enum). A [`super::Diagnostic`] is made from a [`Code`], so a code cannot
//! be misspelt or invented on the spot; `tests/diagnostics.rs` fails on a
//! code that no source constructs or that `docs/diagnostics.md` does not
//! describe with an example.
//!
//! Diagnostics built in more than one place have a shared constructor here
//! ([`unknown_chapter`], [`source_url`], [`bad_date`]), so their wording and
//! help stay the same wherever they are reported. Must not know content types.

use super::{Diagnostic, Severity, did_you_mean};

macro_rules! codes {
    ($( $variant:ident = $name:literal, $severity:ident, $meaning:literal; )*) => {
        /// A diagnostic code: its name (as shown, `error[name]`), severity and meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( #[doc = $meaning] $variant, )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The name shown to users and in `check --format json`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// Errors stop a build; warnings do not.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// What the code means, in one sentence.
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => $meaning,)* }
            }

            /// The Rust name of the variant (for the catalogue test).
            pub fn variant(self) -> &'static str {
                match self { $(Code::$variant => stringify!($variant),)* }
            }
        }
    };
}

codes! {
    // Files and their front matter.
    Io = "io", Error, "A file or folder could not be read.";
    MissingFile = "missing-file", Error, "A file the edition needs (such as content/edition.yaml) does not exist.";
    Walk = "walk", Error, "A folder under content/ could not be walked (a symbolic link loop, a permission).";
    NotUtf8 = "not-utf8", Error, "A file is not valid UTF-8.";
    NoFrontMatter = "no-front-matter", Error, "A content file does not start with a `---` front matter block.";
    UnclosedFrontMatter = "unclosed-front-matter", Error, "A front matter block is opened with `---` and never closed.";
    IgnoredFile = "ignored-file", Warning, "A Markdown file outside the folders glossa reads; it is not part of the edition.";
    NoChapters = "no-chapters", Error, "The edition has no chapters (or no content/chapters/ folder).";
    // YAML.
    YamlSyntax = "yaml-syntax", Error, "The YAML does not parse (indentation, tabs, an unclosed quote).";
    UnknownKey = "unknown-key", Error, "A key that this kind of file does not have (with a suggestion).";
    UnknownValue = "unknown-value", Error, "A value outside the allowed set (an annotation kind, a link policy).";
    MissingKey = "missing-key", Error, "A required key is missing.";
    DuplicateKey = "duplicate-key", Error, "A key is given twice in one mapping.";
    WrongType = "wrong-type", Error, "A value of the wrong type (text where a number or a list is expected).";
    // One file's values.
    EmptyTitle = "empty-title", Error, "The edition's or a chapter's title is empty.";
    UnknownLanguage = "unknown-language", Warning, "`language:` names a language glossa has no pack for; the interface is in English.";
    BadBaseUrl = "bad-base-url", Error, "`base_url` is not an absolute http(s) URL.";
    BadSlug = "bad-slug", Error, "A chapter slug (or the file name it comes from) is not `[a-z0-9-]`.";
    BadLineRange = "bad-line-range", Error, "A line range is not `[first, last]` of 1-based lines within the seed.";
    BadDate = "bad-date", Error, "A date is not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or not a real day.";
    EmptyName = "empty-name", Error, "A profile's name is empty.";
    BadEntityId = "bad-entity-id", Error, "A profile's file name does not make a valid id.";
    Placeholder = "placeholder", Warning, "Text that `glossa new` wrote as a placeholder is still there and would be published.";
    // Chapters and annotations.
    DuplicateOrder = "duplicate-order", Error, "Two chapters have the same `order`.";
    DuplicateSlug = "duplicate-slug", Error, "Two chapters would be written to the same folder.";
    BadAnnotationId = "bad-annotation-id", Error, "An annotation id is not `[a-z0-9-]`.";
    DuplicateAnnotationId = "duplicate-annotation-id", Error, "Two annotations share an id (ids are permalinks, unique in the edition).";
    NoAnnotations = "no-annotations", Warning, "A chapter has no annotations yet (shown by `check`, not by `build`).";
    EmptyNote = "empty-note", Warning, "An annotation has no note.";
    MissingSources = "missing-sources", Error, "A `context` or `fact-check` annotation has no sources.";
    UndatedSource = "undated-source", Warning, "A source of a `context` or `fact-check` annotation has neither a URL nor a date.";
    BadSourceUrl = "bad-source-url", Error, "A source URL is not an http(s) address.";
    InsecureUrl = "insecure-url", Warning, "A source URL is `http://`, not `https://`.";
    DateWithoutSource = "date-without-source", Error, "A dated annotation has no source for its date.";
    EmptyQuote = "empty-quote", Error, "An annotation's quote is empty.";
    QuoteNotFound = "quote-not-found", Error, "An annotation's quote is not in its chapter (with the closest passage).";
    AmbiguousQuote = "ambiguous-quote", Error, "An annotation's quote matches several places (with the prefix or suffix that picks each).";
    OccurrenceOutOfRange = "occurrence-out-of-range", Error, "`occurrence: N` asks for a match that does not exist.";
    // Profiles and references.
    EmptyAlias = "empty-alias", Error, "An alias is empty.";
    ShortAlias = "short-alias", Warning, "A one-character alias, which would match far too often.";
    SharedAlias = "shared-alias", Error, "An alias belongs to two profiles.";
    UnknownId = "unknown-id", Error, "A `refs`, `founders`, `people` or `roles` entry names no profile.";
    UnknownChapter = "unknown-chapter", Error, "A chapter slug that no chapter has.";
    FactQuote = "fact-quote", Error, "A fact's quote is not in (or not unique in) the chapter it names.";
    FactWithoutSource = "fact-without-source", Error, "A fact has neither a quote of the text nor an external source.";
    NeverMentioned = "never-mentioned", Warning, "A profile that the text never mentions.";
    UnprofiledName = "unprofiled-name", Warning, "A name in the text with no profile and no annotation.";
    // Templates.
    Template = "template", Error, "A template does not compile or render (in `check --format json`).";
    // Seed import.
    EmptySeed = "empty-seed", Error, "The seed has no text left after the page furniture is dropped.";
    BinaryFile = "binary-file", Error, "The seed is not text (NUL bytes): neither an article's text nor a saved page.";
    Unreadable = "unreadable-page", Error, "No article could be found in a saved web page.";
    BreakNotFound = "break-not-found", Error, "A plan's chapter break matches no paragraph.";
    BreakAmbiguous = "break-ambiguous", Error, "A plan's chapter break matches several paragraphs.";
    BreakOrder = "break-order", Error, "A plan's chapter breaks are not in the order of the text.";
    BreakInQuote = "break-in-quote", Error, "A plan's chapter break falls inside a quotation.";
    TextBeforeFirstChapter = "text-before-first-chapter", Error, "Text before the plan's first chapter break would be lost.";
    // Annotation import.
    BadJson = "bad-json", Error, "The annotation file is not valid JSON.";
    NoAnnotationsFound = "no-annotations-found", Error, "The file holds no Web Annotation.";
    MissingPage = "missing-page", Error, "An annotation collection continues (`next`) in a page that is not beside the file.";
    NoQuoteSelector = "no-quote-selector", Error, "An imported annotation has no TextQuoteSelector to anchor it by.";
    NoTargetChapter = "no-target-chapter", Error, "An imported annotation's target names no chapter of the edition (and no `--chapter` was given).";
    OtherChapter = "other-chapter", Error, "An imported annotation targets another chapter than `--chapter`.";
    DoesNotAnchor = "does-not-anchor", Error, "An imported annotation's quote is not in its chapter (with the closest passage).";
    AmbiguousTarget = "ambiguous-target", Error, "An imported annotation's quote fits several places equally well.";
    IdConflict = "id-conflict", Error, "An imported annotation reuses an existing id for different content.";
    CannotInsert = "cannot-insert", Error, "New annotations could not be added to a front matter safely; nothing was written.";
    // Editing in the preview.
    BadRequest = "bad-request", Error, "A request to the preview's editing API is not the JSON it expects.";
    UnknownAnnotation = "unknown-annotation", Error, "The editing API was asked to change an annotation the chapter does not have.";
    StaleEdit = "stale-edit", Error, "A file changed on disk since the preview loaded it; nothing was written.";
    FileBroken = "file-broken", Error, "The editing API will not rewrite a file that does not parse.";
    ProfileExists = "profile-exists", Error, "The editing API was asked to create a profile whose id is taken.";
}

/// `unknown-chapter`: a chapter slug that no chapter has (with "did you
/// mean", or the list of slugs).
pub fn unknown_chapter(slug: &str, slugs: &[&str]) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownChapter,
        format!("no chapter has the slug `{slug}`"),
    );
    match did_you_mean(slug, slugs.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!("chapter slugs: {}", slugs.join(", "))),
    }
}

/// Whether `url` is an http(s) address (the only kind a source may have).
pub fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// The problem with a source URL, if any: not http(s) (`bad-source-url`), or
/// plain `http://` (`insecure-url`).
pub fn source_url(url: &str) -> Option<Diagnostic> {
    if !is_web_url(url) {
        Some(
            Diagnostic::new(
                Code::BadSourceUrl,
                format!("source URL `{url}` is not an http(s) address"),
            )
            .help("write the full address, starting with https://"),
        )
    } else if url.starts_with("http://") {
        Some(
            Diagnostic::new(
                Code::InsecureUrl,
                format!("source URL `{url}` is not https"),
            )
            .help("use the https:// address if the site has one"),
        )
    } else {
        None
    }
}

/// `bad-date`: a date that is not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub fn bad_date(date: &str) -> Diagnostic {
    Diagnostic::new(Code::BadDate, format!("`{date}` is not a valid date"))
        .help("write `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (quoted), e.g. '2024-12' — month 01–12, a day the month has")
}
