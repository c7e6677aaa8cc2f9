//! The static search index: paragraphs, notes and profiles → sharded JSON files.
//!
//! Input: the linked edition and its notes. Output: jobs under `search/`:
//! `meta.json` (shard count, chunk size, document count), `index/NN.json`
//! (token → sorted document ids, one shard per hash bucket, so a query loads
//! only the shards of its own tokens) and `docs/NN.json` (document records:
//! title, location, root-relative URL, text; chunked so a query loads only the
//! chunks of its candidates).
//!
//! Tokens: Chinese (and other CJK) text as single characters plus overlapping
//! character pairs; Latin text as Unicode words, case-folded. The client
//! (`static/search.js`) tokenises queries the same way. Pure; must not touch
//! the disk.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Serialize, Serializer as _};

use super::Job;
use super::markdown::NoteView;
use crate::annotate::Linked;

/// Number of index shards.
pub const SHARDS: u32 = 64;
/// Documents per `docs/NN.json` chunk.
pub const CHUNK: usize = 64;

/// One searchable unit.
#[derive(Debug, Serialize)]
struct SearchDoc {
    /// Title: chapter or entity name.
    t: String,
    /// Location within it: `¶3`, `注 5`, or empty.
    l: String,
    /// Root-relative URL.
    u: String,
    /// Text.
    x: String,
}

fn is_han(c: char) -> bool {
    crate::script::is_cjk(c) && c.is_alphanumeric()
}

/// Tokens of a text: CJK characters and character pairs, Latin words (lowercase).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    each_token(text, &mut word, |t| out.push(t.to_string()));
    out
}

/// Calls `f` with each token of `text`, in order, without allocating per token
/// (`word` is a reusable buffer for Latin words).
fn each_token(text: &str, word: &mut String, mut f: impl FnMut(&str)) {
    word.clear();
    let mut prev_han: Option<char> = None;
    let mut buf = [0u8; 8];
    for c in text.chars() {
        if is_han(c) {
            if !word.is_empty() {
                f(word);
                word.clear();
            }
            let n = c.encode_utf8(&mut buf[4..]).len();
            f(std::str::from_utf8(&buf[4..4 + n]).expect("one char"));
            if let Some(p) = prev_han {
                let mut pair = [0u8; 8];
                let a = p.encode_utf8(&mut pair).len();
                let b = c.encode_utf8(&mut pair[a..]).len();
                f(std::str::from_utf8(&pair[..a + b]).expect("two chars"));
            }
            prev_han = Some(c);
        } else if c.is_alphanumeric() {
            prev_han = None;
            word.extend(c.to_lowercase());
        } else {
            prev_han = None;
            if !word.is_empty() {
                f(word);
                word.clear();
            }
        }
    }
    if !word.is_empty() {
        f(word);
        word.clear();
    }
}

/// FNV-1a, the shard function (the client computes the same over UTF-8 bytes).
pub fn shard_of(token: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in token.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % SHARDS
}

