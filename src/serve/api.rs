//! The editing API of authoring mode, under `/__glossa/api/`: JSON in and
//! out, with the front matter's own field names. The preview's editing
//! controls (`serve/edit.js`) use it, and so can any tool that reads the
//! token from a served page.
//!
//! | request | does |
//! |---|---|
//! | `GET session` | the editing strings, the kinds, the profiles (for `refs`); `editing: false` while the edition does not build |
//! | `GET chapters/SLUG/annotations` | the chapter's annotations with their anchors; `ETag` = the file's version |
//! | `POST chapters/SLUG/annotations` | adds one (`?dry-run`: only says what would be written) |
//! | `PUT chapters/SLUG/annotations/ID` | replaces one (`If-Match` required) |
//! | `DELETE chapters/SLUG/annotations/ID` | removes one (`If-Match` required) |
//! | `POST profiles` | writes `content/companies/ID.md` or `content/people/ID.md` |
//! | `POST preview` | a note's Markdown → its HTML |
//!
//! Input: a parsed request and the server (its kept edition, token and
//! address). Output: a response. Every request needs the per-run token in
//! `X-Glossa-Token`, a `Host` naming the server's own loopback address
//! (any host with `--allow-remote-edit`) and no foreign `Origin`; bodies are
//! `application/json` of at most [`super::http::MAX_BODY`] bytes. A change is
//! applied to the file's text on disk by [`crate::edit`], the whole edition
//! is checked with the new text in memory, and only then is the file
//! replaced (atomically); errors come back as `check --format json`
//! diagnostics, each with the form `field` it is about. A file that changed
//! since the client read it (`If-Match` ≠ `ETag`: `412`) or that does not
//! parse (`409`) is never rewritten. Must not write anything but chapter
//! files and new profile files under `content/`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use super::http::Request;
use super::{Rebuild, Server};
use crate::annotate;
use crate::build::Kept;
use crate::content::{self, AnnotationKind};
use crate::diag::{self, Code, Diagnostic, FileId, Sources};
use crate::edit::{self, Change, Draft, Edited, Problem};

/// A response of the API.
pub(super) struct Response {
    pub status: &'static str,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

fn reply(status: &'static str, value: &Value) -> Response {
    Response {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: serde_json::to_vec_pretty(value).expect("JSON values serialize"),
    }
}

/// A refusal that is about the request, not the content.
fn refuse(status: &'static str, why: &str) -> Response {
    reply(status, &json!({"ok": false, "error": why}))
}

/// The edition does not build: nothing can be edited until it does.
fn not_building() -> Response {
    refuse(
        "409 Conflict",
        "the edition does not build at the moment: fix the errors the preview shows first",
    )
}

/// A 64-bit FNV-1a hash (file versions, the API's own writes).
pub(super) fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// A file's version, as an HTTP entity tag.
fn etag(bytes: &[u8]) -> String {
    format!("\"{:016x}-{}\"", hash(bytes), bytes.len())
}

/// Whether an `If-Match` value names `version` (a list, weak tags, `*`).
fn matches(if_match: &str, version: &str) -> bool {
    if_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == version)
}

/// Equal strings, compared in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Handles a request whose path is `API_PATH` + `rest`.
pub(super) fn handle(server: &Server, req: &Request, rest: &str) -> Response {
    if let Err(r) = guard(server, req) {
        return r;
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let dry_run = query.split('&').any(|q| q == "dry-run");
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["session"]) => session(server),
        ("POST", ["preview"]) => with_body(req, |v: Value| {
            let note = v.get("note").and_then(Value::as_str).unwrap_or("");
            reply(
                "200 OK",
                &json!({"html": crate::render::markdown::note_html(note)}),
            )
        }),
        ("GET", ["chapters", slug, "annotations"]) => list(server, slug),
        ("POST", ["chapters", slug, "annotations"]) => with_body(req, |d: Draft| {
            author(server, req, slug, Change::Create(d), dry_run)
        }),
        ("PUT", ["chapters", slug, "annotations", id]) => with_body(req, |d: Draft| {
            let change = Change::Replace {
                id: id.to_string(),
                draft: d,
            };
            author(server, req, slug, change, dry_run)
        }),
        ("DELETE", ["chapters", slug, "annotations", id]) => {
            let change = Change::Delete { id: id.to_string() };
            author(server, req, slug, change, dry_run)
        }
        ("POST", ["profiles"]) => with_body(req, |p: NewProfile| new_profile(server, p)),
        (_, ["session"] | ["preview"] | ["profiles"])
        | (_, ["chapters", _, "annotations"] | ["chapters", _, "annotations", _]) => {
            let mut r = refuse("405 Method Not Allowed", "method not allowed here");
            r.headers.push(("Allow", allowed(&segs).into()));
            r
        }
        _ => refuse("404 Not Found", "no such API endpoint"),
    }
}

