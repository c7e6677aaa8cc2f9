//! Editors' workflow: JSON Schemas of the front matter, the timeline, the Web
//! Annotation round trip and the warnings that `check` gives beyond errors.

mod common;

use std::path::Path;

use common::repo;
use serde_json::Value;

/// The front matter of a content file as JSON (as a YAML language server sees it).
fn front_matter(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let yaml = if path.extension().is_some_and(|e| e == "yaml") {
        text.clone()
    } else {
        let split = glossa::content::frontmatter::split(&text).unwrap();
        text[split.yaml].to_string()
    };
    let v: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    serde_json::to_value(v).unwrap()
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn shipped_schemas_equal_the_generated_ones() {
    let generated = glossa::schema::all();
    let shipped: Vec<String> = std::fs::read_dir(repo().join("schemas"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(shipped.len(), generated.len(), "schemas/ holds {shipped:?}");
    for (name, text) in generated {
        let on_disk = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
        assert!(
            on_disk == text,
            "schemas/{name} is stale: run `cargo run -- schema`"
        );
    }
}

#[test]
fn every_shipped_content_file_validates_against_its_schema() {
    let content = repo().join("content");
    let mut checked = 0;
    for (folder, schema) in [
        ("chapters", "chapter.schema.json"),
        ("companies", "company.schema.json"),
        ("people", "person.schema.json"),
    ] {
        let v = validator(schema);
        for entry in std::fs::read_dir(content.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let errs = errors(&v, &front_matter(&path));
            assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
            checked += 1;
        }
    }
    let v = validator("edition.schema.json");
    let errs = errors(&v, &front_matter(&content.join("edition.yaml")));
    assert!(errs.is_empty(), "edition.yaml: {errs:#?}");
    assert!(checked >= 8 + 23 + 13, "only {checked} files checked");
}

#[test]
fn schemas_reject_what_check_rejects() {
    let chapter = validator("chapter.schema.json");
    let ok = serde_json::json!({"title": "T", "order": 1, "annotations": [
        {"id": "a", "quote": "q", "kind": "note", "note": "n", "date": "2024-05"}
    ]});
    assert!(errors(&chapter, &ok).is_empty());
    for bad in [
        serde_json::json!({"order": 1}),
        serde_json::json!({"title": "T", "order": "one"}),
        serde_json::json!({"title": "T", "order": 1, "titel": "x"}),
        serde_json::json!({"title": "T", "order": 1, "annotations": [
            {"id": "a", "quote": "q", "kind": "remark"}]}),
        serde_json::json!({"title": "T", "order": 1, "annotations": [
            {"id": "a", "quote": "q", "kind": "note", "date": "May 2024"}]}),
    ] {
        assert!(!errors(&chapter, &bad).is_empty(), "accepted {bad}");
    }
    let company = validator("company.schema.json");
    let bad = serde_json::json!({"name": "X", "group": "g", "description": "d",
        "facts": [{"label": "l", "value": "v"}]});
    assert!(
        !errors(&company, &bad).is_empty(),
        "a fact without a source was accepted"
    );
}

#[test]
fn scaffolded_files_validate_against_the_schemas() {
    let project = common::project(None);
    for (kind, id, schema, rel) in [
        ("chapter", "new-one", "chapter.schema.json", None),
        (
            "company",
            "acme",
            "company.schema.json",
            Some("companies/acme.md"),
        ),
        (
            "person",
            "zhang-san",
            "person.schema.json",
            Some("people/zhang-san.md"),
        ),
    ] {
        common::glossa(project.path())
            .args(["new", kind, id, "--title", "新的"])
            .assert()
            .success();
        let path = match rel {
            Some(r) => project.path().join("content").join(r),
            None => std::fs::read_dir(project.path().join("content/chapters"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with("-new-one.md"))
                .unwrap(),
        };
        let errs = errors(&validator(schema), &front_matter(&path));
        assert!(errs.is_empty(), "{kind}: {errs:#?}");
    }
}
