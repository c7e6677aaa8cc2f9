//! Property tests: arbitrary input never panics; anchoring finds exactly a
//! unique substring; rendered content is always inert.

use std::path::Path;
use std::sync::Arc;

use glossa::annotate::anchor::{self, Outcome, Query};
use glossa::content::frontmatter;
use glossa::diag::Sources;
use glossa::i18n::Ui;
use glossa::render::markdown::{chapter_html, note_html};
use glossa::text;
use proptest::prelude::*;

/// Text mixing CJK, Latin, punctuation, Markdown and HTML syntax.
fn messy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("中文".to_string()),
            Just("，".to_string()),
            Just("DeepSeek".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("**".to_string()),
            Just("[链接](x)".to_string()),
            Just("> ".to_string()),
            Just("- ".to_string()),
            Just("---\n".to_string()),
            Just("<script>alert(1)</script>".to_string()),
            Just("\"><img src=x onerror=alert(1)>".to_string()),
            Just("{{ x }}".to_string()),
            Just("`代码`".to_string()),
            Just("[^1]".to_string()),
            Just("\r\n".to_string()),
            "\\PC{0,8}",
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn front_matter_split_never_panics(s in messy()) {
        if let Ok(split) = frontmatter::split(&s) {
            prop_assert!(s.is_char_boundary(split.yaml.start) && s.is_char_boundary(split.yaml.end));
            prop_assert!(split.body.end == s.len());
        }
    }

    #[test]
    fn parsing_and_rendering_never_panic_and_stay_inert(s in messy()) {
        let doc = text::parse(&s);
        for b in &doc.blocks {
            for r in &b.ranges {
                prop_assert!(r.end <= doc.text.len());
            }
        }
        let html = chapter_html(&doc, &[], &[], &Ui::default());
        prop_assert!(!html.contains("<script"), "{}", html);
        prop_assert!(!html.contains("<img src=x"), "{}", html);
        let note = note_html(&s);
        prop_assert!(!note.contains("<script") && !note.contains("<img src=x"), "{}", note);
    }

    #[test]
    fn the_chapter_loader_never_panics(s in messy(), fm in messy()) {
        let text = format!("---\n{fm}\n---\n{s}");
        let mut sources = Sources::new();
        let id = sources.add(Path::new("x.md"), "x.md".into(), text.clone().into());
        let _ = glossa::content::load::parse_chapter(Path::new("01-x.md"), id, Arc::from(text.as_str()));
    }

    #[test]
    fn anchoring_a_unique_substring_yields_exactly_it(
        words in prop::collection::vec(prop_oneof![
            Just("智谱"), Just("面壁"), Just("DeepSeek"), Just("大模型"), Just("，"), Just("。"), Just("V3"), Just("的")
        ], 3..30),
        start in 0usize..100,
        len in 1usize..12,
    ) {
        let para: String = words.concat();
        let chars: Vec<char> = para.chars().collect();
        let start = start % chars.len();
        let end = (start + len).min(chars.len());
        let quote: String = chars[start..end].iter().collect();
        prop_assume!(!quote.trim().is_empty() && quote.trim() == quote);
        prop_assume!(para.matches(quote.as_str()).count() == 1);
        // Only count non-overlapping repeats: also reject overlapping ones.
        prop_assume!((0..para.len()).filter(|&i| para.is_char_boundary(i) && para[i..].starts_with(quote.as_str())).count() == 1);
        let md = format!("{para}\n");
        let doc = text::parse(&md);
        let blocks = anchor::block_texts(&doc);
        let q = Query { quote: &quote, prefix: None, suffix: None, occurrence: None };
        match anchor::anchor(&blocks, &q) {
            Outcome::Anchored(c) => prop_assert_eq!(&doc.text[c.range], quote.as_str()),
            other => prop_assert!(false, "{:?} for {:?} in {:?}", other, quote, para),
        }
    }

    #[test]
    fn yaml_never_panics(s in messy()) {
        let mut sources = Sources::new();
        let id = sources.add(Path::new("e.yaml"), "e.yaml".into(), s.clone().into());
        let _ = glossa::config::Config::parse(id, &s);
    }
}