/// The methods an endpoint takes.
fn allowed(segs: &[&str]) -> &'static str {
    match segs {
        ["session"] => "GET",
        ["preview"] | ["profiles"] => "POST",
        [_, _, _] => "GET, POST",
        _ => "PUT, DELETE",
    }
}

/// The checks every API request passes before anything is read or written.
fn guard(server: &Server, req: &Request) -> Result<(), Response> {
    let Some(token) = server.token() else {
        return Err(refuse(
            "403 Forbidden",
            "editing from the preview is off (--read-only, or a non-loopback --bind without --allow-remote-edit)",
        ));
    };
    let Some(host) = req.header("host") else {
        return Err(refuse("403 Forbidden", "no Host header"));
    };
    let remote = server.options.allow_remote_edit;
    let own_host = server.addr.get().is_some_and(|a| {
        let port = a.port();
        [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            a.to_string(),
        ]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    });
    if !own_host && !remote {
        return Err(refuse(
            "403 Forbidden",
            "the Host is not this server's loopback address",
        ));
    }
    if let Some(origin) = req.header("origin")
        && !origin.eq_ignore_ascii_case(&format!("http://{host}"))
    {
        return Err(refuse(
            "403 Forbidden",
            "requests from other origins are refused",
        ));
    }
    if !req
        .header("x-glossa-token")
        .is_some_and(|t| same_secret(t, token))
    {
        return Err(refuse(
            "403 Forbidden",
            "missing or wrong X-Glossa-Token (every page of this preview carries it in <meta name=\"glossa-edit-token\">)",
        ));
    }
    if req.too_large {
        return Err(refuse(
            "413 Content Too Large",
            "the request body is too large",
        ));
    }
    if req.no_length {
        return Err(refuse(
            "411 Length Required",
            "send the body with a Content-Length",
        ));
    }
    if matches!(req.method.as_str(), "POST" | "PUT")
        && !req.header("content-type").is_some_and(|t| {
            t.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
    {
        return Err(refuse(
            "415 Unsupported Media Type",
            "send the body as Content-Type: application/json",
        ));
    }
    Ok(())
}

/// Decodes `%XX` escapes of a path segment (a chapter slug or an id).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses the JSON body as `T` and runs `then`; a body that is not such
/// JSON is a `400` with a `bad-request` diagnostic.
fn with_body<T: serde::de::DeserializeOwned>(
    req: &Request,
    then: impl FnOnce(T) -> Response,
) -> Response {
    match serde_json::from_slice::<T>(&req.body) {
        Ok(v) => then(v),
        Err(e) => {
            let d = Diagnostic::new(Code::BadRequest, format!("the request body: {e}")).help(
                "send a JSON object with the front matter's field names (quote, kind, note, …)",
            );
            problems("400 Bad Request", &[(None, d)], &Sources::new())
        }
    }
}

/// Diagnostics as `check --format json` writes them, each with the form
/// field it is about.
fn problems(
    status: &'static str,
    diags: &[(Option<String>, Diagnostic)],
    sources: &Sources,
) -> Response {
    let only: Vec<Diagnostic> = diags.iter().map(|(_, d)| d.clone()).collect();
    let mut v = diag::to_json(&only, sources);
    if let Some(items) = v["diagnostics"].as_array_mut() {
        for (item, (field, _)) in items.iter_mut().zip(diags) {
            item["field"] = field.clone().into();
        }
    }
    reply(status, &v)
}

/// `GET session`: what the editing controls need once.
fn session(server: &Server) -> Response {
    let last = server.last.lock().expect("edition lock");
    let Some(kept) = last.as_ref() else {
        // Not an error of the request: the controls stay off until it builds.
        return reply(
            "200 OK",
            &json!({"editing": false, "error": "the edition does not build at the moment: fix the errors the preview shows first"}),
        );
    };
    let config = &kept.edition.config;
    let kinds: Vec<Value> = AnnotationKind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": config.ui.kind_label(k.as_str())}))
        .collect();
    let profiles: Vec<Value> = kept
        .edition
        .entities
        .iter()
        .map(|e| json!({"id": e.id, "name": e.name, "kind": e.kind, "aliases": e.aliases}))
        .collect();
    reply(
        "200 OK",
        &json!({
            "editing": true,
            "language": config.language,
            "ui": config.pack.edit,
            "kinds": kinds,
            "profiles": profiles,
        }),
    )
}

/// `GET chapters/SLUG/annotations`: the annotations of the chapter file as
/// it is on disk, with their numbers and, when the preview shows that very
/// text, the selectors the export gives them; `ETag` is the file's version.
fn list(server: &Server, slug: &str) -> Response {
    let mut last = server.last.lock().expect("edition lock");
    let (kept, ci, file, path, bytes) = match on_disk(last.as_mut(), slug) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let version = etag(&bytes);
    let shown = kept.sources.get(file).text.as_bytes() == bytes.as_slice();
    let Kept {
        edition,
        sources,
        cache,
        anchors,
        ..
    } = kept;
    let disk = String::from_utf8(bytes).ok().map(Arc::<str>::from);
    let parsed = disk.and_then(|t| content::load::parse_chapter(&path, file, t).ok());
    let Some(parsed) = parsed else {
        return refuse(
            "409 Conflict",
            "the chapter file does not parse at the moment: glossa check says why",
        );
    };
    let (linked, _) = annotate::link_with(edition, sources, Some(cache), None);
    let lc = &linked.chapters[ci];
    let items: Vec<Value> = parsed
        .meta
        .annotations
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).expect("annotations serialize");
            if !shown {
                return v;
            }
            let note = lc
                .notes
                .iter()
                .enumerate()
                .find(|(_, n)| n.annotation.id == a.id);
            if let Some((k, n)) = note {
                v["number"] = n.number.into();
                let exact = n.exact();
                let anchor = anchors
                    .get(ci)
                    .and_then(Option::as_ref)
                    .and_then(|c| c.get(k));
                if let Some(Some(anchor)) = anchor {
                    v["selector"] = crate::webanno::export::selectors(exact, anchor).into();
                }
            }
            v
        })
        .collect();
    let mut r = reply(
        "200 OK",
        &json!({
            "chapter": slug,
            "file": sources.get(file).display,
            "version": version,
            "annotations": items,
        }),
    );
    r.headers.push(("ETag", version));
    r
}

