//! glossa — a static-site generator for annotated editions.
//!
//! Modules in pipeline order, one line each; a module may use only those
//! listed above it (`tests/layering.rs` enforces it):

/// Cross-file checks on the loaded edition: anchoring, mentions, references.
pub mod annotate;
/// The pipeline entry points: check, build, import, export, new files.
pub mod build;
/// Character classes of scripts written without spaces (CJK).
pub mod cjk;
/// Arguments, printing, exit codes.
pub mod cli;
/// `edition.yaml` → [`config::Config`].
pub mod config;
/// Front matter, model types, loading `content/` → [`content::Edition`].
pub mod content;
/// The synthetic benchmark edition.
pub mod corpus;
/// Source files, byte spans, diagnostics and their rendering.
pub mod diag;
/// The only door to minify-html: pages and templates.
pub mod minify;
/// The only writer: atomic folder swap, new content files.
pub mod output;
/// Markdown passes and Tera → `(path, bytes)` jobs, pure and parallel.
pub mod render;
/// `glossa new`: the text of a new chapter or profile, and its placeholders.
pub mod scaffold;
/// JSON Schemas of the front matter.
pub mod schema;
/// Seed text + plan → content files (text only, written by `output`).
pub mod seed;
/// In-memory builds served over HTTP, file watching, live reload, error overlay.
pub mod serve;
/// The only Markdown parser: events, reading text, blocks.
pub mod text;
/// W3C Web Annotations: the export and the import, one vocabulary.
pub mod webanno;
/// The only door to serde_yaml: YAML ↔ typed values, positions of keys and values.
pub mod yaml;
