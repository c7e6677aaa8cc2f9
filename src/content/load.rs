//! Walking `content/` and parsing every file, in parallel, reporting all problems.
//!
//! Input: [`Paths`]. Output: the [`Edition`] (when nothing fatal happened) and all
//! diagnostics, each positioned in the file it is about. Files are read and parsed
//! in parallel; they are registered in [`Sources`] in sorted path order, so file
//! ids and the order of diagnostics are deterministic. For `build`
//! ([`load_with`]), files are read a block at a time and each chapter keeps
//! only its front matter; this then reads a chapter's body again when it is
//! linked and for its page ([`read_released`], refused if the file changed)
//! and reads released files back for the diagnostics that are shown
//! ([`restore`]).
//!
//! Must not render or write anything.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use super::frontmatter::{self, SplitError};
use super::{
    Chapter, ChapterMeta, CompanyMeta, Edition, Entity, EntityKind, Paths, PersonMeta, is_slug,
    slug_from_file_name,
};
use crate::config::Config;
use crate::diag::{Code, Diagnostic, FileId, Fingerprint, Sources};
use crate::yaml;

/// Files larger than this are refused with a diagnostic instead of being read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and validates the edition. Returns `None` when no usable edition exists.
pub fn load(paths: &Paths, sources: &mut Sources) -> (Option<Edition>, Vec<Diagnostic>) {
    load_with(paths, sources, false)
}

/// Chapter files read, parsed and (with `release`) released at a time.
const BLOCK: usize = 256;

/// [`load`]; with `release` (for a build), each chapter's body is released
/// as soon as its front matter is parsed ([`super::Chapter::release_body`]),
/// and so is its source in `sources` (the build reads back the files its
/// diagnostics point into): files are read a block at a time, so memory
/// never holds every source.
pub fn load_with(
    paths: &Paths,
    sources: &mut Sources,
    release: bool,
) -> (Option<Edition>, Vec<Diagnostic>) {
    let mut diags = Vec::new();

    // edition.yaml
    let config_path = paths.content.join("edition.yaml");
    let config = match read_source(paths, &config_path, sources) {
        Ok((file, text)) => match Config::parse(file, &text) {
            Ok(c) => {
                config_dates(&c, file, &text, &mut diags);
                config_language(&c, file, &text, &mut diags);
                Some((c, file))
            }
            Err(mut ds) => {
                diags.append(&mut ds);
                None
            }
        },
        Err(d) => {
            diags.push(d);
            None
        }
    };

    // chapters/*.md
    let chapter_dir = paths.content.join("chapters");
    let mut files = Vec::new();
    if chapter_dir.is_dir() {
        files = walk_markdown(&chapter_dir, paths, &mut diags);
    } else if paths.content.is_dir() {
        diags.push(
            Diagnostic::new(
                Code::NoChapters,
                format!(
                    "no chapters folder: {} does not exist",
                    paths.display(&chapter_dir)
                ),
            )
            .help(
                "put chapter files in content/chapters/, or create them with `glossa import SEED`",
            ),
        );
    }
    warn_stray_markdown(paths, &mut diags);

    // Read in parallel, register in path order, parse in parallel.
    let mut chapters = Vec::with_capacity(files.len());
    let block = if release { BLOCK } else { files.len().max(1) };
    for files in files.chunks(block) {
        let read: Vec<(&PathBuf, std::io::Result<Decoded>)> = files
            .par_iter()
            .map(|p| (p, read_limited(p).map(decode)))
            .collect();
        let mut registered = Vec::with_capacity(read.len());
        for (path, text) in read {
            match text
                .map_err(|e| io_diag(paths, path, &e))
                .and_then(|t| register_decoded(paths, path, t, sources))
            {
                Ok((file, text)) => registered.push((path, file, text)),
                Err(d) => diags.push(d),
            }
        }
        let parsed: Vec<Result<Chapter, Vec<Diagnostic>>> = registered
            .into_par_iter()
            .map(|(path, file, text)| {
                let mut c = parse_chapter(path, file, text)?;
                if release {
                    c.release_body(path);
                }
                Ok(c)
            })
            .collect();
        for r in parsed {
            match r {
                Ok(c) => {
                    if let Some(r) = &c.released {
                        sources.release(c.file, r.fingerprint);
                    }
                    chapters.push(c);
                }
                Err(mut ds) => diags.append(&mut ds),
            }
        }
    }
    chapters.sort_by(|a, b| a.meta.order.cmp(&b.meta.order).then(a.file.cmp(&b.file)));

    if chapters.is_empty() && diags.iter().all(|d| !d.is_error()) {
        diags.push(
            Diagnostic::new(Code::NoChapters, "the edition has no chapters")
                .help("add Markdown files to content/chapters/, or run `glossa import SEED`"),
        );
    }
    let entities = load_entities(paths, sources, &mut diags);
    let edition = config.map(|(config, config_file)| Edition {
        config,
        config_file,
        chapters,
        entities,
    });
    (edition, diags)
}

