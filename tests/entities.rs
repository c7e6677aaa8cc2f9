//! Profiles and mentions on the shipped edition, checked against an independent count.

mod common;

use glossa::content::FrontMatter as _;

use std::collections::HashMap;
use std::path::Path;

use common::{broken_links, glossa, project, repo};
use glossa::content::{self, Paths};
use glossa::diag::Sources;
use scraper::{Html, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    common::built_project(None)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// A deliberately naive count: at each position take the longest alias of any
/// entity that starts there (Latin aliases only at word boundaries), count it
/// and skip past it.
fn naive_counts(texts: &[String], aliases: &[(String, String)]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for t in texts {
        let chars: Vec<char> = t.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let rest: String = chars[i..].iter().collect();
            let best = aliases
                .iter()
                .filter(|(a, _)| rest.starts_with(a.as_str()))
                .filter(|(a, _)| {
                    let n = a.chars().count();
                    let first_word = a.chars().next().is_some_and(is_word);
                    let last_word = a.chars().last().is_some_and(is_word);
                    let glued_before = first_word && i > 0 && is_word(chars[i - 1]);
                    let glued_after = last_word && chars.get(i + n).is_some_and(|c| is_word(*c));
                    !glued_before && !glued_after
                })
                .max_by_key(|(a, _)| a.chars().count());
            match best {
                Some((a, id)) => {
                    *counts.entry(id.clone()).or_insert(0) += 1;
                    i += a.chars().count();
                }
                None => i += 1,
            }
        }
    }
    counts
}

#[test]
fn profiles_list_every_mention_and_counts_agree() {
    let mut sources = Sources::new();
    let (edition, _) = content::load(&Paths::new(&repo()), &mut sources);
    let edition = edition.unwrap();
    assert!(
        edition.entities.len() >= common::shipped::PROFILES_AT_LEAST,
        "profiles for every organisation and person"
    );
    let aliases: Vec<(String, String)> = edition
        .entities
        .iter()
        .flat_map(|e| e.aliases.iter().map(move |a| (a.clone(), e.id.clone())))
        .collect();
    let texts: Vec<String> = edition
        .chapters
        .iter()
        .flat_map(|c| glossa::text::visible_blocks(c.body()))
        .collect();
    let expected = naive_counts(&texts, &aliases);

    let (_p, site) = built();
    let mut paragraph_text: HashMap<String, String> = HashMap::new();
    for c in &edition.chapters {
        let doc = Html::parse_document(
            &std::fs::read_to_string(site.join(format!("chapters/{}/index.html", c.slug))).unwrap(),
        );
        for p in doc.select(&sel("#text p[id]")) {
            let key = format!("chapters/{}/#{}", c.slug, p.value().attr("id").unwrap());
            paragraph_text.insert(key, p.text().collect());
        }
    }
    for e in &edition.entities {
        let page = site.join(e.url()).join("index.html");
        let doc = Html::parse_document(
            &std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no page for {}", e.id)),
        );
        let mut in_text = 0;
        for li in doc.select(&sel(".mentions li")) {
            let a = li.select(&sel("a")).next().unwrap();
            let href = a
                .value()
                .attr("href")
                .unwrap()
                .trim_start_matches("../../")
                .to_string();
            if li.value().classes().any(|c| c == "in-note") {
                continue;
            }
            in_text += 1;
            let para = paragraph_text
                .get(&href)
                .unwrap_or_else(|| panic!("{}: mention links to {href}, not a paragraph", e.id));
            assert!(
                e.aliases.iter().any(|al| para.contains(al.as_str())),
                "{}: {href} does not mention it",
                e.id
            );
            let hit: String = li
                .select(&sel(".kwic mark"))
                .next()
                .unwrap()
                .text()
                .collect();
            assert!(
                e.aliases.contains(&hit),
                "{}: highlighted “{hit}” is not an alias",
                e.id
            );
        }
        assert_eq!(
            in_text,
            expected.get(&e.id).copied().unwrap_or(0),
            "{}: mention count",
            e.id
        );
    }
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{broken:?}");
}

