//! minify-html behind one door: rendered pages, and templates before they are compiled.
//!
//! Input: HTML text (a page, or a Tera template's source). Output: the same
//! document with insignificant whitespace, comments and optional quotes
//! removed — closing tags and `<html>`/`<head>` kept. A template is minified
//! only where that cannot change what it renders ([`template`]: every
//! template tag in text or as an expression in a quoted attribute value, and
//! the tags unchanged afterwards); the small template lexer that decides this
//! lives here too. This is the only module that names `minify_html`. Must not
//! know about jobs, files or the edition.

/// Settings for whole pages (`minify: pages`).
static PAGE: std::sync::LazyLock<minify_html::Cfg> =
    std::sync::LazyLock::new(|| minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: false,
        minify_doctype: false,
        ..minify_html::Cfg::default()
    });

/// Settings for templates: `{{ … }}`, `{% … %}` and `{# … #}` kept as they are.
static TEMPLATE: std::sync::LazyLock<minify_html::Cfg> =
    std::sync::LazyLock::new(|| minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        keep_comments: false,
        minify_css: false,
        minify_js: false,
        minify_doctype: false,
        preserve_brace_template_syntax: true,
        ..minify_html::Cfg::default()
    });

/// A rendered HTML page, minified.
pub fn page(html: &[u8]) -> Vec<u8> {
    minify_html::minify(html, &PAGE)
}

/// The template minified, or `None` when minifying it could change what it
/// renders: a template tag inside a tag but outside a quoted attribute value
/// (`<li{% if x %} class="a"{% endif %}>`), a tag whose text contains the
/// quote of the attribute it sits in, a tag inside `<style>` or a `style`
/// attribute, or any change to the template tags themselves.
pub fn template(source: &str) -> Option<String> {
    if !tags_in_safe_places(source) {
        return None;
    }
    let out = String::from_utf8(minify_html::minify(source.as_bytes(), &TEMPLATE)).ok()?;
    same_tags(&template_tags(source), &template_tags(&out)).then_some(out)
}

/// Whether minifying kept the template tags: the same statements and comments
/// in the same order, and the same expressions (the minifier may reorder the
/// attributes of an element, and with them the expressions in their values).
fn same_tags(before: &[&[u8]], after: &[&[u8]]) -> bool {
    let statements = |tags: &[&[u8]]| -> Vec<Vec<u8>> {
        tags.iter()
            .filter(|t| !t.starts_with(b"{{"))
            .map(|t| t.to_vec())
            .collect()
    };
    let mut a = before.to_vec();
    let mut b = after.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b && statements(before) == statements(after)
}

/// The template tags of a source, in order (`{{ … }}`, `{% … %}`, `{# … #}`).
fn template_tags(s: &str) -> Vec<&[u8]> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match template_tag_at(b, i) {
            Some(len) => {
                out.push(&b[i..i + len]);
                i += len;
            }
            None => i += 1,
        }
    }
    out
}

/// Position of `pat` in `b` at or after `from`.
fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| from + p)
}

/// Length of the template tag starting at `i`, if one does (unclosed: to the end).
fn template_tag_at(b: &[u8], i: usize) -> Option<usize> {
    let close: &[u8] = match b.get(i..i + 2)? {
        b"{{" => b"}}",
        b"{%" => b"%}",
        b"{#" => b"#}",
        _ => return None,
    };
    Some(find(b, i + 2, close).map_or(b.len() - i, |e| e + 2 - i))
}