/// `updated` and the source's `date` in edition.yaml must be real dates.
fn config_dates(config: &Config, file: FileId, text: &str, diags: &mut Vec<Diagnostic>) {
    let dates = [
        (config.updated.as_deref(), &["updated".into()][..]),
        (
            config.source.date.as_deref(),
            &["source".into(), "date".into()][..],
        ),
    ];
    for (date, path) in dates {
        if let Some(d) = date
            && super::PartialDate::parse(d).is_none()
        {
            let span = yaml::Tree::parse(text, 0)
                .value_or_nearest(path)
                .unwrap_or(0..0);
            diags.push(crate::diag::bad_date(d).at(file, span));
        }
    }
}

/// A `language:` without a language pack: English interface, and a warning
/// naming the packs there are.
fn config_language(config: &Config, file: FileId, text: &str, diags: &mut Vec<Diagnostic>) {
    if crate::i18n::pack_for(&config.language).is_some() {
        return;
    }
    let span = yaml::Tree::parse(text, 0)
        .value_or_nearest(&["language".into()])
        .unwrap_or(0..0);
    diags.push(
        Diagnostic::new(
            Code::UnknownLanguage,
            format!(
                "no language pack for `{}`: the interface is in English",
                config.language
            ),
        )
        .at(file, span)
        .help(format!(
            "language packs: {}; any interface string can be set under `ui:` in edition.yaml",
            crate::i18n::tags().join(", ")
        )),
    );
}

/// Loads `content/companies/*.md` and `content/people/*.md` (companies first, each sorted by id).
fn load_entities(paths: &Paths, sources: &mut Sources, diags: &mut Vec<Diagnostic>) -> Vec<Entity> {
    let mut files = Vec::new();
    for kind in [EntityKind::Company, EntityKind::Person] {
        let dir = paths.content.join(kind.folder());
        if dir.is_dir() {
            files.extend(
                walk_markdown(&dir, paths, diags)
                    .into_iter()
                    .map(|p| (kind, p)),
            );
        }
    }
    let read: Vec<(EntityKind, PathBuf, std::io::Result<Decoded>)> = files
        .into_par_iter()
        .map(|(k, p)| {
            let text = read_limited(&p).map(decode);
            (k, p, text)
        })
        .collect();
    let mut registered = Vec::with_capacity(read.len());
    for (kind, path, text) in read {
        match text
            .map_err(|e| io_diag(paths, &path, &e))
            .and_then(|t| register_decoded(paths, &path, t, sources))
        {
            Ok((file, text)) => registered.push((kind, path, file, text)),
            Err(d) => diags.push(d),
        }
    }
    let parsed: Vec<Result<Entity, Vec<Diagnostic>>> = registered
        .into_par_iter()
        .map(|(kind, path, file, text)| parse_entity(kind, &path, file, text))
        .collect();
    let mut out = Vec::new();
    for r in parsed {
        match r {
            Ok(e) => out.push(e),
            Err(mut d) => diags.append(&mut d),
        }
    }
    out.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    out
}

