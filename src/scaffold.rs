//! `glossa new`: correctly shaped content files for a new chapter or profile.
//!
//! Input: a kind, an id and an optional title. Output: the text of the new file
//! (required keys filled in, optional keys present as comments) and its path
//! relative to `content/`. Writing goes through `output::write_new_files`, which
//! refuses to overwrite. Must not read or change other content.

/// The placeholder texts a new file is written with; `check` warns when one
/// is still there (it would be published as written).
#[derive(Debug, Clone, Copy)]
pub struct Placeholders {
    pub chapter_title: &'static str,
    pub chapter_body: &'static str,
    pub group: &'static str,
    pub description: &'static str,
    pub profile_body: &'static str,
}

/// The placeholders of the files `glossa new` writes.
pub const PLACEHOLDERS: Placeholders = Placeholders {
    chapter_title: "新章节",
    chapter_body: "正文，每段一个段落。",
    group: "未分组",
    description: "一句话介绍。",
    profile_body: "简介（Markdown）。",
};

/// What to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chapter,
    Company,
    Person,
}

/// The relative path and text of a new file. `order` is the chapter's position
/// (the caller passes one past the last existing chapter).
pub fn file(kind: Kind, id: &str, title: Option<&str>, order: u32) -> (String, String) {
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match kind {
        Kind::Chapter => {
            let p = PLACEHOLDERS;
            let title = title.unwrap_or(p.chapter_title);
            (
                format!("chapters/{order:02}-{id}.md"),
                format!(
                    "---\n\
                     title: {}\n\
                     order: {order}\n\
                     # summary: 一句话概括本章。\n\
                     # source:\n\
                     #   seed: 000_example.txt\n\
                     #   lines: [1, 10]\n\
                     annotations: []\n\
                     # annotations:\n\
                     #   - id: example-note          # unique in the edition, [a-z0-9-]\n\
                     #     quote: 原文中的一段话        # exact text of one paragraph\n\
                     #     kind: note                # note | context | definition | fact-check | translation | source\n\
                     #     note: |\n\
                     #       注释内容（Markdown）。\n\
                     #     sources:                  # required for context and fact-check\n\
                     #       - title: 来源标题\n\
                     #         url: https://example.org/\n\
                     ---\n\n\
                     {}\n",
                    q(title),
                    p.chapter_body
                ),
            )
        }
        Kind::Company => {
            let name = title.unwrap_or(id);
            (
                format!("companies/{id}.md"),
                format!(
                    "---\n\
                     name: {}\n\
                     # name_en: English Name\n\
                     aliases: []                   # every text form that counts as a mention\n\
                     group: {}\n\
                     description: {}\n\
                     # founded: '2020'\n\
                     # headquarters: 北京\n\
                     # founders: [person-id]\n\
                     # people: [person-id]\n\
                     # website: https://example.org/\n\
                     facts: []\n\
                     # facts:\n\
                     #   - label: 要点\n\
                     #     value: 内容\n\
                     #     source: {{chapter: chapter-slug, quote: 原文中的一句话}}\n\
                     ---\n\n\
                     {}\n",
                    q(name),
                    PLACEHOLDERS.group,
                    PLACEHOLDERS.description,
                    PLACEHOLDERS.profile_body
                ),
            )
        }
        Kind::Person => {
            let name = title.unwrap_or(id);
            (
                format!("people/{id}.md"),
                format!(
                    "---\n\
                     name: {}\n\
                     # name_en: English Name\n\
                     aliases: []                   # every text form that counts as a mention\n\
                     description: {}\n\
                     roles: []\n\
                     # roles:\n\
                     #   - org: company-id\n\
                     #     title: 创始人\n\
                     facts: []\n\
                     ---\n\n\
                     {}\n",
                    q(name),
                    PLACEHOLDERS.description,
                    PLACEHOLDERS.profile_body
                ),
            )
        }
    }
}
