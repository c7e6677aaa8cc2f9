//! The W3C Web Annotation format, both ways: the export written with every
//! build ([`export`]) and the import of annotations made elsewhere
//! ([`import`]), sharing one vocabulary (motivations per kind, the `glossa:`
//! namespace).
//!
//! Must not render pages or touch the disk: bodies come rendered from the
//! caller, and files are read and written by `build`.

pub mod export;
pub mod import;

/// The namespace of glossa's own properties (`glossa:id`, `glossa:note` …).
pub const NAMESPACE: &str = "https://glossa.invalid/ns#";

/// The Web Annotation motivation of each kind of note.
pub fn motivation(kind: &str) -> &'static str {
    match kind {
        "definition" => "describing",
        "fact-check" => "assessing",
        "translation" => "describing",
        "source" => "linking",
        "context" => "describing",
        _ => "commenting",
    }
}
