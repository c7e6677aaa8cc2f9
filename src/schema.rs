//! JSON Schemas of the front matter, generated from the Rust types.
//!
//! Input: nothing but the types in [`crate::content`], [`crate::config`] and
//! [`crate::seed::plan`]. Output: pretty-printed JSON Schema documents (draft
//! 2020-12) for chapter, company and person front matter, `edition.yaml` and
//! import plans, which editors'
//! YAML language servers use for completion and validation while typing.
//! `glossa schema` writes them into `schemas/`; a test keeps the shipped copies
//! equal to these. Must not read or write files (the CLI does that).

use schemars::{JsonSchema, schema_for};

use crate::config::Config;
use crate::content::{ChapterMeta, CompanyMeta, PersonMeta};

/// File name and text of every schema, in a fixed order.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        (
            "chapter.schema.json",
            render::<ChapterMeta>(
                "chapter",
                "Front matter of a chapter (content/chapters/NN-slug.md)",
            ),
        ),
        (
            "company.schema.json",
            render::<CompanyMeta>(
                "company",
                "Front matter of a company profile (content/companies/ID.md)",
            ),
        ),
        (
            "person.schema.json",
            render::<PersonMeta>(
                "person",
                "Front matter of a person profile (content/people/ID.md)",
            ),
        ),
        (
            "edition.schema.json",
            render::<Config>("edition", "The edition's settings (content/edition.yaml)"),
        ),
        (
            "plan.schema.json",
            render::<crate::seed::Plan>(
                "plan",
                "An import plan (seeds/NAME.plan.yaml, or written by `glossa import --plan-out`)",
            ),
        ),
    ]
}

fn render<T: JsonSchema>(name: &str, description: &str) -> String {
    let mut schema = schema_for!(T);
    schema.insert(
        "$id".into(),
        format!("https://glossa.invalid/schemas/{name}.schema.json").into(),
    );
    schema.insert("description".into(), description.into());
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_an_object_schema_with_required_keys() {
        for (name, text) in all() {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["type"], "object", "{name}");
            assert!(
                v["required"].as_array().is_some_and(|r| !r.is_empty()),
                "{name}"
            );
            assert_eq!(
                v["additionalProperties"], false,
                "{name}: unknown keys are errors"
            );
        }
    }
}
