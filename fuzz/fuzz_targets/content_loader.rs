//! Fuzz target for the content loader: arbitrary bytes as a chapter file →
//! split, YAML, typed front matter, checks, then the reading-text parser and
//! the HTML passes. Any panic is a bug; errors must be diagnostics.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut sources = glossa::diag::Sources::new();
    let id = sources.add(Path::new("01-x.md"), "01-x.md".into(), text.clone().into());
    if let Ok(chapter) = glossa::content::load::parse_chapter(Path::new("01-x.md"), id, Arc::from(text.as_str())) {
        let doc = glossa::text::parse(chapter.body());
        let _ = glossa::render::markdown::chapter_html(&doc, &[], &[], &glossa::config::Ui::default());
    }
    let _ = glossa::diag::render(&[], &sources, false);
});