#[test]
fn indexes_list_every_entity_once_and_notes_mention_entities() {
    let (_p, site) = built();
    let mut sources = Sources::new();
    let (edition, _) = content::load(&Paths::new(&repo()), &mut sources);
    let edition = edition.unwrap();
    for (folder, kind) in [
        ("companies", content::EntityKind::Company),
        ("people", content::EntityKind::Person),
    ] {
        let doc = Html::parse_document(
            &std::fs::read_to_string(site.join(folder).join("index.html")).unwrap(),
        );
        let mut hrefs: Vec<String> = doc
            .select(&sel(".entity-list > li > a:first-child"))
            .map(|a| {
                a.value()
                    .attr("href")
                    .unwrap()
                    .trim_start_matches("../")
                    .to_string()
            })
            .collect();
        hrefs.sort();
        let mut want: Vec<String> = edition
            .entities
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.url())
            .collect();
        want.sort();
        assert_eq!(hrefs, want, "{folder}/ lists every entity exactly once");
    }
    // Mentions inside annotation notes are indexed too.
    let doc = Html::parse_document(
        &std::fs::read_to_string(site.join("companies/modelbest/index.html")).unwrap(),
    );
    assert!(doc.select(&sel(".mentions li.in-note")).count() > 0);
    // Facts quoted from the text link to the paragraph that holds the quote.
    let facts: Vec<(String, String)> = doc
        .select(&sel(".fact-source a"))
        .filter(|a| a.value().attr("href").unwrap().contains("#p"))
        .map(|a| {
            (
                a.value()
                    .attr("href")
                    .unwrap()
                    .trim_start_matches("../../")
                    .to_string(),
                a.text().collect(),
            )
        })
        .collect();
    assert!(!facts.is_empty());
    for (href, text) in facts {
        let (page, id) = href.split_once('#').unwrap();
        let chapter = Html::parse_document(
            &std::fs::read_to_string(site.join(page).join("index.html")).unwrap(),
        );
        let para: String = chapter
            .select(&sel(&format!("#{id}")))
            .next()
            .unwrap()
            .text()
            .collect();
        let quote = text.split('“').nth(1).unwrap().trim_end_matches('”');
        assert!(para.contains(quote), "{href} does not contain “{quote}”");
    }
}