/// Splits a content file, turning a missing or unclosed front matter into a
/// diagnostic (`what` names the kind of file, `help` says what to write).
fn split_or_report(
    file: FileId,
    text: &str,
    what: &str,
    help: &str,
) -> Result<frontmatter::Split, Vec<Diagnostic>> {
    match frontmatter::split(text) {
        Ok(s) => Ok(s),
        Err(SplitError::Missing) => {
            let first = text.find('\n').unwrap_or(text.len()).min(40);
            Err(vec![
                Diagnostic::new(Code::NoFrontMatter, format!("{what} has no front matter"))
                    .at(file, 0..first)
                    .label("expected `---` here")
                    .help(help),
            ])
        }
        Err(SplitError::Unclosed(open)) => Err(vec![
            Diagnostic::new(Code::UnclosedFrontMatter, "front matter is never closed")
                .at(file, open)
                .label("opened here")
                .help("end the front matter with a line containing only `---`"),
        ]),
    }
}

/// The front matter as `T`; a key missing from the whole block is reported
/// at the opening `---` line.
fn parse_front_matter<T: serde::de::DeserializeOwned>(
    file: FileId,
    text: &str,
    split: &frontmatter::Split,
) -> Result<T, Vec<Diagnostic>> {
    yaml::parse(file, split.yaml.start, &text[split.yaml.clone()]).map_err(|mut d| {
        let at_start = d
            .primary
            .as_ref()
            .is_some_and(|(_, s)| s.start == split.yaml.start);
        if d.code == Code::MissingKey && at_start {
            d.primary = Some((file, split.open.clone()));
        }
        vec![d]
    })
}

/// Parses one profile.
fn parse_entity(
    kind: EntityKind,
    path: &Path,
    file: FileId,
    text: Arc<str>,
) -> Result<Entity, Vec<Diagnostic>> {
    let split = split_or_report(
        file,
        &text,
        "profile",
        "start the file with a `---` line, then `name:`, `description:` and the other keys, and a closing `---` line",
    )?;
    // The keys both kinds of profile have.
    macro_rules! common {
        ($m:expr) => {
            (
                $m.name.clone(),
                $m.name_en.clone(),
                $m.aliases.clone(),
                $m.description.clone(),
                $m.facts.clone(),
            )
        };
    }
    let ((name, name_en, aliases, description, facts), company, person) = match kind {
        EntityKind::Company => {
            let m: CompanyMeta = parse_front_matter(file, &text, &split)?;
            (common!(m), Some(m), None)
        }
        EntityKind::Person => {
            let m: PersonMeta = parse_front_matter(file, &text, &split)?;
            (common!(m), None, Some(m))
        }
    };
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut diags = Vec::new();
    if !is_slug(&id) {
        diags.push(
            Diagnostic::new(
                Code::BadEntityId,
                format!("the file name gives the id `{id}`, which is not valid"),
            )
            .at(file, split.open.clone())
            .help("rename the file to lowercase ASCII letters, digits and `-`, e.g. `zhipu.md`"),
        );
    }
    let positions = super::Positions::default();
    if name.trim().is_empty() {
        diags.push(
            Diagnostic::new(Code::EmptyName, "the profile's name is empty")
                .at(file, positions.span(&text, &split.yaml, &["name".into()]))
                .help("write the name as it appears in the text"),
        );
    }
    let mut all = vec![name.trim().to_string()];
    for a in &aliases {
        let a = a.trim().to_string();
        if !all.contains(&a) {
            all.push(a);
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(Entity {
        kind,
        id,
        file,
        name,
        name_en,
        aliases: all,
        description,
        facts,
        company,
        person,
        text,
        yaml: split.yaml,
        body: split.body,
        positions,
    })
}

/// Every `.md` file under `dir` (following symlinks, sorted), skipping hidden and editor files.
fn walk_markdown(dir: &Path, paths: &Paths, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !is_hidden_or_backup(e.file_name().to_string_lossy().as_ref())
        });
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md") {
                    out.push(e.into_path());
                }
            }
            Err(e) => {
                let where_ = e.path().map(|p| paths.display(p)).unwrap_or_default();
                let msg = if e.loop_ancestor().is_some() {
                    format!("symbolic link loop at {where_}")
                } else {
                    format!("cannot read {where_}: {e}")
                };
                diags.push(
                    Diagnostic::new(Code::Walk, msg)
                        .help("remove the link or point it at a folder outside content/"),
                );
            }
        }
    }
    out
}