/// The kept edition, chapter `slug`'s index, file id and path, and the
/// file's bytes as they are on disk now; or the response saying why not.
fn on_disk<'k>(
    kept: Option<&'k mut Kept>,
    slug: &str,
) -> Result<(&'k mut Kept, usize, FileId, PathBuf, Vec<u8>), Response> {
    let Some(kept) = kept else {
        return Err(not_building());
    };
    let Some(ci) = chapter_index(kept, slug) else {
        return Err(unknown_chapter(kept, slug));
    };
    let file = kept.edition.chapters[ci].file;
    let path = kept.sources.get(file).path.clone();
    match std::fs::read(&path) {
        Ok(bytes) => Ok((kept, ci, file, path, bytes)),
        Err(_) => Err(refuse(
            "500 Internal Server Error",
            "the chapter file cannot be read",
        )),
    }
}

fn chapter_index(kept: &Kept, slug: &str) -> Option<usize> {
    kept.edition.chapters.iter().position(|c| c.slug == slug)
}

fn unknown_chapter(kept: &Kept, slug: &str) -> Response {
    let slugs: Vec<&str> = kept
        .edition
        .chapters
        .iter()
        .map(|c| c.slug.as_str())
        .collect();
    let d = diag::codes::unknown_chapter(slug, &slugs);
    problems(
        "404 Not Found",
        &[(Some("chapter".into()), d)],
        &kept.sources,
    )
}

