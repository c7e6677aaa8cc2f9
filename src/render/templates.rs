//! Tera behind one door: loading the project's templates and rendering views.
//!
//! Input: the `templates/` folder and serializable, borrowed view structs.
//! Output: rendered page text. Edition-wide data goes into Tera's global context
//! once per build (never cloned per page). This is the only module that names
//! `tera`. Must not read content or write output.
//!
//! Templates are minified once, when compiled ([`minify_template`]), instead
//! of minifying every rendered page: a template is minified only when every
//! template tag in it sits in text or inside a quoted attribute value, and the
//! minified template is used only if its template tags came out unchanged.
//! Anything else keeps its source as written. A render error is reported
//! against the source as written (the page is rendered again with it).

use std::path::{Path, PathBuf};

use serde::Serialize;
use walkdir::WalkDir;

/// Templates every site needs.
pub const REQUIRED: [&str; 11] = [
    "base.html",
    "index.html",
    "chapter.html",
    "annotations.html",
    "company.html",
    "person.html",
    "entities.html",
    "search.html",
    "glossary.html",
    "timeline.html",
    "404.html",
];

/// A template problem (environment tier: it names the template file).
#[derive(Debug)]
pub enum TemplateError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    Missing {
        name: String,
        dir: PathBuf,
    },
    Compile {
        dir: PathBuf,
        report: String,
    },
    Render {
        name: String,
        report: String,
    },
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, error } => {
                write!(f, "cannot read template {}: {error}", path.display())
            }
            Self::Missing { name, dir } => {
                write!(f, "template {name} is missing from {}", dir.display())
            }
            Self::Compile { dir, report } => {
                write!(
                    f,
                    "templates in {} do not compile:\n{report}",
                    dir.display()
                )
            }
            Self::Render { name, report } => {
                write!(f, "template {name} failed to render:\n{report}")
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// The compiled templates of a project.
pub struct Templates {
    tera: tera::Tera,
    /// The sources as written, when `tera` holds minified ones: render errors
    /// are reported against these (compiled only then).
    written: Option<Vec<(String, String)>>,
    /// Global values, kept to set them again on `written` templates.
    globals: tera::Context,
    /// Names of the templates that were minified.
    minified: Vec<String>,
    /// Names of the templates used as written although minifying was asked for.
    kept: Vec<String>,
}

impl Templates {
    /// Loads every `*.html` file under `dir` (names relative to `dir`,
    /// `/`-separated), minified when `minify` is set (see the module docs).
    pub fn load(dir: &Path, minify: bool) -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        for entry in WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| TemplateError::Io {
                path: e.path().unwrap_or(dir).to_path_buf(),
                error: e.into(),
            })?;
            let p = entry.path();
            if entry.file_type().is_file() && p.extension().is_some_and(|x| x == "html") {
                let text = std::fs::read_to_string(p).map_err(|error| TemplateError::Io {
                    path: p.to_path_buf(),
                    error,
                })?;
                let name = p
                    .strip_prefix(dir)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((name, text));
            }
        }
        for name in REQUIRED {
            if !files.iter().any(|(n, _)| n == name) {
                return Err(TemplateError::Missing {
                    name: name.to_string(),
                    dir: dir.to_path_buf(),
                });
            }
        }
        let mut kept = Vec::new();
        if minify {
            let mut minified = Vec::new();
            let small: Vec<(String, String)> = files
                .iter()
                .map(|(n, t)| match minify_template(t) {
                    Some(m) => {
                        minified.push(n.clone());
                        (n.clone(), m)
                    }
                    None => {
                        kept.push(n.clone());
                        (n.clone(), t.clone())
                    }
                })
                .collect();
            // Errors are reported against the sources as written, below.
            if let Ok(tera) = compile(&small) {
                return Ok(Self {
                    tera,
                    written: Some(files),
                    globals: tera::Context::new(),
                    minified,
                    kept,
                });
            }
            kept = files.iter().map(|(n, _)| n.clone()).collect();
        }
        let tera = compile(&files).map_err(|e| TemplateError::Compile {
            dir: dir.to_path_buf(),
            report: in_templates_folder(&e.to_string()),
        })?;
        Ok(Self {
            tera,
            written: None,
            globals: tera::Context::new(),
            minified: Vec::new(),
            kept,
        })
    }

    /// Names of the templates in use in minified form.
    pub fn minified(&self) -> &[String] {
        &self.minified
    }

    /// Names of the templates used as written although minifying was asked
    /// for (a template tag where the minifier could change what it renders).
    pub fn kept_as_written(&self) -> &[String] {
        &self.kept
    }

    /// Sets a value every template sees (serialized once).
    pub fn set_global<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.tera.global_context().insert(key, value);
        if self.written.is_some() {
            self.globals.insert(key, value);
        }
    }

    /// Renders `name` with the page-specific values in `page`.
    pub fn render(&self, name: &str, page: &PageContext) -> Result<String, TemplateError> {
        self.tera.render(name, &page.0).map_err(|e| {
            // Positions in a minified template mean nothing to its author:
            // render with the templates as written to report the error.
            let report = self
                .written
                .as_ref()
                .and_then(|files| {
                    let mut tera = compile(files).ok()?;
                    *tera.global_context() = self.globals.clone();
                    tera.render(name, &page.0).err()
                })
                .unwrap_or(e);
            TemplateError::Render {
                name: name.to_string(),
                report: in_templates_folder(&report.to_string()),
            }
        })
    }
}