#[test]
fn chapters_link_first_mentions_with_cards() {
    let (_p, site) = built();
    let doc = Html::parse_document(
        &std::fs::read_to_string(site.join("chapters/overlooked-pioneers/index.html")).unwrap(),
    );
    let links: Vec<(String, String)> = doc
        .select(&sel("#text a.mention"))
        .map(|a| {
            (
                a.value().attr("href").unwrap().to_string(),
                a.value().attr("data-desc").unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(links.iter().any(|(h, _)| h == "../../companies/zhipu/"));
    assert!(
        links.iter().all(|(_, d)| !d.is_empty()),
        "every mention link carries its card text"
    );
    // first-in-chapter: each entity linked at most once per chapter.
    let mut seen = std::collections::HashSet::new();
    for (h, _) in &links {
        assert!(seen.insert(h.clone()), "{h} linked twice in one chapter");
    }
    // No mention link inside an existing link, and none on code.
    assert_eq!(doc.select(&sel("a a, code a.mention")).count(), 0);
}

#[test]
fn bad_entity_fixtures_report_positions() {
    let p = project(Some(&repo().join("tests/fixtures/bad/entities/content")));
    let o = glossa(p.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let find = |code: &str| {
        diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {v}"))
    };
    let shared = find("shared-alias");
    assert_eq!(shared["file"], "content/companies/b.md");
    assert_eq!(shared["related"][0]["file"], "content/companies/a.md");
    let unknown = find("unknown-id");
    assert_eq!(unknown["help"], "did you mean `zhipu`?");
    assert_eq!(unknown["file"], "content/chapters/01-one.md");
    let no_source = find("fact-without-source");
    assert_eq!(
        (no_source["line"].as_u64(), no_source["file"].as_str()),
        (Some(9), Some("content/companies/zhipu.md"))
    );
    let key = find("unknown-key");
    assert_eq!(key["help"], "did you mean `aliases`?");
    let never = find("never-mentioned");
    assert_eq!(never["severity"], "warning");
    let _ = Path::new("");
}

#[test]
fn link_policy_decides_which_mentions_become_links() {
    let count_links = |policy: &str| {
        let p = project(None);
        let ed = p.path().join("content/edition.yaml");
        let text = std::fs::read_to_string(&ed).unwrap();
        std::fs::write(&ed, format!("{text}mentions:\n  link: {policy}\n")).unwrap();
        let out = p.path().join("public");
        let o = glossa(p.path())
            .arg("build")
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let html =
            std::fs::read_to_string(out.join("chapters/overlooked-pioneers/index.html")).unwrap();
        Html::parse_document(&html)
            .select(&sel("#text a.mention"))
            .count()
    };
    let (none, first, all) = (
        count_links("none"),
        count_links("first-in-chapter"),
        count_links("all"),
    );
    assert_eq!(none, 0);
    assert!(
        first > 0 && all > first,
        "none {none}, first {first}, all {all}"
    );
}

/// A fact whose only source is the edition's own text says so wherever it is
/// shown (the profile page, the timeline), without editors writing it: facts
/// with an external source do not; and every navigation landmark of a page
/// has its own name.
#[test]
fn facts_from_the_text_are_labelled_and_landmarks_are_named() {
    let (_p, site) = common::built_project(None);
    let label = glossa::i18n::pack_or_fallback("zh-CN")
        .ui
        .according_to_text
        .clone();
    let page = std::fs::read_to_string(site.join("companies/zhipu/index.html")).unwrap();
    let doc = Html::parse_document(&page);
    let facts: Vec<String> = doc
        .select(&Selector::parse(".facts dd").unwrap())
        .map(|d| d.text().collect())
        .collect();
    let from_text: Vec<&String> = facts.iter().filter(|f| f.contains(&label)).collect();
    assert!(!from_text.is_empty(), "{facts:?}");
    for f in &facts {
        let external = f.contains("Wikipedia") || f.contains("South China Morning Post");
        assert!(
            !(external && f.contains(&label)),
            "an external fact is labelled: {f}"
        );
    }
    let timeline = std::fs::read_to_string(site.join("timeline/index.html")).unwrap();
    let doc = Html::parse_document(&timeline);
    for e in doc.select(&Selector::parse("li.event-fact").unwrap()) {
        let t: String = e.text().collect();
        let quotes_text = e.select(&Selector::parse(".sources a").unwrap()).any(|a| {
            a.value()
                .attr("href")
                .is_some_and(|h| h.contains("chapters/"))
        });
        assert_eq!(quotes_text, t.contains(&label), "{t}");
    }
    for page in [
        "chapters/talent-flow/index.html",
        "companies/zhipu/index.html",
        "annotations/index.html",
        "people/index.html",
    ] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        let doc = Html::parse_document(&html);
        let names: Vec<&str> = doc
            .select(&Selector::parse("nav").unwrap())
            .map(|n| n.value().attr("aria-label").unwrap_or(""))
            .collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{page}: {names:?}");
        assert!(names.iter().all(|n| !n.is_empty()), "{page}: {names:?}");
    }
    // The home page's lead: punctuation as in the chapters, its points a list.
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    let doc = Html::parse_document(&home);
    let points = doc
        .select(&Selector::parse("section.lead ol li").unwrap())
        .count();
    assert_eq!(points, 3);
    let lead: String = doc
        .select(&Selector::parse("section.lead p").unwrap())
        .flat_map(|p| p.text())
        .collect();
    assert!(lead.contains("，") && !lead.contains(","), "{lead}");
}
