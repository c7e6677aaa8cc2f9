//! Criterion benchmarks of each build stage on a synthetic edition of 100
//! chapters (`glossa::corpus`, the same generator as `glossa bench-corpus`).
//!
//! Run with `cargo bench --bench stages` (set `CHAPTERS` for another size).
//! Stages: load (read + parse every file), link (parse chapters, anchor
//! annotations, find mentions, checks), Markdown passes (chapter bodies without
//! templates), render (every page, index and export: passes + templates),
//! minify, write (into a fresh folder, swapped in).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use glossa::content::Paths;
use glossa::diag::Sources;
use rayon::prelude::*;

fn corpus(dir: &Path, chapters: usize) {
    for (rel, text) in glossa::corpus::generate(chapters, 1) {
        let path = dir.join("content").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["templates", "static"] {
        for entry in walkdir::WalkDir::new(repo.join(sub)) {
            let entry = entry.unwrap();
            let target = dir.join(entry.path().strip_prefix(repo).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
}

fn stages(c: &mut Criterion) {
    let chapters: usize = std::env::var("CHAPTERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    // tmpfs when there is one: disk writeback would dominate the write stage.
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    corpus(dir.path(), chapters);
    let paths = Paths::new(dir.path());

    let mut g = c.benchmark_group(format!("N={chapters}"));
    g.sample_size(10);
    g.bench_function("load", |b| {
        b.iter(|| {
            let mut sources = Sources::new();
            black_box(glossa::content::load(&paths, &mut sources))
        })
    });
    let mut sources = Sources::new();
    let (edition, diags) = glossa::content::load(&paths, &mut sources);
    assert!(diags.is_empty());
    let edition = edition.unwrap();
    g.bench_function("link", |b| {
        b.iter(|| black_box(glossa::annotate::link(&edition, &sources).0.note_count()))
    });
    let (linked, diags) = glossa::annotate::link(&edition, &sources);
    assert!(diags.is_empty());
    g.bench_function("markdown passes", |b| {
        b.iter(|| black_box(glossa::render::bench_markdown_passes(&linked)))
    });
    let theme = glossa::theme::Theme::load(&paths).unwrap();
    let mut templates = glossa::render::Templates::load(&theme, true).unwrap();
    g.bench_function("render (passes, templates, indexes)", |b| {
        b.iter(|| {
            let mut stages = glossa::render::Stages::default();
            black_box(
                glossa::render::render_site(
                    &linked,
                    &mut templates,
                    None,
                    &mut stages,
                    None,
                    None,
                    &|_| {},
                )
                .unwrap(),
            )
        })
    });
    let mut stages_clock = glossa::render::Stages::default();
    let (jobs, _) = glossa::render::render_site(
        &linked,
        &mut templates,
        None,
        &mut stages_clock,
        None,
        None,
        &|_| {},
    )
    .unwrap();
    // Not part of a default build since templates are minified once (`minify: pages` only).
    g.bench_function("minify (minify: pages)", |b| {
        b.iter_batched(
            || jobs.clone(),
            |mut jobs| {
                jobs.par_iter_mut().for_each(minify_page);
                black_box(jobs)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let mut minified = jobs.clone();
    minified.par_iter_mut().for_each(minify_page);
    let out = dir.path().join("public");
    g.bench_function("write", |b| {
        b.iter(|| {
            let staging = glossa::output::Staging::new(&out).unwrap();
            minified
                .par_iter()
                .try_for_each(|j| staging.write(j))
                .unwrap();
            staging.commit().unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);

/// What `minify: pages` does to a rendered page.
fn minify_page(job: &mut glossa::render::Job) {
    if job.is_html() {
        job.bytes = glossa::minify::page(&job.bytes);
    }
}