fn compile(files: &[(String, String)]) -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on([".html"]);
    tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))?;
    Ok(tera)
}

/// The template minified, or `None` when minifying it could change what it
/// renders: a template tag inside a tag but outside a quoted attribute value
/// (`<li{% if x %} class="a"{% endif %}>`), a tag whose text contains the
/// quote of the attribute it sits in, a tag inside `<style>` or a `style`
/// attribute, or any change to the template tags themselves.
pub fn minify_template(source: &str) -> Option<String> {
    if !tags_in_safe_places(source) {
        return None;
    }
    let out = String::from_utf8(crate::output::minify_template_text(source)).ok()?;
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

/// Tera names templates by their file name; point reports at `templates/NAME`.
fn in_templates_folder(report: &str) -> String {
    report.replace("--> ", "--> templates/")
}

/// Page-specific template values.
#[derive(Default)]
pub struct PageContext(tera::Context);

impl PageContext {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> &mut Self {
        self.0.insert(key, value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minifies_templates_whose_tags_sit_in_text_or_values() {
        let t = "<ul class=\"list\">\n  {% for x in xs %}\n  <li title=\"{{ x.t }}\" class=\"a b\">{{ x.name }}</li>\n  {% endfor %}\n</ul>\n";
        let m = minify_template(t).expect("minifiable");
        assert!(m.len() < t.len());
        assert!(!m.contains("\n  "), "{m}");
        assert!(
            m.contains("{% for x in xs %}") && m.contains("{{ x.t }}"),
            "{m}"
        );
        // Script content stays as written.
        let s = "<script type=\"application/ld+json\">{{ page.jsonld | safe }}</script>";
        assert!(
            minify_template(s)
                .unwrap()
                .contains("{{ page.jsonld | safe }}")
        );
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
            assert_eq!(minify_template(t), None, "{t}");
        }
    }

    #[test]
    fn render_errors_point_at_the_template_as_written() {
        let dir = tempfile::tempdir().unwrap();
        for name in REQUIRED {
            std::fs::write(dir.path().join(name), "<p>\n  {{ x }}\n</p>\n").unwrap();
        }
        std::fs::write(
            dir.path().join("chapter.html"),
            "<div>\n\n\n  <p>\n    {{ chapter.missing }}\n  </p>\n</div>\n",
        )
        .unwrap();
        let t = Templates::load(dir.path(), true).unwrap();
        assert!(t.minified().iter().any(|n| n == "chapter.html"));
        let mut page = PageContext::new();
        page.insert("chapter", &serde_json::json!({"title": "t"}));
        let err = t.render("chapter.html", &page).unwrap_err().to_string();
        assert!(err.contains("templates/chapter.html:5:"), "{err}");
        assert!(err.contains("{{ chapter.missing }}"), "{err}");
    }
}
