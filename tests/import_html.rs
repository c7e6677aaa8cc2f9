//! Saved web pages → articles (`glossa::seed::html`), checked against the
//! import corpus (`tests/fixtures/import-corpus/html-*`).
//!
//! For each fixture: the metadata named in `expected.yaml`, the chapter titles,
//! the figures, the footnotes, and the body blocks as glossa's own text
//! pipeline (`glossa::text::parse`) reads the chapters' Markdown, measured as
//! line-level precision and recall against the expected blocks (both must be
//! 100%).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::shown::{norm, shown};
use glossa::seed::html::{Article, extract, is_html};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Expected {
    kind: String,
    title: Option<String>,
    author: Option<String>,
    publication: Option<String>,
    date: Option<String>,
    url: Option<String>,
    lead: Option<String>,
    rights: Option<String>,
    #[serde(default)]
    chapters: Vec<ExpectedChapter>,
    figures: Option<Vec<ExpectedFigure>>,
    footnotes: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct ExpectedChapter {
    title: Option<String>,
    #[serde(default)]
    body: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ExpectedFigure {
    alt: String,
    src: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import-corpus")
}

/// The HTML fixtures, sorted by name.
fn html_fixtures() -> Vec<(String, String, Expected)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus folder")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.join("source.html").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            let html = std::fs::read_to_string(d.join("source.html")).expect("source.html");
            let yaml = std::fs::read_to_string(d.join("expected.yaml")).expect("expected.yaml");
            let expected: Expected = serde_yaml::from_str(&yaml).expect("expected.yaml parses");
            assert_eq!(expected.kind, "html", "{name}: kind");
            (name, html, expected)
        })
        .collect()
}

