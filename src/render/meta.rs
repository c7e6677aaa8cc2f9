//! Page metadata and site files for machines: schema.org JSON-LD, `sitemap.xml`,
//! the Atom feed of chapters and `robots.txt`.
//!
//! Input: the edition and (for absolute URLs) the base URL. Output: JSON-LD
//! strings safe to embed in `<script type="application/ld+json">` (every `<`,
//! `>` and `&` escaped, so content can never close the element) and jobs for the
//! site files. Sitemap and feed need absolute URLs: without a base URL they are
//! not written, and `build` says so. Pure; must not touch the disk.

use serde_json::{Value, json};

use super::{Job, chapter_url};
use crate::content::{Chapter, Edition, Entity, EntityKind, PartialDate};

/// Serializes JSON-LD for embedding in HTML.
pub fn script_json(v: &Value) -> String {
    let s = serde_json::to_string(v).expect("JSON values serialize");
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn abs(base: Option<&str>, path: &str) -> Option<String> {
    base.map(|b| format!("{b}{path}"))
}

/// `Article` for a chapter, crediting the original author and publication.
pub fn chapter(edition: &Edition, c: &Chapter, base: Option<&str>) -> String {
    let src = &edition.config.source;
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": c.title(),
        "inLanguage": edition.config.language,
        "isPartOf": {"@type": "CreativeWork", "name": edition.config.title},
        "position": c.meta.order,
    });
    if let Some(s) = &c.meta.summary {
        v["description"] = s.as_str().into();
    }
    if let Some(a) = &src.author {
        v["author"] = json!({"@type": "Person", "name": a});
    }
    if let Some(p) = &src.publication {
        v["publisher"] = json!({"@type": "Organization", "name": p});
    }
    if let Some(d) = &src.date {
        v["datePublished"] = d.as_str().into();
    }
    if let Some(u) = abs(base, &chapter_url(&c.slug)) {
        v["url"] = u.into();
    }
    script_json(&v)
}

/// `Organization` or `Person` for a profile.
pub fn entity(e: &Entity, base: Option<&str>) -> String {
    let kind = match e.kind {
        EntityKind::Company => "Organization",
        EntityKind::Person => "Person",
    };
    let mut alternate: Vec<&str> = e
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| *a != e.name)
        .collect();
    if let Some(en) = &e.name_en {
        alternate.insert(0, en);
    }
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": kind,
        "name": e.name,
        "description": e.description,
    });
    if !alternate.is_empty() {
        v["alternateName"] = json!(alternate);
    }
    if let Some(u) = abs(base, &e.url()) {
        v["url"] = u.into();
    }
    if let Some(site) = e.company.as_ref().and_then(|c| c.website.as_deref()) {
        v["sameAs"] = site.into();
    }
    script_json(&v)
}

/// `WebSite` for the home page.
pub fn website(edition: &Edition, base: Option<&str>) -> String {
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": edition.config.title,
        "inLanguage": edition.config.language,
    });
    if let Some(b) = base {
        v["url"] = b.into();
    }
    script_json(&v)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The feed's `updated`: `updated` from edition.yaml, else the newest date the
/// edition knows (the source's date, dated notes and facts), as `YYYY-MM-DD`
/// (a year or a month counts from its first day). `None` when it knows none.
fn feed_date(edition: &Edition) -> Option<String> {
    let full = |d: PartialDate| format!("{:04}-{:02}-{:02}", d.year, d.month.max(1), d.day.max(1));
    if let Some(d) = edition
        .config
        .updated
        .as_deref()
        .and_then(PartialDate::parse)
    {
        return Some(full(d));
    }
    let notes = edition
        .chapters
        .iter()
        .flat_map(|c| &c.meta.annotations)
        .filter_map(|a| a.date.as_deref());
    let facts = edition
        .entities
        .iter()
        .flat_map(|e| &e.facts)
        .filter_map(|f| f.date.as_deref());
    edition
        .config
        .source
        .date
        .as_deref()
        .into_iter()
        .chain(notes)
        .chain(facts)
        .filter_map(PartialDate::parse)
        .max()
        .map(full)
}

/// `robots.txt`, plus `sitemap.xml` and `feed.xml` when there is a base URL.
/// Returns the jobs and a note for the build summary when something was skipped.
pub fn site_files(
    edition: &Edition,
    html_paths: &[String],
    base: Option<&str>,
) -> (Vec<Job>, Option<String>) {
    let mut robots = String::from("User-agent: *\nAllow: /\n");
    let Some(base) = base else {
        return (
            vec![Job::new("robots.txt", robots.into_bytes())],
            Some("sitemap.xml and feed.xml need absolute URLs: set base_url in edition.yaml or pass --base-url".into()),
        );
    };
    robots.push_str(&format!("Sitemap: {base}sitemap.xml\n"));
    let mut jobs = vec![
        Job::new("robots.txt", robots.into_bytes()),
        Job::new("sitemap.xml", sitemap(html_paths, base).into_bytes()),
    ];
    match feed_date(edition) {
        Some(updated) => {
            jobs.push(Job::new("feed.xml", feed(edition, base, &updated).into_bytes()));
            (jobs, None)
        }
        None => (
            jobs,
            Some("feed.xml needs a date: set `updated: YYYY-MM-DD` in edition.yaml (or date the source, a note or a fact)".into()),
        ),
    }
}

/// `sitemap.xml`: every page but the 404 page, sorted.
fn sitemap(html_paths: &[String], base: &str) -> String {
    let mut paths: Vec<&String> = html_paths
        .iter()
        .filter(|p| p.as_str() != "404.html")
        .collect();
    paths.sort();
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in paths {
        let loc = format!("{base}{}", p.trim_end_matches("index.html"));
        sitemap.push_str(&format!("  <url><loc>{}</loc></url>\n", xml_escape(&loc)));
    }
    sitemap.push_str("</urlset>\n");
    sitemap
}

/// The Atom feed: one entry per chapter, dated `updated` (`YYYY-MM-DD`).
fn feed(edition: &Edition, base: &str, updated: &str) -> String {
    let stamp = format!("{updated}T00:00:00Z");
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <id>{}</id>\n  <link href=\"{}\"/>\n  <link rel=\"self\" href=\"{}feed.xml\"/>\n  <updated>{stamp}</updated>\n",
        xml_escape(&edition.config.language),
        xml_escape(&edition.config.title),
        xml_escape(base),
        xml_escape(base),
        xml_escape(base),
    );
    if let Some(a) = &edition.config.source.author {
        feed.push_str(&format!(
            "  <author><name>{}</name></author>\n",
            xml_escape(a)
        ));
    }
    if let Some(r) = &edition.config.source.rights {
        feed.push_str(&format!("  <rights>{}</rights>\n", xml_escape(r)));
    }
    for c in &edition.chapters {
        let url = format!("{base}{}", chapter_url(&c.slug));
        feed.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link href=\"{}\"/>\n    <updated>{stamp}</updated>\n    <summary>{}</summary>\n  </entry>\n",
            xml_escape(c.title()),
            xml_escape(&url),
            xml_escape(&url),
            xml_escape(c.meta.summary.as_deref().unwrap_or(""))
        ));
    }
    feed.push_str("</feed>\n");
    feed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let s = script_json(&json!({"name": "</script><img src=x onerror=alert(1)> & more"}));
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["name"], "</script><img src=x onerror=alert(1)> & more");
    }
}
