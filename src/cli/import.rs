//! `glossa import`: a seed (and its plan) → content files, and what was left
//! out; `--dry-run` prints every line's classification, `--plan-out` writes
//! the inferred plan. What an import will replace, move aside and carry over
//! is printed before anything is written.

use super::{Printer, count, shown};
use crate::build::{self, ImportOptions, ImportReport};
use crate::seed::chrome::Class;

pub(super) fn run(opts: &ImportOptions, p: &mut Printer) -> bool {
    let mut announce = |r: &ImportReport| announce(opts, r);
    match build::import(opts, &mut p.sources, &mut announce) {
        Ok(r) => {
            finished(opts, &r);
            true
        }
        Err(e) => {
            p.failure("import", &e);
            false
        }
    }
}

/// What the import found and will do, before it writes.
fn announce(opts: &ImportOptions, r: &ImportReport) {
    if let Some(enc) = r.converted_from {
        println!("read {} as {enc} (converted to UTF-8)", shown(&opts.seed));
    }
    if r.html {
        println!("read {} as a saved web page", shown(&opts.seed));
    }
    if let Some(plan) = &r.plan {
        println!("plan: {}", shown(plan));
    }
    if opts.dry_run {
        print_table(r);
    } else if r.html {
        for l in &r.lines {
            let start: String = l.text.chars().take(40).collect();
            println!("not in the text: {} “{start}”", l.rule);
        }
    } else {
        for d in &r.dropped {
            let lines = if d.first == d.last {
                format!("{}", d.first)
            } else {
                format!("{}–{}", d.first, d.last)
            };
            println!("not in the text: line {lines} ({})", d.reason);
        }
    }
    if opts.plan_out.is_some() {
        return;
    }
    let will = if opts.dry_run { "would" } else { "will" };
    for f in &r.replaced {
        println!("{will} replace {} (a numbered .bak copy is kept)", shown(f));
    }
    for f in &r.moved_aside {
        println!(
            "{will} move aside {} (the new import has no such chapter)",
            shown(f)
        );
    }
    for (id, chapter) in &r.carried {
        println!("{will} carry over annotation `{id}` to chapter `{chapter}`");
    }
    for u in &r.unanchored {
        let closest = u
            .closest
            .as_ref()
            .map(|c| format!("; closest passage: “{c}”"))
            .unwrap_or_default();
        println!(
            "annotation `{}` of chapter `{}` no longer anchors (“{}”{closest}): {will} keep it in unanchored-annotations.yaml",
            u.annotation.id, u.chapter, u.annotation.quote
        );
    }
    for k in &r.kept_keys {
        println!("{will} keep your edition.yaml value of `{k}` (the import found another)");
    }
}

/// `--dry-run`: one row per line: number, class, rule, the line's start.
fn print_table(r: &ImportReport) {
    println!("{:>5}  {:<8} {:<18} text", "line", "class", "rule");
    for l in r.lines.iter().filter(|l| l.class != Class::Blank) {
        let start: String = l.text.chars().take(40).collect();
        let more = if l.text.chars().count() > 40 {
            "…"
        } else {
            ""
        };
        let rule = if l.class == Class::Text {
            ""
        } else {
            l.rule.as_str()
        };
        println!(
            "{:>5}  {:<8} {:<18} {start}{more}",
            l.number,
            l.class.as_str(),
            rule
        );
    }
}

fn finished(opts: &ImportOptions, r: &ImportReport) {
    if let Some(out) = &r.plan_out {
        println!(
            "wrote the plan to {} (correct it, then import with --plan)",
            shown(out)
        );
        return;
    }
    for w in &r.written {
        println!("wrote {}", shown(w));
    }
    if let Some(f) = &r.unanchored_file {
        println!(
            "kept {} in {}",
            count(r.unanchored.len(), "annotation", "annotations"),
            shown(f)
        );
    }
    let verb = if opts.dry_run {
        "would import"
    } else {
        "imported"
    };
    println!(
        "{verb} {} into {} in {}",
        count(r.paragraphs, "paragraph", "paragraphs"),
        count(r.chapters, "chapter", "chapters"),
        shown(&opts.out)
    );
}
