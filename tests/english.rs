//! The English test edition (`tests/fixtures/editions/en`: no `ui:`, no
//! theme of its own): glossa speaks its language, writes nothing in another
//! script, finds its words and word beginnings, and reads well in a browser
//! at phone and desktop widths, with and without JavaScript.

mod common;

use std::path::PathBuf;

use common::cdp::{Browser, artifacts};
use common::{broken_links, glossa, repo};

fn content() -> PathBuf {
    repo().join("tests/fixtures/editions/en/content")
}

/// The edition as a project of its own (content only), built.
fn built() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&content(), &dir.path().join("content"));
    let out = dir.path().join("public");
    let o = glossa(dir.path()).arg("build").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, out)
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}' | '\u{3000}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

#[test]
fn the_site_is_in_english_with_no_other_script() {
    let (_dir, out) = built();
    let mut content_chars = std::collections::BTreeSet::new();
    for e in walkdir::WalkDir::new(content()) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            content_chars.extend(
                std::fs::read_to_string(e.path())
                    .unwrap()
                    .chars()
                    .filter(|&c| is_cjk(c)),
            );
        }
    }
    let mut stray = Vec::new();
    for e in walkdir::WalkDir::new(&out) {
        let e = e.unwrap();
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        for c in text
            .chars()
            .filter(|&c| is_cjk(c) && !content_chars.contains(&c))
        {
            stray.push(format!(
                "{}: {c}",
                e.path().strip_prefix(&out).unwrap().display()
            ));
        }
    }
    stray.dedup();
    assert!(stray.is_empty(), "characters of another script: {stray:?}");
    let chapter = std::fs::read_to_string(out.join("chapters/decipherment/index.html")).unwrap();
    for word in ["Chapter 2", "Previous", "Next", "Skip to"] {
        assert!(
            chapter.contains(word),
            "{word} missing from the chapter page"
        );
    }
    assert!(chapter.contains("content=\"en_US\""), "OpenGraph locale");
    assert!(broken_links(&out).is_empty(), "{:?}", broken_links(&out));
    let timeline = std::fs::read_to_string(out.join("timeline/index.html")).unwrap();
    assert!(
        timeline.contains("<time datetime=\"1799-07\">July 1799</time>"),
        "dates as English writes them"
    );
}

#[test]
fn punctuation_and_markers_stay_with_their_words() {
    let (_dir, out) = built();
    for width in [320, 390, 1280] {
        let Some(mut b) = Browser::launch(width, 900) else {
            return;
        };
        for slug in ["discovery", "decipherment", "on-display"] {
            b.open(&out.join(format!("chapters/{slug}/index.html")));
            let bad = b.eval(common::cdp::NO_LINE_START);
            assert_eq!(bad, "[]", "{slug} at {width} px");
        }
    }
}

fn served() -> (tempfile::TempDir, common::Served, String) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&content(), &dir.path().join("content"));
    let served = common::serve_project(dir.path());
    let base = format!("http://127.0.0.1:{}/", served.port);
    (dir, served, base)
}

#[test]
fn latin_search_finds_words_and_their_beginnings() {
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    let (_dir, _served, base) = served();
    for (q, must) in [
        ("champollion", "champollion"),
        ("Champ", "champollion"),
        ("hierogly", "hieroglyph"),
        ("rosetta stone", "rosetta"),
        ("demot", "demotic"),
    ] {
        let url = format!("{base}search/?q={}", common::percent(q));
        b.call("Page.navigate", serde_json::json!({"url": url}));
        assert!(
            b.wait(
                "document.querySelectorAll('#search-results li').length > 0",
                20
            ),
            "no results for {q}"
        );
        let first =
            b.eval("document.querySelector('#search-results .snippet').innerText.toLowerCase()");
        assert!(
            first.as_str().unwrap().contains(must),
            "{q}: first snippet {first}"
        );
    }
    let url = format!("{base}search/?q=zzyzx");
    b.call("Page.navigate", serde_json::json!({"url": url}));
    assert!(b.wait(
        "document.getElementById('search-status').innerText.length > 0",
        20
    ));
    let status = b.eval("document.getElementById('search-status').innerText");
    assert!(status.as_str().unwrap().starts_with("No "), "{status}");
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}

