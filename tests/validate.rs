//! The built HTML passes the W3C Nu HTML Checker (vnu) with no errors and no warnings.
//!
//! Uses the checker from the npm package `vnu-jar` (installed by `.ci/run` into
//! `target/vnu`, or named by `VNU_JAR`) and the machine's Java. Skips when either
//! is missing, except under CI (`CI=true`), where that is a failure.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{glossa, project, repo};

fn vnu() -> Option<PathBuf> {
    let jar = std::env::var_os("VNU_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/vnu/node_modules/vnu-jar/build/dist/vnu.jar"));
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if jar.is_file() && java {
        return Some(jar);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("vnu.jar ({}) or java is missing under CI", jar.display());
    }
    eprintln!("vnu.jar or java not found: skipping HTML validation");
    None
}

#[test]
fn built_pages_are_valid_html() {
    let Some(jar) = vnu() else { return };
    for content in [
        None,
        Some(repo().join("tests/fixtures/annotated/content")),
        Some(repo().join("tests/fixtures/valid/content")),
        Some(repo().join("tests/fixtures/editions/en/content")),
    ] {
        let p = project(content.as_deref());
        let out = p.path().join("public");
        let o = glossa(p.path())
            .args(["build", "--base-url", "https://example.org/ed/", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v = Command::new("java")
            .arg("-jar")
            .arg(&jar)
            .args(["--skip-non-html", "--format", "json"])
            .arg(&out)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&v.stderr).expect("vnu JSON report");
        let messages = report["messages"].as_array().unwrap();
        assert!(
            messages.is_empty(),
            "{content:?}: {}",
            serde_json::to_string_pretty(messages).unwrap()
        );
    }
}