/// Creates, replaces or deletes one annotation: checks the version, applies
/// the change to the file's text on disk, checks the whole edition with the
/// new text in memory, and only then writes the file and rebuilds the
/// preview (the response is sent once the page shows the change).
fn author(server: &Server, req: &Request, slug: &str, change: Change, dry_run: bool) -> Response {
    let writing = server.writing.lock().expect("write lock");
    let mut last = server.last.lock().expect("edition lock");
    let (kept, ci, file, path, disk) = match on_disk(last.as_mut(), slug) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let display = kept.sources.get(file).display.clone();
    let version = etag(&disk);
    match req.header("if-match") {
        Some(m) if !matches(m, &version) => {
            let d = Diagnostic::new(
                Code::StaleEdit,
                format!("{display} changed on disk since the preview loaded it"),
            )
            .help("reload the page (your text is kept in the form) and save again");
            let mut r = problems("412 Precondition Failed", &[(None, d)], &kept.sources);
            r.headers.push(("ETag", version));
            return r;
        }
        None if req.method != "POST" => {
            return refuse(
                "428 Precondition Required",
                "send If-Match with the ETag that GET …/annotations returned",
            );
        }
        _ => {}
    }
    let Ok(text) = String::from_utf8(disk) else {
        let d = Diagnostic::new(Code::FileBroken, format!("{display} is not UTF-8"));
        return problems("409 Conflict", &[(None, d)], &kept.sources);
    };
    // Try the change with the file's text in the kept edition, then put the
    // kept edition back as it was (the rebuild below reads the file).
    let saved = (
        kept.edition.chapters[ci].clone(),
        kept.sources.get(file).text.clone(),
    );
    let outcome = try_change(kept, ci, &path, text.into(), &change);
    kept.edition.chapters[ci] = saved.0;
    kept.sources.replace(file, saved.1);
    let (edited, warnings) = match outcome {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    drop(last);
    let new_version = etag(edited.text.as_bytes());
    let mut body = json!({
        "ok": true,
        "chapter": slug,
        "file": display,
        "annotation": edited.annotation,
        "version": new_version,
        "warnings": warnings,
    });
    if dry_run {
        body["dry_run"] = true.into();
        return reply("200 OK", &body);
    }
    // The file must still be what was checked (an editor may have saved it).
    if std::fs::read(&path).map(|b| etag(&b)).ok().as_deref() != Some(version.as_str()) {
        let d = Diagnostic::new(
            Code::StaleEdit,
            format!("{display} changed on disk while the change was checked"),
        )
        .help("save again");
        return problems("412 Precondition Failed", &[(None, d)], &Sources::new());
    }
    if let Err(e) = crate::output::write_atomic(&path, edited.text.as_bytes()) {
        return refuse(
            "500 Internal Server Error",
            &format!("cannot write {display}: {e}"),
        );
    }
    server.wrote(path.clone(), edited.text.as_bytes());
    drop(writing);
    server.rebuild_paths(Rebuild::Chapters, &[path]);
    let status = match change {
        Change::Create(_) => "201 Created",
        _ => "200 OK",
    };
    let mut r = reply(status, &body);
    r.headers.push(("ETag", new_version));
    r
}

/// The change applied in the kept edition: the file's current text parsed
/// and linked, the change made by [`edit::apply`], the new text parsed and
/// the whole edition linked again. Errors are responses (with the new text
/// still in `kept.sources`, so their positions are shown right); on success,
/// the edit and the warnings as JSON. The caller restores `kept`.
fn try_change(
    kept: &mut Kept,
    ci: usize,
    path: &Path,
    text: Arc<str>,
    change: &Change,
) -> Result<(Edited, Value), Response> {
    let file = kept.edition.chapters[ci].file;
    let Kept {
        edition,
        sources,
        cache,
        ..
    } = kept;
    sources.replace(file, text.clone());
    match content::load::parse_chapter(path, file, text) {
        Ok(c) => edition.chapters[ci] = c,
        Err(d) => {
            let d: Vec<_> = d.into_iter().map(|d| (None, d)).collect();
            return Err(problems("409 Conflict", &d, sources));
        }
    }
    let edited = {
        let (linked, _) = annotate::link_with(edition, sources, Some(cache), None);
        edit::apply(&linked, ci, change)
    };
    let edited = edited.map_err(|p| {
        let d: Vec<_> = p
            .into_iter()
            .map(|Problem { field, diagnostic }| (field, diagnostic))
            .collect();
        problems("422 Unprocessable Content", &d, sources)
    })?;
    let new: Arc<str> = edited.text.as_str().into();
    sources.replace(file, new.clone());
    let parsed = content::load::parse_chapter(path, file, new);
    let chapter = parsed.map_err(|d| {
        let d: Vec<_> = d.into_iter().map(|d| (None, d)).collect();
        problems("422 Unprocessable Content", &d, sources)
    })?;
    let yaml = chapter.yaml.clone();
    edition.chapters[ci] = chapter;
    let (_, diags) = annotate::link_with(edition, sources, Some(cache), None);
    let fielded: Vec<(Option<String>, Diagnostic)> = diags
        .into_iter()
        .map(|d| {
            let field = field_of(&d, file, &edited, yaml.clone());
            (field, d)
        })
        .collect();
    if fielded.iter().any(|(_, d)| d.is_error()) {
        return Err(problems("422 Unprocessable Content", &fielded, sources));
    }
    // Warnings about the changed annotation only (the rest were there before).
    let own: Vec<(Option<String>, Diagnostic)> =
        fielded.into_iter().filter(|(f, _)| f.is_some()).collect();
    let warnings = problems("200 OK", &own, sources);
    let warnings: Value = serde_json::from_slice(&warnings.body).unwrap_or_default();
    Ok((edited, warnings["diagnostics"].clone()))
}

/// The form field a diagnostic is about: by where it points in the changed
/// entry, or by what it says (a missing source is about `sources`).
fn field_of(
    d: &Diagnostic,
    file: FileId,
    edited: &Edited,
    yaml: std::ops::Range<usize>,
) -> Option<String> {
    let index = edited.index?;
    let (f, span) = d.primary.as_ref()?;
    if *f != file {
        return None;
    }
    let field = edit::field_at(&edited.text, yaml, index, span.start)?;
    Some(match d.code {
        Code::MissingSources | Code::DateWithoutSource => "sources".to_string(),
        _ => field,
    })
}

/// `POST profiles`: a new company or person.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProfile {
    kind: String,
    #[serde(default)]
    id: String,
    name: String,
}