/// The `order` of every chapter file in `dir` (read from its front matter, or
/// from the file name's `NN-` when the front matter does not parse), for
/// `glossa new chapter`.
pub fn chapter_orders(dir: &Path) -> Vec<u32> {
    #[derive(serde::Deserialize)]
    struct Order {
        order: u32,
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| !is_hidden_or_backup(&p.file_name().unwrap_or_default().to_string_lossy()))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let from_yaml = frontmatter::split(&text)
                .ok()
                .and_then(|s| yaml::value::<Order>(&text[s.yaml]).map(|o| o.order));
            from_yaml.or_else(|| {
                let name = p.file_name()?.to_string_lossy().into_owned();
                let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
        })
        .collect()
}

/// Editor swap and backup files, and hidden files.
pub fn is_hidden_or_backup(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.starts_with("#")
}

/// Markdown files directly in `content/` (outside known folders) would be silently
/// ignored; say so.
fn warn_stray_markdown(paths: &Paths, diags: &mut Vec<Diagnostic>) {
    let Ok(entries) = std::fs::read_dir(&paths.content) else {
        return;
    };
    let mut stray: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
        .collect();
    stray.sort();
    for p in stray {
        diags.push(
            Diagnostic::new(
                Code::IgnoredFile,
                format!("{} is not part of the edition", paths.display(&p)),
            )
            .help("chapters live in content/chapters/"),
        );
    }
}

/// Reads a file whole (at most [`MAX_FILE_BYTES`]): open, its size from
/// the open file, then [`read_sized`]. Four system calls where
/// `fs::metadata` + `fs::read` make six; a build reads every chapter
/// three times, and on a virtual machine a system call costs microseconds.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "file is {len} bytes; the limit is {MAX_FILE_BYTES} bytes"
        )));
    }
    read_sized(&mut file, len as usize)
}

