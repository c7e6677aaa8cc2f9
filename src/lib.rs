//! glossa — a static-site generator for annotated editions.
//!
//! Modules in pipeline order; a module may use only those listed above it:
//!
//! | module | role |
//! | --- | --- |
//! | [`diag`] | source files, byte spans, diagnostics and their rendering |
//! | [`script`] | character classes (CJK) |
//! | [`yaml`] | the only door to serde_yaml: YAML ↔ typed values, positioned errors |
//! | [`config`] | `edition.yaml` → [`config::Config`] |
//! | [`content`] | front matter, model types, loading `content/` → [`content::Edition`] |
//! | [`text`] | the only Markdown parser for chapters: events, reading text, blocks |
//! | [`import`] | seed text + plan → content files (text only, written by `output`) |
//! | [`scaffold`] | `glossa new`: the text of a new chapter or profile |
//! | [`annotate`] | cross-file checks on the loaded edition |
//! | [`render`] | Markdown passes and Tera → `(path, bytes)` jobs, pure and parallel |
//! | [`output`] | the only writer: minify, atomic folder swap, new content files |
//! | [`build`] | the pipeline entry points: check, build, import |
//! | [`serve`] | in-memory builds served over HTTP, file watching, live reload, error overlay |
//! | [`cli`] | arguments, printing, exit codes |
//!
//! See `ARCHITECTURE.md` for the invariants.

pub mod annotate;
pub mod build;
pub mod cli;
pub mod config;
pub mod content;
pub mod corpus;
pub mod diag;
pub mod exchange;
pub mod import;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod script;
pub mod serve;
pub mod text;
pub mod yaml;