/// Whether every template tag sits where the minifier treats it as text.
fn tags_in_safe_places(s: &str) -> bool {
    #[derive(PartialEq)]
    enum State {
        Text,
        /// Inside `<…>`, outside attribute values.
        Tag,
        Value(u8),
        /// Content of `<script>` or `<style>` until its end tag.
        Raw,
    }
    let b = s.as_bytes();
    let name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b':' || c == b'_';
    let mut state = State::Text;
    // The current element's name, and the last attribute name seen in it.
    let mut name: &[u8] = b"";
    let mut attr: &[u8] = b"";
    let mut i = 0;
    while i < b.len() {
        if let Some(len) = template_tag_at(b, i) {
            let safe = match state {
                State::Text => true,
                State::Tag => false,
                // Only expressions in attribute values: the minifier may
                // reorder attributes, which would tear a statement pair apart.
                State::Value(q) => {
                    b[i..].starts_with(b"{{")
                        && !b[i..i + len].contains(&q)
                        && !attr.eq_ignore_ascii_case(b"style")
                }
                State::Raw => name.eq_ignore_ascii_case(b"script"),
            };
            if !safe {
                return false;
            }
            i += len;
            continue;
        }
        let c = b[i];
        match state {
            State::Text => {
                if b[i..].starts_with(b"<!--") {
                    // Comments are dropped by the minifier; the tag comparison
                    // notices a template tag inside one.
                    i = find(b, i, b"-->").map_or(b.len(), |e| e + 3);
                    continue;
                }
                if c == b'<' && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
                    let start = i + 1;
                    let mut end = start;
                    while end < b.len() && name_char(b[end]) {
                        end += 1;
                    }
                    name = &b[start..end];
                    attr = b"";
                    state = State::Tag;
                    i = end;
                    continue;
                }
            }
            State::Tag => {
                if c == b'>' {
                    let raw =
                        name.eq_ignore_ascii_case(b"script") || name.eq_ignore_ascii_case(b"style");
                    state = if raw { State::Raw } else { State::Text };
                } else if c == b'"' || c == b'\'' {
                    state = State::Value(c);
                } else if name_char(c) {
                    // An attribute name, or an unquoted value (a template tag
                    // right after `=` is caught as `Tag` above).
                    let start = i;
                    while i < b.len() && name_char(b[i]) {
                        i += 1;
                    }
                    attr = &b[start..i];
                    continue;
                }
            }
            State::Value(q) => {
                if c == q {
                    state = State::Tag;
                }
            }
            State::Raw => {
                let end_tag = b[i..].starts_with(b"</")
                    && b.get(i + 2..i + 2 + name.len())
                        .is_some_and(|n| n.eq_ignore_ascii_case(name));
                if end_tag {
                    state = State::Tag;
                    i += 2 + name.len();
                    continue;
                }
            }
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_keep_closing_tags() {
        let out =
            page(b"<!doctype html>\n<html>\n<body>\n  <p>  \xe4\xb8\xad  </p>\n</body></html>");
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("</p>"), "{s}");
        assert!(!s.contains("\n  "), "{s}");
    }

    #[test]
    fn minifies_templates_whose_tags_sit_in_text_or_values() {
        let t = "<ul class=\"list\">\n  {% for x in xs %}\n  <li title=\"{{ x.t }}\" class=\"a b\">{{ x.name }}</li>\n  {% endfor %}\n</ul>\n";
        let m = template(t).expect("minifiable");
        assert!(m.len() < t.len());
        assert!(!m.contains("\n  "), "{m}");
        assert!(
            m.contains("{% for x in xs %}") && m.contains("{{ x.t }}"),
            "{m}"
        );
        // Script content stays as written.
        let s = "<script type=\"application/ld+json\">{{ page.jsonld | safe }}</script>";
        assert!(template(s).unwrap().contains("{{ page.jsonld | safe }}"));
    }

    #[test]
    fn keeps_templates_the_minifier_could_break() {
        for t in [
            // A statement between attributes.
            "<li{% if x %} class=\"a\"{% endif %}>x</li>",
            // A statement inside an attribute value (attributes get reordered).
            "<meta name=\"n\" content=\"{% if a %}b{% endif %}\">",
            // The value's quote inside the tag.
            "<a title=\"{{ \"x\" }}\" href=\"y\">z</a>",
            // An unquoted value.
            "<a href={{ url }}>z</a>",
            // CSS.
            "<style>p { color: {{ c }} }</style>",
            "<p style=\"color: {{ c }}\">x</p>",
            // A comment holding a tag (the minifier drops comments).
            "<p>a</p><!-- {{ x }} --><p>b</p>",
        ] {
            assert_eq!(template(t), None, "{t}");
        }
    }
}