/// The rest of `file`, expected to be `len` bytes: one read asks for one
/// byte more, and coming back with exactly `len` it has met the end (a
/// regular file's read is short only there), so no read is spent finding
/// the end. Any other count (the file grew or shrank, a short read) reads
/// on to the end as usual, never past [`MAX_FILE_BYTES`] and a byte.
/// The room is zeroed first (a read without `unsafe` needs initialised
/// bytes): a `memset` that callgrind counts byte by byte, but that takes
/// far less time than the two system calls it saves (BENCHMARKS.md, ninth
/// round).
fn read_sized(file: &mut impl std::io::Read, len: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let want = len.saturating_add(1).min(MAX_FILE_BYTES as usize + 1);
    let mut bytes = vec![0; want];
    let n = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            read => break read?,
        }
    };
    bytes.truncate(n);
    if n != len {
        let left = (MAX_FILE_BYTES + 1).saturating_sub(n as u64);
        file.take(left).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// Why a released file cannot be read as it was linked.
const CHANGED: &str = "changed while the site was being built";

/// A released chapter's body, read again (see [`super::Chapter::body_text`]).
pub(crate) fn read_released(r: &super::Released) -> Result<String, super::SourceChanged> {
    let changed = |why: String| super::SourceChanged {
        path: r.path.clone(),
        why,
    };
    let bytes = read_unchanged(&r.path, r.fingerprint).map_err(changed)?;
    bytes
        .get(r.body.clone())
        .and_then(|b| simdutf8::basic::from_utf8(b).ok())
        .map(str::to_owned)
        .ok_or_else(|| changed(CHANGED.to_string()))
}

/// A released file read again: its bytes, or why they are not the ones
/// that were released (a read error, or other bytes).
fn read_unchanged(path: &Path, fingerprint: Fingerprint) -> Result<Vec<u8>, String> {
    // Its length is known: no need to ask the file (three system calls).
    let bytes = std::fs::File::open(path)
        .and_then(|mut f| read_sized(&mut f, fingerprint.size()))
        .map_err(|e| format!("cannot read it again: {e}"))?;
    if Fingerprint::of(&bytes) == fingerprint {
        Ok(bytes)
    } else {
        Err(CHANGED.to_string())
    }
}

/// Reads released files back into `sources` (to show diagnostics in them);
/// returns those that changed since they were released, which stay empty.
pub fn restore(sources: &mut Sources, files: impl IntoIterator<Item = FileId>) -> Vec<FileId> {
    let mut wanted: Vec<FileId> = files
        .into_iter()
        .filter(|&f| sources.get(f).released.is_some())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let read: Vec<(FileId, Option<Arc<str>>)> = wanted
        .par_iter()
        .map(|&f| {
            let file = sources.get(f);
            let text = file
                .released
                .and_then(|fp| read_unchanged(&file.path, fp).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .map(Arc::from);
            (f, text)
        })
        .collect();
    let mut changed = Vec::new();
    for (f, text) in read {
        match text {
            Some(t) => sources.replace(f, t),
            None => changed.push(f),
        }
    }
    changed
}

fn io_diag(paths: &Paths, path: &Path, e: &std::io::Error) -> Diagnostic {
    let code = if e.kind() == std::io::ErrorKind::NotFound {
        Code::MissingFile
    } else {
        Code::Io
    };
    let mut d = Diagnostic::new(code, format!("cannot read {}: {e}", paths.display(path)));
    if path.file_name().is_some_and(|n| n == "edition.yaml") && code == Code::MissingFile {
        d = d.help("every edition needs content/edition.yaml; `glossa import SEED` writes one");
    }
    d
}

/// Reads a file and registers it as a source.
pub(crate) fn read_source(
    paths: &Paths,
    path: &Path,
    sources: &mut Sources,
) -> Result<(FileId, Arc<str>), Diagnostic> {
    let bytes = read_limited(path).map_err(|e| io_diag(paths, path, &e))?;
    register(paths, path, bytes, sources)
}

/// A seed as read: its text (UTF-8, converted when it was GB18030 or Big5)
/// and the encoding it was converted from.
pub struct SeedText {
    pub file: FileId,
    pub text: Arc<str>,
    pub converted_from: Option<&'static str>,
}

/// Reads a seed for `glossa import`: at most [`MAX_FILE_BYTES`]; binary
/// files refused; UTF-8 (with or without BOM) as is, else GB18030 or Big5
/// when the bytes decode without error in one of them (GB18030 first), else
/// a `not-utf8` diagnostic. Nothing is guessed silently: the caller reports
/// a conversion.
pub fn read_seed(
    paths: &Paths,
    path: &Path,
    sources: &mut Sources,
) -> Result<SeedText, Diagnostic> {
    let bytes = read_limited(path).map_err(|e| io_diag(paths, path, &e))?;
    let binary = bytes.iter().take(8192).any(|&b| b == 0);
    if binary {
        let id = sources.add(path, paths.display(path), Arc::from(""));
        return Err(Diagnostic::new(
            Code::BinaryFile,
            format!(
                "{} is not a text file (it holds NUL bytes)",
                paths.display(path)
            ),
        )
        .at(id, 0..0)
        .help(
            "give glossa the article as text (copied from the page) or as the saved .html page",
        ));
    }
    if std::str::from_utf8(&bytes).is_ok() {
        let (file, text) = register(paths, path, bytes, sources)?;
        return Ok(SeedText {
            file,
            text,
            converted_from: None,
        });
    }
    for encoding in legacy_chinese(&bytes) {
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(&bytes) {
            let text: Arc<str> = text.into_owned().into();
            let file = sources.add(path, paths.display(path), text.clone());
            return Ok(SeedText {
                file,
                text,
                converted_from: Some(encoding.name()),
            });
        }
    }
    register(paths, path, bytes, sources)
        .map_err(|d| d.note("the seed is not UTF-8, GB18030 or Big5"))
        .map(|(file, text)| SeedText {
            file,
            text,
            converted_from: None,
        })
}

/// The legacy Chinese encodings to try, most likely first. Both GB18030 and
/// Big5 accept most double-byte sequences, so the bytes decide: GB2312's
/// characters (nearly all of simplified Chinese text) have a second byte of
/// 0xA1 or more, while a third or more of Big5's characters (and its
/// full-width punctuation) have a second byte below 0xA1.
fn legacy_chinese(bytes: &[u8]) -> [&'static encoding_rs::Encoding; 2] {
    let (mut pairs, mut low) = (0usize, 0usize);
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] >= 0x81 {
            pairs += 1;
            if bytes[i + 1] < 0xA1 {
                low += 1;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    if pairs > 0 && low * 10 >= pairs * 2 {
        [encoding_rs::BIG5, encoding_rs::GB18030]
    } else {
        [encoding_rs::GB18030, encoding_rs::BIG5]
    }
}

/// Registers file bytes; invalid UTF-8 becomes a diagnostic at the first bad byte.
fn register(
    paths: &Paths,
    path: &Path,
    bytes: Vec<u8>,
    sources: &mut Sources,
) -> Result<(FileId, Arc<str>), Diagnostic> {
    register_decoded(paths, path, decode(bytes), sources)
}

/// A file's text, decoded where it was read (in parallel): lossy, with the
/// offset of the first invalid byte, when it is not UTF-8.
pub(crate) struct Decoded {
    text: Arc<str>,
    bad: Option<usize>,
}

pub(crate) fn decode(bytes: Vec<u8>) -> Decoded {
    // Checked with SIMD (std's check walks CJK text a character at a time);
    // the text is copied into its `Arc` either way.
    match simdutf8::basic::from_utf8(&bytes) {
        Ok(text) => Decoded {
            text: text.into(),
            bad: None,
        },
        Err(_) => Decoded {
            bad: Some(
                std::str::from_utf8(&bytes)
                    .err()
                    .map_or(bytes.len(), |e| e.valid_up_to()),
            ),
            text: String::from_utf8_lossy(&bytes).into_owned().into(),
        },
    }
}

/// Registers decoded file text; invalid UTF-8 becomes a diagnostic at the first bad byte.
fn register_decoded(
    paths: &Paths,
    path: &Path,
    decoded: Decoded,
    sources: &mut Sources,
) -> Result<(FileId, Arc<str>), Diagnostic> {
    let display = paths.display(path);
    let Decoded { text, bad } = decoded;
    let id = sources.add(path, display, text.clone());
    match bad {
        None => Ok((id, text)),
        Some(valid) => {
            // In the lossy text, the valid prefix is unchanged, so `valid` is the offset of U+FFFD.
            let end = (valid + '\u{fffd}'.len_utf8()).min(text.len());
            Err(Diagnostic::new(
                Code::NotUtf8,
                format!("file is not valid UTF-8 (invalid byte at offset {valid})"),
            )
            .at(id, valid..end)
            .label("invalid byte")
            .help("save the file as UTF-8 (for example, re-encode it from GB18030 with `iconv -f GB18030 -t UTF-8`)"))
        }
    }
}

/// Parses one chapter file: split, YAML, and per-file checks. Public so the
/// fuzz target can drive it with arbitrary text.
pub fn parse_chapter(
    path: &Path,
    file: FileId,
    text: Arc<str>,
) -> Result<Chapter, Vec<Diagnostic>> {
    let split = split_or_report(
        file,
        &text,
        "chapter",
        "start the file with a `---` line, the chapter's `title:` and `order:`, and a closing `---` line",
    )?;
    let mut meta: ChapterMeta = parse_front_matter(file, &text, &split)?;
    meta.shrink_to_fit();
    let mut diags = Vec::new();
    let positions = super::Positions::default();
    let key_span = |key: &str| -> std::ops::Range<usize> {
        positions
            .key(&text, &split.yaml, &[key.into()])
            .unwrap_or_else(|| split.open.clone())
    };
    if meta.title.trim().is_empty() {
        diags.push(
            Diagnostic::new(Code::EmptyTitle, "chapter title is empty")
                .at(file, key_span("title"))
                .help("give the chapter a title"),
        );
    }
    let slug = match meta.slug.take() {
        Some(s) => {
            if !is_slug(&s) {
                diags.push(
                    Diagnostic::new(Code::BadSlug, format!("slug `{s}` is not valid"))
                        .at(file, key_span("slug"))
                        .help("use lowercase ASCII letters, digits and `-`, e.g. `two-extremes`"),
                );
            }
            meta.slug = Some(s.clone());
            s
        }
        None => {
            let s = slug_from_file_name(path);
            if !is_slug(&s) {
                diags.push(
                    Diagnostic::new(Code::BadSlug, format!("the file name gives the slug `{s}`, which is not valid in URLs"))
                        .at(file, split.open.clone())
                        .help("rename the file to `NN-some-slug.md` (lowercase ASCII, digits, `-`), or set `slug:` in the front matter"),
                );
            }
            s
        }
    };
    if let Some(src) = &meta.source
        && (src.lines[0] == 0 || src.lines[0] > src.lines[1])
    {
        diags.push(
            Diagnostic::new(
                Code::BadLineRange,
                format!(
                    "source line range [{}, {}] is not a range of 1-based lines",
                    src.lines[0], src.lines[1]
                ),
            )
            .at(
                file,
                positions.span(&text, &split.yaml, &["source".into(), "lines".into()]),
            )
            .help("write `lines: [first, last]` with 1 <= first <= last"),
        );
    }
    if diags.is_empty() {
        Ok(Chapter {
            file,
            meta,
            slug,
            text,
            yaml: split.yaml,
            body: split.body,
            positions,
            released: None,
        })
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file read in one go when its size is what was expected, and whole
    /// whatever the expectation: larger (it grew), smaller (it shrank),
    /// empty.
    #[test]
    fn a_file_is_read_whole_whatever_length_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.md");
        let text: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        for expected in [text.len(), 0, 1, text.len() - 1, text.len() + 1, 1 << 20] {
            let mut f = std::fs::File::open(&path).unwrap();
            assert_eq!(read_sized(&mut f, expected).unwrap(), text, "{expected}");
        }
        assert_eq!(read_limited(&path).unwrap(), text);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(read_limited(&path).unwrap(), b"");
    }

    /// A file of the length expected takes one read: none is spent looking
    /// for its end (a reader that, like a regular file, comes back short
    /// only at the end, and counts its reads).
    #[test]
    fn a_file_of_the_length_expected_takes_one_read() {
        struct Counted<'a>(&'a [u8], usize);
        impl std::io::Read for Counted<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.1 += 1;
                self.0.read(buf)
            }
        }
        let text = vec![7u8; 12_000];
        let mut r = Counted(&text, 0);
        assert_eq!(read_sized(&mut r, text.len()).unwrap(), text);
        assert_eq!(r.1, 1);
        // Expecting less, it reads on (and finds the end with one more).
        let mut r = Counted(&text, 0);
        assert_eq!(read_sized(&mut r, 100).unwrap(), text);
        assert!(r.1 > 1);
    }

    /// A released file read again is refused when it changed, also when
    /// only its length did.
    #[test]
    fn a_released_file_read_again_must_be_what_was_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.md");
        std::fs::write(&path, "---\ntitle: T\n---\nbody\n").unwrap();
        let fp = Fingerprint::of(b"---\ntitle: T\n---\nbody\n");
        assert!(read_unchanged(&path, fp).is_ok());
        for changed in [
            "---\ntitle: T\n---\nbody\nmore\n",
            "---\ntitle: T\n---\n",
            "---\ntitle: T\n---\nbodY\n",
        ] {
            std::fs::write(&path, changed).unwrap();
            assert_eq!(read_unchanged(&path, fp).unwrap_err(), CHANGED);
        }
        std::fs::remove_file(&path).unwrap();
        assert!(
            read_unchanged(&path, fp)
                .unwrap_err()
                .starts_with("cannot read it again")
        );
    }
}