/// Number of items two lists share, counted with multiplicity.
fn matched(got: &[String], expected: &[String]) -> usize {
    let mut pool: HashMap<&str, usize> = HashMap::new();
    for e in expected {
        *pool.entry(e.as_str()).or_default() += 1;
    }
    got.iter()
        .filter(|g| match pool.get_mut(g.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count()
}

/// The metadata fields named in `expected.yaml` that differ.
fn metadata_problems(name: &str, a: &Article, e: &Expected) -> Vec<String> {
    let fields = [
        ("title", &a.title, &e.title),
        ("author", &a.author, &e.author),
        ("publication", &a.publication, &e.publication),
        ("date", &a.date, &e.date),
        ("url", &a.url, &e.url),
        ("lead", &a.lead, &e.lead),
        ("rights", &a.rights, &e.rights),
    ];
    fields
        .into_iter()
        .filter_map(|(field, got, want)| {
            let want = want.as_ref()?;
            (got.as_ref() != Some(want))
                .then(|| format!("{name}: {field}: got {got:?}, expected {want:?}"))
        })
        .collect()
}

/// Per chapter: body blocks shown, and the footnotes of the whole article.
fn article_blocks(a: &Article) -> (Vec<Vec<String>>, Vec<String>) {
    let mut notes = Vec::new();
    let chapters = a
        .chapters
        .iter()
        .map(|c| {
            let (blocks, n) = shown(&c.markdown);
            notes.extend(n);
            blocks
        })
        .collect();
    (chapters, notes)
}

/// Precision and recall (in %) of one fixture's body blocks, and every
/// difference from `expected.yaml`.
fn check_fixture(name: &str, html: &str, expected: &Expected) -> (f64, f64, Vec<String>) {
    let article = match extract(html) {
        Ok(a) => a,
        Err(e) => return (0.0, 0.0, vec![format!("{name}: unreadable: {e}")]),
    };
    let mut problems = metadata_problems(name, &article, expected);
    let got_titles: Vec<Option<&str>> = article
        .chapters
        .iter()
        .map(|c| c.title.as_deref())
        .collect();
    let want_titles: Vec<Option<&str>> = expected
        .chapters
        .iter()
        .map(|c| c.title.as_deref())
        .collect();
    if got_titles != want_titles {
        problems.push(format!(
            "{name}: chapter titles {got_titles:?}, expected {want_titles:?}"
        ));
    }
    let (got, notes) = article_blocks(&article);
    let want: Vec<Vec<String>> = expected
        .chapters
        .iter()
        .map(|c| c.body.iter().map(|b| norm(b)).collect())
        .collect();
    let (mut hits, mut n_got, mut n_want) = (0, 0, 0);
    for i in 0..got.len().max(want.len()) {
        let g = got.get(i).map_or(&[][..], Vec::as_slice);
        let w = want.get(i).map_or(&[][..], Vec::as_slice);
        hits += matched(g, w);
        n_got += g.len();
        n_want += w.len();
        if g != w {
            problems.push(format!(
                "{name}: chapter {i} body\n  got:      {g:#?}\n  expected: {w:#?}"
            ));
        }
    }
    let precision = if n_got == 0 {
        0.0
    } else {
        100.0 * hits as f64 / n_got as f64
    };
    let recall = if n_want == 0 {
        100.0
    } else {
        100.0 * hits as f64 / n_want as f64
    };
    if let Some(figures) = &expected.figures {
        let got: Vec<(&str, &str)> = article
            .figures
            .iter()
            .map(|f| (f.alt.as_str(), f.src.as_str()))
            .collect();
        let want: Vec<(&str, &str)> = figures
            .iter()
            .map(|f| (f.alt.as_str(), f.src.as_str()))
            .collect();
        if got != want {
            problems.push(format!("{name}: figures {got:#?}, expected {want:#?}"));
        }
    }
    let want_notes: Vec<String> = expected
        .footnotes
        .iter()
        .flatten()
        .map(|n| norm(n))
        .collect();
    if notes != want_notes {
        problems.push(format!(
            "{name}: footnotes {notes:#?}, expected {want_notes:#?}"
        ));
    }
    (precision, recall, problems)
}

#[test]
fn html_fixtures_match_expected() {
    let fixtures = html_fixtures();
    assert_eq!(fixtures.len(), 5, "five HTML fixtures");
    let mut problems = Vec::new();
    println!("{:<18} {:>9} {:>7}", "fixture", "precision", "recall");
    for (name, html, expected) in &fixtures {
        let (precision, recall, found) = check_fixture(name, html, expected);
        println!("{name:<18} {precision:>8.1}% {recall:>6.1}%");
        if precision < 100.0 || recall < 100.0 {
            problems.push(format!(
                "{name}: precision {precision:.1}%, recall {recall:.1}%"
            ));
        }
        problems.extend(found);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn figure_captions_stay_out_of_the_text() {
    for (name, html, _) in html_fixtures() {
        let article = extract(&html).expect("readable");
        for f in article.figures.iter().filter_map(|f| f.caption.as_deref()) {
            for c in &article.chapters {
                assert!(!c.markdown.contains(f), "{name}: caption {f:?} in the body");
            }
        }
    }
    let news = html_fixtures()
        .into_iter()
        .find(|(n, _, _)| n == "html-news")
        .expect("html-news");
    let article = extract(&news.1).expect("readable");
    let captions: Vec<Option<&str>> = article
        .figures
        .iter()
        .map(|f| f.caption.as_deref())
        .collect();
    assert!(
        captions[0].is_some_and(|c| c.starts_with("Swifts circle St Aldric's at dusk.")),
        "{captions:?}"
    );
}

#[test]
fn inline_ads_are_reported_as_dropped() {
    let news = html_fixtures()
        .into_iter()
        .find(|(n, _, _)| n == "html-news")
        .expect("html-news");
    let article = extract(&news.1).expect("readable");
    assert!(
        article
            .dropped
            .iter()
            .any(|(rule, text)| rule == "ad" && text == "Advertisement"),
        "{:?}",
        article.dropped
    );
}

#[test]
fn extraction_is_deterministic() {
    for (name, html, _) in html_fixtures() {
        assert_eq!(extract(&html), extract(&html), "{name}");
    }
}

#[test]
fn html_is_told_from_text_by_content() {
    let mut seen = 0;
    for entry in std::fs::read_dir(corpus()).expect("corpus folder") {
        let dir = entry.expect("entry").path();
        if let Ok(bytes) = std::fs::read(dir.join("source.html")) {
            assert!(is_html(&bytes), "{}", dir.display());
            seen += 1;
        }
        if let Ok(bytes) = std::fs::read(dir.join("source.txt")) {
            assert!(!is_html(&bytes), "{}", dir.display());
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen} sources");
}

#[test]
fn truncated_and_mangled_pages_never_panic() {
    for (_, html, _) in html_fixtures() {
        let bounds: Vec<usize> = html.char_indices().map(|(i, _)| i).collect();
        for k in 0..40 {
            let cut = bounds[k * bounds.len() / 40];
            let _ = extract(&html[..cut]);
            let _ = extract(&html[cut..]);
        }
        let _ = extract(&html.replace('>', ""));
        let _ = extract(&html.replace("</", "<"));
    }
    for (open, close) in [
        ("<div>", "</div>"),
        ("<blockquote>", "</blockquote>"),
        ("<ul><li>", "</li></ul>"),
        (
            "<table><tr><td>x</td><td>",
            "</td></tr><tr><td>y</td><td>z</td></tr></table>",
        ),
        ("<em>", "</em>"),
        ("<a href='/x'>", "</a>"),
        ("<pre><span>", "</span></pre>"),
    ] {
        let deep = open.repeat(3000) + "deep text" + &close.repeat(3000);
        let article = extract(&format!("<html><body>{deep}</body></html>")).expect("readable");
        assert!(
            article
                .chapters
                .iter()
                .any(|c| c.markdown.contains("deep text")),
            "{open}"
        );
    }
}

#[test]
fn long_pages_are_extracted_quickly() {
    let para = "<p>Some <em>emphasised</em> text, a <a href='/l'>link</a> and <strong>“strong”</strong>后 words.</p>";
    let html = format!(
        "<html><body><article>{}</article></body></html>",
        para.repeat(3000)
    );
    let wide = format!(
        "<html><body><p>{}</p></body></html>",
        "a<em>b</em>c ".repeat(5000)
    );
    let start = std::time::Instant::now();
    let article = extract(&html).expect("readable");
    assert_eq!(
        article.chapters[0].markdown.matches("*emphasised*").count(),
        3000
    );
    extract(&wide).expect("readable");
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}