fn new_profile(server: &Server, p: NewProfile) -> Response {
    let writing = server.writing.lock().expect("write lock");
    let (rel, text, content_dir) = {
        let last = server.last.lock().expect("edition lock");
        let Some(kept) = last.as_ref() else {
            return not_building();
        };
        let mut errors: Vec<(Option<String>, Diagnostic)> = Vec::new();
        let kind = match p.kind.as_str() {
            "company" => Some(crate::scaffold::Kind::Company),
            "person" => Some(crate::scaffold::Kind::Person),
            _ => None,
        };
        if kind.is_none() {
            errors.push((
                Some("kind".into()),
                Diagnostic::new(
                    Code::UnknownValue,
                    format!("`{}` is not a profile kind", p.kind),
                )
                .help("company or person"),
            ));
        }
        let name = p.name.trim();
        if name.is_empty() {
            errors.push((
                Some("name".into()),
                Diagnostic::new(Code::EmptyName, "a profile needs a name"),
            ));
        }
        let id = p.id.trim();
        if !content::is_slug(id) {
            errors.push((
                Some("id".into()),
                Diagnostic::new(
                    Code::BadEntityId,
                    format!("`{id}` is not a valid profile id"),
                )
                .help("use lowercase ASCII letters, digits and `-` (the file is named after it)"),
            ));
        } else if kept.edition.entities.iter().any(|e| e.id == id) {
            errors.push((
                Some("id".into()),
                Diagnostic::new(
                    Code::ProfileExists,
                    format!("a profile `{id}` exists already"),
                )
                .help("choose another id, or add the name to that profile's aliases"),
            ));
        }
        if !errors.is_empty() {
            return problems("422 Unprocessable Content", &errors, &Sources::new());
        }
        let kind = kind.expect("checked above");
        let pack = &kept.edition.config.pack;
        let (rel, text) = crate::scaffold::file(kind, id, Some(name), 0, &[name], pack);
        (rel, text, server.options.paths.content.clone())
    };
    let written = crate::output::write_new_files(&content_dir, &[(rel.clone(), text)], false);
    drop(writing);
    let paths: Vec<PathBuf> = match written {
        Ok(p) => p,
        Err(e) => return refuse("409 Conflict", &e.to_string()),
    };
    server.rebuild(Rebuild::Full);
    reply(
        "201 Created",
        &json!({"ok": true, "id": p.id.trim(), "kind": p.kind, "file": format!("content/{rel}"), "written": paths.len()}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_preconditions() {
        let v = etag(b"abc");
        assert!(v.starts_with('"') && v.ends_with('"'));
        assert_ne!(v, etag(b"abd"));
        assert!(matches(&v, &v));
        assert!(matches(&format!("W/{v}"), &v));
        assert!(matches(&format!("\"x\", {v}"), &v));
        assert!(matches("*", &v));
        assert!(!matches("\"other\"", &v));
    }

    #[test]
    fn secrets_and_segments() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert_eq!(percent_decode("two%2Dextremes"), "two-extremes");
        assert_eq!(percent_decode("%E4%B8%AD"), "中");
        assert_eq!(percent_decode("50%"), "50%");
    }
}
