//! Checks across files of a loaded edition: the relations no single file can check.
//!
//! Input: a loaded [`Edition`] and its [`Sources`]. Output: diagnostics (duplicate
//! chapter `order`, duplicate slugs). Later stages of this module anchor
//! annotations and find entity mentions; the edition is frozen once it returns.
//!
//! Must not read files, render HTML, or mutate the edition.

use std::collections::HashMap;

use crate::content::Edition;
use crate::diag::{Diagnostic, Sources};

/// Runs every cross-file check; returns all diagnostics found.
pub fn check(edition: &Edition, sources: &Sources) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    duplicate_orders(edition, sources, &mut diags);
    duplicate_slugs(edition, sources, &mut diags);
    diags
}

fn key_span(text: &str, key: &str) -> std::ops::Range<usize> {
    crate::config::key_span(text, key)
}

fn duplicate_orders(edition: &Edition, sources: &Sources, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<u32, usize> = HashMap::new();
    for (i, c) in edition.chapters.iter().enumerate() {
        if let Some(&j) = first.get(&c.meta.order) {
            let other = &edition.chapters[j];
            diags.push(
                Diagnostic::error(
                    "duplicate-order",
                    format!("two chapters have `order: {}`", c.meta.order),
                )
                .at(c.file, key_span(&c.text, "order"))
                .label("this chapter")
                .secondary(
                    other.file,
                    key_span(&other.text, "order"),
                    "also uses this order",
                )
                .help(format!(
                    "give each chapter its own order; {} and {} cannot both be chapter {}",
                    sources.get(other.file).display,
                    sources.get(c.file).display,
                    c.meta.order
                )),
            );
        } else {
            first.insert(c.meta.order, i);
        }
    }
}

fn duplicate_slugs(edition: &Edition, sources: &Sources, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, c) in edition.chapters.iter().enumerate() {
        if let Some(&j) = first.get(c.slug.as_str()) {
            let other = &edition.chapters[j];
            let span = |ch: &crate::content::Chapter| {
                let s = key_span(&ch.text, "slug");
                if s.is_empty() {
                    key_span(&ch.text, "title")
                } else {
                    s
                }
            };
            diags.push(
                Diagnostic::error(
                    "duplicate-slug",
                    format!("two chapters would be written to chapters/{}/", c.slug),
                )
                .at(c.file, span(c))
                .secondary(other.file, span(other), "same slug here")
                .help(format!(
                    "rename one file or set a different `slug:`; {} already uses `{}`",
                    sources.get(other.file).display,
                    c.slug
                )),
            );
        } else {
            first.insert(&c.slug, i);
        }
    }
}