#[test]
fn every_page_type_loads_cleanly_at_every_width() {
    let (_dir, _served, base) = served();
    let pages = [
        ("home", ""),
        ("chapter", "chapters/decipherment/"),
        ("annotations", "annotations/"),
        ("companies", "companies/"),
        ("company", "companies/british-museum/"),
        ("people", "people/"),
        ("person", "people/champollion/"),
        ("search", "search/?q=stone"),
        ("glossary", "glossary/"),
        ("timeline", "timeline/"),
        ("not-found", "no-such-page/"),
    ];
    for width in [320, 390, 1280] {
        let Some(mut b) = Browser::launch(width, 900) else {
            return;
        };
        for (name, path) in pages {
            b.clear_events();
            b.call(
                "Page.navigate",
                serde_json::json!({"url": format!("{base}{path}")}),
            );
            assert!(b.wait("document.readyState === 'complete'", 20), "{name}");
            b.assert_fits_without_errors(&format!("{name} at {width}px"), "/no-such-page/");
            if matches!(name, "chapter" | "company") {
                b.screenshot(&artifacts().join(format!("en-{name}-{width}.png")));
            }
        }
    }
}

/// Opens the first note by keyboard (Tab to its marker, Enter) and reports
/// whether it is open and shows its text.
fn first_note_opens_by_keyboard(b: &mut Browser) -> bool {
    let mut found = false;
    for _ in 0..60 {
        b.press("Tab");
        if b.eval("document.activeElement.matches('button.ref')") == true {
            found = true;
            break;
        }
    }
    assert!(found, "a note marker is reachable by keyboard");
    let target = b.eval("document.activeElement.getAttribute('popovertarget')");
    b.press("Enter");
    let open = b.eval(&format!(
        "(() => {{ const n = document.getElementById({target}); return n.matches(':popover-open') && n.innerText.length > 20; }})()"
    ));
    b.press("Escape");
    open == true
}

#[test]
fn notes_and_mention_cards_work_with_and_without_javascript() {
    let (_dir, out) = built();
    let page = out.join("chapters/decipherment/index.html");
    // Phone: notes are popovers opened by keyboard, with and without JavaScript.
    for js in [true, false] {
        let Some(mut b) = Browser::launch(390, 900) else {
            return;
        };
        b.set_javascript(js);
        b.open(&page);
        assert!(first_note_opens_by_keyboard(&mut b), "javascript {js}");
    }
    // Desktop: notes in the margin; a mention shows its card on focus.
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    b.open(&page);
    // Latin text: ragged-right, no automatic hyphenation.
    let style = b.eval("(() => { const s = getComputedStyle(document.querySelector('#text p[id]')); return [s.textAlign, s.hyphens]; })()");
    assert_eq!(style, serde_json::json!(["start", "manual"]));
    let margin = b.eval("(() => { const n = document.querySelector('aside.notes .note'); const t = document.querySelector('#text p[id]'); return n.getBoundingClientRect().left >= t.getBoundingClientRect().right - 1; })()");
    assert_eq!(margin, true, "sidenotes sit in the margin");
    let mut reached = false;
    for _ in 0..80 {
        b.press("Tab");
        if b.eval("document.activeElement && document.activeElement.matches('a.mention')") == true {
            reached = true;
            break;
        }
    }
    assert!(reached, "mentions are reachable by keyboard");
    assert!(
        b.wait("!!document.getElementById('mention-card')", 5),
        "mention card on focus"
    );
    let card = b.eval("document.getElementById('mention-card').innerText");
    assert!(card.as_str().unwrap().contains("View profile"), "{card}");
    b.press("Escape");
    assert!(b.wait("!document.getElementById('mention-card')", 5));
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}
