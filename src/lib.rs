//! glossa — a static-site generator for annotated editions.
//!
//! Modules in pipeline order, one line each; a module may use only those
//! listed above it (`tests/layering.rs` enforces it; `rustfmt.toml` keeps
//! the order).

/// Source files, byte spans, diagnostics (one catalogue of codes) and their rendering.
pub mod diag;
/// Character classes of scripts written without spaces (CJK).
pub mod cjk;
/// The only door to serde_yaml: YAML ↔ typed values, positions of keys and values.
pub mod yaml;
/// Language packs: interface strings, typography, dates, likely names, example texts.
pub mod i18n;
/// `edition.yaml` → [`config::Config`].
pub mod config;
/// Front matter, model types, loading `content/` → [`content::Edition`].
pub mod content;
/// The built-in theme (compiled in) with the project's files laid over it.
pub mod theme;
/// The only Markdown parser: events, reading text, blocks.
pub mod text;
/// Seed text + plan → content files (text only, written by `output`).
pub mod seed;
/// JSON Schemas of the front matter.
pub mod schema;
/// The synthetic benchmark edition.
pub mod corpus;
/// `glossa new`: the text of a new chapter or profile, and its placeholders.
pub mod scaffold;
/// Cross-file checks on the loaded edition: anchoring, mentions, references.
pub mod annotate;
/// Annotations added, replaced or removed in a chapter file, every other byte kept.
pub mod edit;
/// W3C Web Annotations: the export and the import, one vocabulary.
pub mod webanno;
/// The only door to minify-html: pages and templates.
pub mod minify;
/// Markdown passes and Tera → `(path, bytes)` jobs, pure and parallel.
pub mod render;
/// The only writer: atomic folder swap, new content files.
pub mod output;
/// The pipeline entry points: check, build, import, export, new files.
pub mod build;
/// In-memory builds served over HTTP, file watching, live reload, error overlay.
pub mod serve;
/// Arguments, printing, exit codes.
pub mod cli;
