//! `glossa new`: correctly shaped content files for a new chapter or profile.
//!
//! Input: a kind, an id, an optional title, the chapter's order and the
//! edition's language pack. Output: the text of the new file (required keys
//! filled in with the pack's placeholder texts, optional keys present as
//! comments) and its path relative to `content/`. Writing goes through
//! `output::write_new_files`, which refuses to overwrite. Must not read or
//! change other content.

use crate::i18n::Pack;

/// What to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chapter,
    Company,
    Person,
}

/// A value as a single-quoted YAML scalar.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The relative path and text of a new file. `order` is the chapter's position
/// (the caller passes one past the last existing chapter); `aliases` are a
/// profile's first aliases (the preview passes the selected name).
pub fn file(
    kind: Kind,
    id: &str,
    title: Option<&str>,
    order: u32,
    aliases: &[&str],
    pack: &Pack,
) -> (String, String) {
    let p = &pack.new;
    let aliases = if aliases.is_empty() {
        "[]                   # every text form that counts as a mention".to_string()
    } else {
        let list: Vec<String> = aliases.iter().map(|a| quoted(a)).collect();
        format!("[{}]", list.join(", "))
    };
    match kind {
        Kind::Chapter => (
            format!("chapters/{order:02}-{id}.md"),
            format!(
                "---\n\
                 title: {title}\n\
                 order: {order}\n\
                 # summary: one sentence about the chapter\n\
                 # source:\n\
                 #   seed: 000_example.txt\n\
                 #   lines: [1, 10]\n\
                 annotations: []\n\
                 # annotations:\n\
                 #   - id: example-note          # unique in the edition, [a-z0-9-]\n\
                 #     quote: exact words        # of one paragraph, heading or list item\n\
                 #     kind: note                # note | context | definition | fact-check | translation | source\n\
                 #     note: |\n\
                 #       The note (Markdown).\n\
                 #     sources:                  # required for context and fact-check\n\
                 #       - title: Title of the source\n\
                 #         url: https://example.org/\n\
                 ---\n\n\
                 {body}\n",
                title = quoted(title.unwrap_or(&p.chapter_title)),
                body = p.chapter_body
            ),
        ),
        Kind::Company => (
            format!("companies/{id}.md"),
            format!(
                "---\n\
                 name: {name}\n\
                 # name_en: English Name\n\
                 aliases: {aliases}\n\
                 group: {group}\n\
                 description: {description}\n\
                 # founded: '2020'\n\
                 # headquarters: City\n\
                 # founders: [person-id]\n\
                 # people: [person-id]\n\
                 # website: https://example.org/\n\
                 facts: []\n\
                 # facts:\n\
                 #   - label: Label\n\
                 #     value: Value\n\
                 #     source: {{chapter: chapter-slug, quote: exact words of the text}}\n\
                 ---\n\n\
                 {body}\n",
                name = quoted(title.unwrap_or(id)),
                group = quoted(&p.group),
                description = quoted(&p.description),
                body = p.profile_body
            ),
        ),
        Kind::Person => (
            format!("people/{id}.md"),
            format!(
                "---\n\
                 name: {name}\n\
                 # name_en: English Name\n\
                 aliases: {aliases}\n\
                 description: {description}\n\
                 roles: []\n\
                 # roles:\n\
                 #   - org: company-id\n\
                 #     title: Role\n\
                 facts: []\n\
                 ---\n\n\
                 {body}\n",
                name = quoted(title.unwrap_or(id)),
                description = quoted(&p.description),
                body = p.profile_body
            ),
        ),
    }
}

/// The files of a new project (`glossa init`), paths relative to the project
/// root: `content/` with `edition.yaml`, an example chapter with one anchored
/// annotation, a company and a person it mentions; `.gitignore`; a short
/// `README.md`. The texts come from the language pack, so the project checks
/// with no diagnostics and reads in its own language.
pub fn init_files(pack: &Pack, language: &str, title: Option<&str>) -> Vec<(String, String)> {
    let t = &pack.init;
    let title = title.unwrap_or(&t.title);
    let edition = format!(
        "# yaml-language-server: $schema=../schemas/edition.schema.json\n\
         title: {title}\n\
         language: {language}\n\
         # The text this edition annotates: shown on every page.\n\
         source:\n  title: {source}\n\
         #  author: …\n\
         #  publication: …\n\
         #  url: https://…\n\
         #  date: 'YYYY-MM-DD'\n\
         #  rights: …\n\
         # base_url: https://example.org/edition/   # for canonical links, sitemap and feed\n",
        title = quoted(title),
        language = quoted(language),
        source = quoted(&t.source_title),
    );
    let chapter = format!(
        "---\n\
         title: {title}\n\
         order: 1\n\
         annotations:\n\
         \x20 - id: first-note\n\
         \x20   quote: {quote}\n\
         \x20   kind: note\n\
         \x20   note: {note}\n\
         \x20   refs: [example-press, example-editor]\n\
         ---\n\n\
         {body}\n",
        title = quoted(&t.chapter_title),
        quote = quoted(&t.quote),
        note = quoted(&t.note),
        body = t.paragraphs.join("\n\n"),
    );
    let company = format!(
        "---\nname: {}\ngroup: {}\ndescription: {}\npeople: [example-editor]\n---\n",
        quoted(&t.company_name),
        quoted(&t.company_group),
        quoted(&t.company_description),
    );
    let person = format!(
        "---\nname: {}\ndescription: {}\n---\n",
        quoted(&t.person_name),
        quoted(&t.person_description),
    );
    vec![
        ("content/edition.yaml".into(), edition),
        ("content/chapters/01-first-chapter.md".into(), chapter),
        ("content/companies/example-press.md".into(), company),
        ("content/people/example-editor.md".into(), person),
        (".gitignore".into(), "public/\n".into()),
        ("README.md".into(), readme(title)),
    ]
}

/// The README of a new project: what the files are and the commands.
fn readme(title: &str) -> String {
    format!(
        "# {title}\n\n\
         An annotated edition made with glossa.\n\n\
         - `content/edition.yaml`: the edition's title, language and the source text's details.\n\
         - `content/chapters/`: the text, one Markdown file per chapter; notes go in each file's\n  \
           front matter under `annotations:`, anchored by the exact words they are about.\n\
         - `content/companies/`, `content/people/`: profiles; every mention in the text links to them.\n\
         - `schemas/`: JSON Schemas for editors with a YAML language server.\n\n\
         ## Commands\n\n\
         ```sh\n\
         glossa serve                 # preview at http://127.0.0.1:1111/ with live reload\n\
         glossa check                 # every problem, with file, line and column\n\
         glossa build                 # the static site, into public/\n\
         glossa import SOURCE.txt     # a text (or a saved web page) into chapters\n\
         glossa new chapter ID        # a new chapter (also: new company ID, new person ID)\n\
         glossa theme eject           # the built-in templates and stylesheet, to customise\n\
         ```\n"
    )
}
