//! A page's text as a browser and a Web Annotation client see it: the text
//! nodes of `<body>` in document order — what `document.body.textContent`
//! holds, and what Apache Annotator, Hypothesis and other clients search.
//!
//! Input: a rendered HTML page (glossa's own output: no scripts with text, no
//! misnested tables). Output: [`PageText`] — the body text, and for every
//! element whose `id` starts with a given prefix, where in that text (in
//! bytes) the element starts. The Web Annotation export computes its
//! selectors from it, so they hold on the page as clients see it, whatever
//! the templates put around the chapter text.
//!
//! Character references are decoded (the named ones HTML escaping produces
//! and numeric ones); comments are skipped; the text of raw-text elements
//! (`script`, `style`) counts, as it does in the DOM. Must not allocate per
//! character or know about notes.

use std::collections::HashMap;

/// The text of a page's body and where some elements sit in it.
#[derive(Debug, Default)]
pub struct PageText {
    pub text: String,
    /// Element id (without the prefix asked for) → byte offset in `text`.
    pub ids: HashMap<String, usize>,
}

impl PageText {
    /// The body text of `html`, recording elements whose id starts with `id_prefix`.
    pub fn of(html: &str, id_prefix: &str) -> PageText {
        let mut out = PageText::default();
        let Some(body) = find_tag(html, "body") else {
            return out;
        };
        let mut rest = &html[body..];
        // Skip the body start tag itself.
        if let Some(end) = rest.find('>') {
            rest = &rest[end + 1..];
        }
        while !rest.is_empty() {
            let Some(lt) = memchr::memchr(b'<', rest.as_bytes()) else {
                crate::text::decode_references_into(rest, &mut out.text);
                break;
            };
            crate::text::decode_references_into(&rest[..lt], &mut out.text);
            rest = &rest[lt..];
            if rest.starts_with("<!--") {
                rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
                continue;
            }
            let Some((gt, id)) = scan_tag(rest) else {
                break;
            };
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                if name.trim().eq_ignore_ascii_case("body") {
                    break;
                }
                continue;
            }
            let name_len = tag
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
                .count();
            let name = &tag[..name_len];
            if let Some(id) = id.and_then(|v| v.strip_prefix(id_prefix)) {
                out.ids.insert(id.to_string(), out.text.len());
            }
            let raw_text = ["script", "style"]
                .into_iter()
                .find(|r| name.eq_ignore_ascii_case(r));
            if let Some(raw) = raw_text {
                let close = if raw == "script" {
                    "</script"
                } else {
                    "</style"
                };
                let end = find_ci(rest, close).unwrap_or(rest.len());
                out.text.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
        out
    }
}

/// Where `<name` starts (as a tag, any case).
fn find_tag(html: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = find_ci(&html[from..], &format!("<{name}")) {
        let at = from + i;
        let next = html[at + 1 + name.len()..].chars().next();
        if next.is_none_or(|c| c == '>' || c.is_whitespace() || c == '/') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Case-insensitive `find` of an ASCII `needle`: candidates by its first
/// byte in either case (memchr), then compared.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let (&first, rest) = n.split_first()?;
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), h).find(|&i| {
        h.get(i + 1..i + n.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(rest))
    })
}

/// The tag `s` starts with (`<` at 0), read once: the index of the `>` that
/// ends it (quoted values may hold one) and the value of its `id` attribute.
fn scan_tag(s: &str) -> Option<(usize, Option<&str>)> {
    let b = s.as_bytes();
    let space = |c: u8| c.is_ascii_whitespace();
    let mut i = 1;
    // The element's name (`/name` for an end tag).
    while i < b.len() && !space(b[i]) && b[i] != b'>' {
        i += 1;
    }
    let mut id = None;
    loop {
        while i < b.len() && (space(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if *b.get(i)? == b'>' {
            return Some((i, id));
        }
        let name_start = i;
        while i < b.len() && !space(b[i]) && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = &s[name_start..i];
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        let value = match b.get(i)? {
            &q @ (b'"' | b'\'') => {
                let end = i + 1 + memchr::memchr(q, &b[i + 1..])?;
                let v = &s[i + 1..end];
                i = end + 1;
                v
            }
            _ => {
                let start = i;
                while i < b.len() && !space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
                &s[start..i]
            }
        };
        if name.eq_ignore_ascii_case("id") {
            id = Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_text_with_references_decoded_and_ids_placed() {
        let html = "<!doctype html><html><head><title>T</title></head>\
            <body class=x><nav aria-label=\"a > b\">Nav</nav><!-- c -->\
            <p id=p1>A &amp; B &lt;c&gt; &#x4e2d;&#25991;<span class=\"anchor\" id=\"m-one\"></span>two</p>\
            <script src=a.js></script><p id='m-two'>x</p></body></html>";
        let t = PageText::of(html, "m-");
        assert_eq!(t.text, "NavA & B <c> 中文twox");
        assert_eq!(&t.text[t.ids["one"]..], "twox");
        assert_eq!(&t.text[t.ids["two"]..], "x");
        assert_eq!(t.ids.len(), 2);
    }

    #[test]
    fn tags_are_read_once_with_their_id() {
        assert_eq!(scan_tag("<p>x"), Some((2, None)));
        assert_eq!(scan_tag("</p>x"), Some((3, None)));
        assert_eq!(scan_tag("<a href=../x/y id=z>"), Some((19, Some("z"))));
        assert_eq!(
            scan_tag("<img alt=\"a > b\" id='q'/>"),
            Some((24, Some("q")))
        );
        assert_eq!(
            scan_tag("<p data-id=\"n\" id=m-x>"),
            Some((21, Some("m-x")))
        );
        assert_eq!(scan_tag("<P ID = \"X\" hidden>"), Some((18, Some("X"))));
        assert_eq!(scan_tag("<p title=\"open"), None);
    }
}