/// Builds the index jobs; returns them with the total size in bytes.
pub fn index(linked: &Linked<'_>, notes: &[Vec<NoteView<'_>>]) -> (Vec<Job>, usize) {
    let ed = linked.edition;
    let mut docs: Vec<SearchDoc> = Vec::new();
    for (lc, ns) in linked.chapters.iter().zip(notes) {
        let c = lc.chapter;
        let url = super::chapter_url(&c.slug);
        for b in &lc.doc.blocks {
            let text = b.text_with_map(&lc.doc.text).0;
            if text.trim().is_empty() {
                continue;
            }
            let (l, u) = match b.para {
                Some(n) => (format!("¶{n}"), format!("{url}#p{n}")),
                None => (String::new(), url.clone()),
            };
            docs.push(SearchDoc {
                t: c.title().to_string(),
                l,
                u,
                x: text,
            });
        }
        for n in ns {
            let note = c.meta.annotations.iter().find(|a| a.id == n.id);
            docs.push(SearchDoc {
                t: c.title().to_string(),
                l: format!("{} {} · {}", ed.config.ui.note, n.number, n.quote),
                u: format!("{url}#n-{}", n.id),
                x: note
                    .map(|a| crate::text::visible_blocks(&a.note).join(" "))
                    .unwrap_or_default(),
            });
        }
    }
    for e in &ed.entities {
        let mut text = e.description.clone();
        text.push(' ');
        text.push_str(&e.aliases.join(" "));
        if let Some(en) = &e.name_en {
            text.push(' ');
            text.push_str(en);
        }
        let body = crate::text::visible_blocks(e.body()).join(" ");
        if !body.is_empty() {
            text.push(' ');
            text.push_str(&body);
        }
        docs.push(SearchDoc {
            t: e.name.clone(),
            l: String::new(),
            u: e.url(),
            x: text,
        });
    }

    // Postings: token → ascending doc ids (each doc once). Documents are cut
    // into consecutive blocks indexed in parallel, each into per-shard maps;
    // then each shard merges the blocks' maps in order (ids stay ascending).
    const BLOCK: usize = 512;
    let parts: Vec<Vec<HashMap<Box<str>, Vec<u32>>>> = docs
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(bi, block)| {
            let mut maps: Vec<HashMap<Box<str>, Vec<u32>>> =
                (0..SHARDS).map(|_| HashMap::new()).collect();
            let mut word = String::new();
            for (k, d) in block.iter().enumerate() {
                let id = (bi * BLOCK + k) as u32;
                let mut add = |t: &str| {
                    let map = &mut maps[shard_of(t) as usize];
                    match map.get_mut(t) {
                        Some(ids) => {
                            if ids.last() != Some(&id) {
                                ids.push(id);
                            }
                        }
                        None => {
                            map.insert(t.into(), vec![id]);
                        }
                    }
                };
                each_token(&d.t, &mut word, &mut add);
                each_token(&d.x, &mut word, &mut add);
            }
            maps
        })
        .collect();
    let shard_jobs: Vec<(Job, usize)> = (0..SHARDS as usize)
        .into_par_iter()
        .map(|si| {
            let mut merged: HashMap<&str, Vec<u32>> = HashMap::new();
            for part in &parts {
                for (t, ids) in &part[si] {
                    merged.entry(t).or_default().extend_from_slice(ids);
                }
            }
            let mut entries: Vec<(&str, Vec<u32>)> = merged.into_iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let mut bytes = Vec::with_capacity(entries.len() * 16);
            let mut ser = serde_json::Serializer::new(&mut bytes);
            ser.collect_map(entries.iter().map(|(t, ids)| (t, ids)))
                .expect("index serializes");
            (
                Job {
                    path: format!("search/index/{si:02}.json"),
                    bytes,
                },
                entries.len(),
            )
        })
        .collect();
    let token_count: usize = shard_jobs.iter().map(|(_, n)| n).sum();
    let mut jobs: Vec<Job> = shard_jobs.into_iter().map(|(j, _)| j).collect();
    jobs.par_extend(docs.par_chunks(CHUNK).enumerate().map(|(i, chunk)| Job {
        path: format!("search/docs/{i:02}.json"),
        bytes: serde_json::to_vec(chunk).expect("docs serialize"),
    }));
    jobs.push(Job {
        path: "search/meta.json".into(),
        bytes: serde_json::to_vec(&serde_json::json!({
            "version": 1, "shards": SHARDS, "chunk": CHUNK, "docs": docs.len(), "tokens": token_count,
        }))
        .expect("meta serializes"),
    });
    let total = jobs.iter().map(|j| j.bytes.len()).sum();
    (jobs, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenises_chinese_by_characters_and_pairs_and_latin_by_words() {
        assert_eq!(
            tokens("面壁智能"),
            vec!["面", "壁", "面壁", "智", "壁智", "能", "智能"]
        );
        assert_eq!(tokens("DeepSeek V3，好"), vec!["deepseek", "v3", "好"]);
        assert_eq!(tokens("AGI 三年"), vec!["agi", "三", "年", "三年"]);
        // Punctuation breaks pairs.
        assert_eq!(tokens("甲，乙"), vec!["甲", "乙"]);
    }

    #[test]
    fn shards_are_stable() {
        // The client computes the same FNV-1a over UTF-8 bytes.
        assert_eq!(shard_of("a"), 0xe40c292c % SHARDS);
        assert!(shard_of("面壁") < SHARDS);
    }
}
