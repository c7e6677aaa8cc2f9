//! The static search index: paragraphs, notes and profiles → sharded JSON files.
//!
//! Input: the linked edition and its notes. Output: jobs under `search/`
//! (format version 4):
//! - `meta.json`: shard count, pages per docs chunk, page, document and token counts;
//! - `index/NN.json`: token → ascending ids of the *pages* (chapters, then
//!   profiles) that contain it, written as gaps (the first id, then the
//!   difference to the one before); one shard per hash bucket, so a query
//!   loads only the shards of its own tokens (64 shards, more as the edition
//!   grows: [`shard_count`]);
//! - `docs/NN.json`: for [`PAGES_PER_CHUNK`] consecutive pages, each page's
//!   documents (paragraphs and notes of a chapter, or a profile) as records
//!   `{t: title, l: location, u: root-relative URL, x: text}`.
//!
//! The client intersects the pages of the query's tokens, loads their chunks
//! and keeps the documents that contain every token. Postings per page rather
//! than per paragraph are five times fewer, which keeps the index small to
//! download and to build.
//!
//! Tokens: Chinese (and other CJK) text as single characters plus overlapping
//! character pairs; Latin text as Unicode words, case-folded, and each
//! word's prefixes of [`PREFIX_MIN`] characters or more as `prefix*` (so a
//! query finds the words its terms begin: `champ` → `Champollion`). The client
//! (`static/search.js`) tokenises queries the same way. Pure; must not touch
//! the disk.

use std::borrow::Cow;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::Job;
use crate::annotate::Linked;
use crate::content::FrontMatter as _;

/// Fewest index shards (an edition of up to 4,096 pages has this many).
pub const SHARDS: u32 = 64;
/// Most index shards.
pub const MAX_SHARDS: u32 = 1024;

/// Index shards for an edition of `pages` pages: about one per 64 pages, a
/// power of two between [`SHARDS`] and [`MAX_SHARDS`], so a query's shards stay
/// small as the edition grows (the client reads the count from `meta.json`).
pub fn shard_count(pages: usize) -> u32 {
    let want = u32::try_from(pages.div_ceil(64)).unwrap_or(MAX_SHARDS);
    want.next_power_of_two().clamp(SHARDS, MAX_SHARDS)
}
/// Pages per `docs/NN.json` chunk.
pub const PAGES_PER_CHUNK: usize = 4;

/// One searchable unit, serialized as `{"t": title, "l": location within it
/// (`¶3`, `注 5 · quote` or empty), "u": root-relative URL, "x": text}`.
/// Borrows what it can: a paragraph's text is usually one slice of the
/// chapter's reading text.
#[derive(Debug)]
struct SearchDoc<'a> {
    /// Title: chapter or entity name.
    t: &'a str,
    /// The chapter's or profile's root-relative URL.
    url: &'a str,
    at: Place<'a>,
    x: Cow<'a, str>,
}

#[derive(Debug)]
enum Place<'a> {
    /// The page as a whole.
    Page,
    Para(u32),
    Note {
        label: &'a str,
        number: u32,
        quote: &'a str,
        id: &'a str,
    },
}

impl SearchDoc<'_> {
    /// Appends the record as JSON: `{"t":…,"l":…,"u":…,"x":…}`.
    fn write_json(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        out.extend_from_slice(b"{\"t\":");
        json_str(out, self.t);
        out.extend_from_slice(b",\"l\":");
        match &self.at {
            Place::Page => out.extend_from_slice(b"\"\""),
            Place::Para(n) => {
                write!(out, "\"\u{b6}{n}\"").expect("writes to a Vec");
            }
            Place::Note {
                label,
                number,
                quote,
                ..
            } => json_str(out, &format!("{label} {number} · {quote}")),
        }
        out.extend_from_slice(b",\"u\":");
        match &self.at {
            Place::Page => json_str(out, self.url),
            Place::Para(n) => json_str(out, &format!("{}#p{n}", self.url)),
            Place::Note { id, .. } => json_str(out, &format!("{}#n-{id}", self.url)),
        }
        out.extend_from_slice(b",\"x\":");
        json_str(out, &self.x);
        out.push(b'}');
    }
}

/// Appends a page's documents as a JSON array.
fn write_page(out: &mut Vec<u8>, docs: &[SearchDoc<'_>]) {
    out.push(b'[');
    for (j, d) in docs.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        d.write_json(out);
    }
    out.push(b']');
}

/// The docs chunks of consecutive pages: per page the array of its
/// documents, [`PAGES_PER_CHUNK`] pages to a file. Each chunk is handed to
/// `finish` as soon as its last page is written.
struct Chunks {
    /// The next page's id.
    next: usize,
    /// The chunk being written (`[` and its pages so far), if one is open.
    open: Vec<u8>,
    /// The chunks handed to `finish`.
    jobs: Vec<Job>,
}

impl Chunks {
    fn at(next: usize) -> Self {
        Chunks {
            next,
            open: Vec::new(),
            jobs: Vec::new(),
        }
    }

    fn page(&mut self, docs: &[SearchDoc<'_>], finish: &(dyn Fn(&mut Job) + Sync)) {
        if self.next.is_multiple_of(PAGES_PER_CHUNK) {
            let text: usize = docs.iter().map(|d| d.x.len() + 64).sum();
            self.open = Vec::with_capacity(text * PAGES_PER_CHUNK + 2);
            self.open.push(b'[');
        } else {
            self.open.push(b',');
        }
        write_page(&mut self.open, docs);
        self.next += 1;
        if self.next.is_multiple_of(PAGES_PER_CHUNK) {
            self.close(finish);
        }
    }

    /// Ends the open chunk, if any (the last chunk may have fewer pages).
    fn close(&mut self, finish: &(dyn Fn(&mut Job) + Sync)) {
        if self.open.is_empty() {
            return;
        }
        self.open.push(b']');
        let mut job = Job::new(
            format!("search/docs/{:02}.json", (self.next - 1) / PAGES_PER_CHUNK),
            std::mem::take(&mut self.open),
        );
        finish(&mut job);
        self.jobs.push(job);
    }
}

/// Appends `s` as a JSON string, as serde_json writes it: most text needs no
/// escape and is copied whole (a page's text is most of the docs' bytes).
fn json_str(out: &mut Vec<u8>, s: &str) {
    // Or-ed over every byte, not stopped at the first: the loop vectorises.
    let escape = s
        .bytes()
        .fold(false, |e, b| e | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if !escape {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writes to a Vec");
    }
}

/// What a non-ASCII character is to the tokeniser.
#[derive(PartialEq)]
enum Class {
    /// A CJK letter: a token of its own, and paired with its neighbours.
    Han,
    /// A letter or digit of another script: part of a word.
    Letter,
    /// Punctuation, space, symbol: a break.
    Other,
}

fn class(c: char) -> Class {
    // The unified ideographs are all letters, and the common CJK punctuation
    // is none: no Unicode table lookup for either (they are nearly every
    // character of a Chinese edition).
    match c {
        '\u{4E00}'..='\u{9FFF}' => Class::Han,
        '\u{3000}'..='\u{3004}'
        | '\u{3008}'..='\u{3020}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}'
        | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}'
        | '\u{2014}'
        | '\u{2018}'
        | '\u{2019}'
        | '\u{201C}'
        | '\u{201D}'
        | '\u{2026}' => Class::Other,
        _ if c.is_alphanumeric() => {
            if crate::cjk::is_cjk(c) {
                Class::Han
            } else {
                Class::Letter
            }
        }
        _ => Class::Other,
    }
}

/// Tokens of a text: CJK characters and character pairs, Latin words (lowercase).
pub fn tokens(text: &str) -> Vec<String> {
    struct Strings(Vec<String>);
    impl Tokens for Strings {
        fn han(&mut self, k: u64) {
            self.0.push(han_str(k));
        }
        fn word(&mut self, w: &str) {
            self.0.push(w.to_string());
        }
    }
    let mut out = Strings(Vec::new());
    each_token(text, &mut String::new(), &mut out);
    out.0
}

/// What takes the tokens of a text, in order: a CJK character or pair of
/// characters as a number ([`han_key`]), or a Latin word. Two methods, not
/// one taking either: `han` (a Chinese text's tokens are nearly all
/// characters and pairs) is small enough to be inlined.
trait Tokens {
    fn han(&mut self, key: u64);
    fn word(&mut self, word: &str);
}

/// A CJK character (`second` = 0) or pair as a number: `first << 21 | second`.
/// Numbers sort like the strings they stand for (UTF-8 order is code point
/// order, and a character sorts before the pairs it starts).
fn han_key(first: char, second: Option<char>) -> u64 {
    (u64::from(first) << 21) | second.map_or(0, u64::from)
}

fn han_chars(k: u64) -> (char, Option<char>) {
    let c = |v: u64| char::from_u32(v as u32).expect("a key holds characters");
    let second = k & 0x1f_ffff;
    (c(k >> 21), (second != 0).then(|| c(second)))
}

fn han_str(k: u64) -> String {
    han_utf8(k, &mut [0; 8]).to_string()
}

/// Gives each token of `text` to `to`, in order, without allocating
/// (`word` is a reusable buffer for Latin words).
fn each_token(text: &str, word: &mut String, to: &mut impl Tokens) {
    word.clear();
    let mut prev_han: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii() {
            prev_han = None;
            if c.is_ascii_alphanumeric() {
                word.push(c.to_ascii_lowercase());
            } else if !word.is_empty() {
                to.word(word);
                word.clear();
            }
        } else {
            let class = class(c);
            if class == Class::Han {
                if !word.is_empty() {
                    to.word(word);
                    word.clear();
                }
                to.han(han_key(c, None));
                if let Some(p) = prev_han {
                    to.han(han_key(p, Some(c)));
                }
                prev_han = Some(c);
                continue;
            }
            prev_han = None;
            if class == Class::Letter {
                word.extend(c.to_lowercase());
            } else if !word.is_empty() {
                to.word(word);
                word.clear();
            }
        }
    }
    if !word.is_empty() {
        to.word(word);
        word.clear();
    }
}

/// FNV-1a, the shard function (the client computes the same over UTF-8 bytes).
pub fn shard_of(token: &str, shards: u32) -> u32 {
    fnv(token.as_bytes()) % shards
}

fn fnv(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A CJK key's token in `buf`, without building a string.
fn han_utf8(k: u64, buf: &mut [u8; 8]) -> &str {
    let (a, b) = han_chars(k);
    let n = a.encode_utf8(buf).len();
    let m = b.map_or(0, |b| b.encode_utf8(&mut buf[n..]).len());
    std::str::from_utf8(&buf[..n + m]).expect("encoded characters")
}

/// [`shard_of`] for a CJK key.
fn han_shard(k: u64, shards: u32) -> u32 {
    shard_of(han_utf8(k, &mut [0; 8]), shards)
}

/// Postings of one block of pages, flat and grouped by shard: CJK token
/// `i` is `han[i]` with pages `ids[ends[i - 1]..ends[i]]` — the gaps between
/// its ascending page ids (the first from 0) as LEB128 varints, one or two
/// bytes each for most —, shard `s`'s tokens are `han_from[s]..han_from[s +
/// 1]`; Latin words likewise (`word_from`). Every page's postings are held
/// until the shards are written, so a block holds a few arrays, not a list
/// per token or per shard (an edition of 100,000 pages has 782 blocks and
/// 1,024 shards).
struct BlockPostings {
    han_from: Vec<u32>,
    han: Vec<u64>,
    ends: Vec<u32>,
    ids: Vec<u8>,
    word_from: Vec<u32>,
    words: FlatWords,
}

/// Between ends `k - 1` and `k` of a list of ends (the first from 0).
fn span_of(ends: &[u32], k: usize) -> std::ops::Range<usize> {
    let start = if k == 0 { 0 } else { ends[k - 1] as usize };
    start..ends[k] as usize
}

impl BlockPostings {
    /// Shard `si`'s CJK tokens with their page ids, decoded.
    fn han_postings(
        &self,
        si: usize,
    ) -> impl Iterator<Item = (u64, impl Iterator<Item = u32> + '_)> {
        let tokens = self.han_from[si] as usize..self.han_from[si + 1] as usize;
        tokens.map(|i| (self.han[i], Varints::new(&self.ids[span_of(&self.ends, i)])))
    }

    /// Shard `si`'s Latin words with their page ids, decoded.
    fn word_postings(&self, si: usize) -> impl Iterator<Item = (&str, Varints<'_>)> {
        let words = self.word_from[si] as usize..self.word_from[si + 1] as usize;
        words.map(|i| self.words.get(i))
    }
}

/// Latin words with their page ids, flat: word `i` is
/// `text[text_ends[i - 1]..text_ends[i]]`, its ids the varint gaps in
/// `ids[id_ends[i - 1]..id_ends[i]]` (a word and its prefixes are most of
/// the tokens of a block that has numbers and names: a string and a list
/// apiece held three to five times their size).
#[derive(Default)]
struct FlatWords {
    text: String,
    text_ends: Vec<u32>,
    ids: Vec<u8>,
    id_ends: Vec<u32>,
}

impl FlatWords {
    /// Adds `word` with its ascending page ids.
    fn push(&mut self, word: &str, ids: &[u32]) {
        self.text.push_str(word);
        self.text_ends.push(self.text.len() as u32);
        let mut prev = 0;
        let mut buf = [0u8; 5];
        for &id in ids {
            let n = put_varint(&mut buf, id - prev);
            self.ids.extend_from_slice(&buf[..n]);
            prev = id;
        }
        self.id_ends.push(self.ids.len() as u32);
    }

    /// Word `i` with its page ids, decoded.
    fn get(&self, i: usize) -> (&str, Varints<'_>) {
        (
            &self.text[span_of(&self.text_ends, i)],
            Varints::new(&self.ids[span_of(&self.id_ends, i)]),
        )
    }
}

/// Where each shard's items start in a list grouped by shard, from each
/// shard's count: `shards + 1` offsets, the last the total.
fn offsets(counts: &[u32]) -> Vec<u32> {
    let mut from = Vec::with_capacity(counts.len() + 1);
    let mut at = 0;
    from.push(0);
    for &n in counts {
        at += n;
        from.push(at);
    }
    from
}

/// Bytes of `n` as a LEB128 varint.
fn varint_len(n: u32) -> u32 {
    match n {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Writes `n` as a LEB128 varint at the start of `out`; returns its length.
fn put_varint(out: &mut [u8], mut n: u32) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        out[i] = (n as u8 & 0x7f) | 0x80;
        n >>= 7;
        i += 1;
    }
    out[i] = n as u8;
    i + 1
}

/// The ascending ids of a run of varint gaps.
struct Varints<'a> {
    bytes: &'a [u8],
    id: u32,
}

impl<'a> Varints<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Varints { bytes, id: 0 }
    }
}

impl Iterator for Varints<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let mut gap = 0u32;
        let mut shift = 0;
        loop {
            let (&b, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            gap |= u32::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
        }
        self.id += gap;
        Some(self.id)
    }
}

/// The shortest Latin word prefix that is indexed (`ch*`): a query term of
/// two characters or more finds the words it begins.
pub const PREFIX_MIN: usize = 2;

/// The Latin words and word prefixes (`cha*`) of a block, each with a slot
/// like a CJK token's. A word's prefixes are looked up once per block, when
/// the word is first seen, and kept as slots: on each page the word is on,
/// they are recorded without hashing (a word of eight letters has six).
#[derive(Default)]
struct WordSlots {
    slots: FxHashMap<Box<str>, u32>,
    /// Per slot: the last page that had it (+ 1; 0: none yet), and, for a
    /// word, where its prefixes' slots are in `prefix_slots`.
    last: Vec<u32>,
    prefixes: Vec<(u32, u32)>,
    prefix_slots: Vec<u32>,
    /// (slot, page), once per page a slot is on, in page order.
    hits: Vec<(u32, u32)>,
    prefix: String,
}

impl WordSlots {
    /// Records `word` (and its prefixes) on page `id`.
    fn post(&mut self, word: &str, id: u32) {
        let slot = match self.slots.get(word) {
            Some(&slot) => slot,
            None => self.add_word(word),
        } as usize;
        if self.last[slot] == id + 1 {
            return;
        }
        self.last[slot] = id + 1;
        self.hits.push((slot as u32, id));
        let (from, to) = self.prefixes[slot];
        for &p in &self.prefix_slots[from as usize..to as usize] {
            if self.last[p as usize] != id + 1 {
                self.last[p as usize] = id + 1;
                self.hits.push((p, id));
            }
        }
    }

    /// A new slot for `key`.
    fn add(&mut self, key: &str) -> u32 {
        let slot = self.last.len() as u32;
        self.slots.insert(key.into(), slot);
        self.last.push(0);
        self.prefixes.push((0, 0));
        slot
    }

    /// A slot for a word not seen before in the block, and its prefixes'.
    fn add_word(&mut self, word: &str) -> u32 {
        let slot = self.add(word);
        let from = self.prefix_slots.len() as u32;
        for (end, _) in word.char_indices().skip(PREFIX_MIN) {
            let mut prefix = std::mem::take(&mut self.prefix);
            prefix.clear();
            prefix.push_str(&word[..end]);
            prefix.push('*');
            let p = match self.slots.get(prefix.as_str()) {
                Some(&p) => p,
                None => self.add(&prefix),
            };
            self.prefix_slots.push(p);
            self.prefix = prefix;
        }
        self.prefixes[slot as usize] = (from, self.prefix_slots.len() as u32);
        slot
    }

    /// Each word and prefix with its ascending page ids, in no order.
    fn into_postings(self) -> (FxHashMap<Box<str>, u32>, Vec<u32>, Vec<u32>) {
        let mut counts = vec![0u32; self.last.len()];
        for &(slot, _) in &self.hits {
            counts[slot as usize] += 1;
        }
        // Each slot's start; filling moves it to the slot's end.
        let mut ends = offsets(&counts);
        ends.pop();
        let mut ids = vec![0u32; self.hits.len()];
        for &(slot, id) in &self.hits {
            ids[ends[slot as usize] as usize] = id;
            ends[slot as usize] += 1;
        }
        (self.slots, ends, ids)
    }
}

/// CJK key → slot for the keys the code-point table does not take (pairs,
/// and single characters beyond the Basic Multilingual Plane), by open
/// addressing with linear probing: a pair (about half the tokens of a
/// Chinese text) finds its slot with a multiply, a load and a compare,
/// where a general hash map costs several times that. A key is never 0
/// (its first character is not NUL), so 0 marks an empty entry.
struct PairSlots {
    entries: Vec<(u64, u32)>,
    /// 64 minus the table's bits: a key's first entry is its hash's top bits.
    shift: u32,
    len: usize,
}

impl PairSlots {
    fn new() -> Self {
        PairSlots {
            entries: vec![(0, 0); 1 << 14],
            shift: 64 - 14,
            len: 0,
        }
    }

    /// Where `key` is, or the empty entry where it would go.
    #[inline(always)]
    fn find(&self, key: u64) -> usize {
        let mask = self.entries.len() - 1;
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        while self.entries[i].0 != key && self.entries[i].0 != 0 {
            i = (i + 1) & mask;
        }
        i
    }

    /// The slot of `key`, given by `new` the first time. Inlined into the
    /// tokeniser: most keys are found (a page repeats its pairs), and a
    /// call's register saves had cost as much as the lookup.
    #[inline(always)]
    fn slot(&mut self, key: u64, new: impl FnOnce() -> u32) -> u32 {
        let i = self.find(key);
        if self.entries[i].0 == key {
            return self.entries[i].1;
        }
        let slot = new();
        self.insert_at(i, key, slot);
        slot
    }

    /// Puts `key` in the empty entry `i`.
    #[inline(never)]
    fn insert_at(&mut self, i: usize, key: u64, slot: u32) {
        self.entries[i] = (key, slot);
        self.len += 1;
        // At most half full, so probes stay short.
        if self.len * 2 > self.entries.len() {
            self.grow();
        }
    }

    fn grow(&mut self) {
        let bigger = vec![(0, 0); self.entries.len() * 2];
        let old = std::mem::replace(&mut self.entries, bigger);
        self.shift -= 1;
        for e in old.into_iter().filter(|e| e.0 != 0) {
            let i = self.find(e.0);
            self.entries[i] = e;
        }
    }
}

/// The postings of a block's pages as their tokens come, page by page.
struct PagePostings {
    /// The page being read.
    page: u32,
    pairs: PairSlots,
    /// Single characters of the Basic Multilingual Plane (half the CJK
    /// tokens) find their slot by code point, without hashing: slot + 1.
    bmp: Vec<u32>,
    /// Per slot: its token, and the last page that had it (+ 1; 0: none yet).
    keys: Vec<u64>,
    last: Vec<u32>,
    /// (slot, page), once per page a slot's token is on, in page order.
    hits: Vec<(u32, u32)>,
    words: WordSlots,
}

impl Tokens for PagePostings {
    // Called for nearly every character of a Chinese text: a call's own
    // cost (saving registers) was half of this function's.
    #[inline(always)]
    fn han(&mut self, key: u64) {
        let (keys, last) = (&mut self.keys, &mut self.last);
        let mut new_slot = || {
            keys.push(key);
            last.push(0);
            keys.len() as u32 - 1
        };
        let slot = match self.bmp.get_mut((key >> 21) as usize) {
            Some(s) if key & 0x1f_ffff == 0 => {
                if *s == 0 {
                    *s = new_slot() + 1;
                }
                *s - 1
            }
            _ => self.pairs.slot(key, new_slot),
        };
        let id = self.page;
        if self.last[slot as usize] != id + 1 {
            self.last[slot as usize] = id + 1;
            self.hits.push((slot, id));
        }
    }

    fn word(&mut self, w: &str) {
        self.words.post(w, self.page);
    }
}

/// Postings of the pages `first..first + pages.len()`, split into `shards`.
///
/// No sorting: each CJK token gets a slot (one hash lookup per token), a
/// page is recorded once per slot (the slot remembers the last page that had
/// it), and the (slot, page) hits — in page order, so each slot's pages come
/// out ascending — are laid out flat per shard by counting.
fn index_block(first: u32, pages: &[Vec<SearchDoc<'_>>], shards: u32) -> BlockPostings {
    let mut p = PagePostings {
        page: 0,
        pairs: PairSlots::new(),
        bmp: vec![0; 0x1_0000],
        keys: Vec::new(),
        last: Vec::new(),
        hits: Vec::new(),
        words: WordSlots::default(),
    };
    let mut word = String::new();
    for (k, docs) in pages.iter().enumerate() {
        p.page = first + k as u32;
        for (j, d) in docs.iter().enumerate() {
            // A page's documents share its title: its tokens are the page's
            // once (postings list pages), so the title is read once.
            if j == 0 || d.t != docs[j - 1].t {
                each_token(d.t, &mut word, &mut p);
            }
            each_token(&d.x, &mut word, &mut p);
        }
    }
    let PagePostings {
        pairs,
        bmp,
        keys,
        last,
        hits,
        words,
        ..
    } = p;
    // The lookups are done with: freed before the flat arrays are built.
    drop((pairs, bmp));
    // Each slot's place in the flat list grouped by shard: its shard, and
    // where its varint gaps start (their length counted first).
    let mut bytes = vec![0u32; keys.len()];
    let mut prev = last;
    prev.fill(0);
    for &(slot, id) in &hits {
        let slot = slot as usize;
        bytes[slot] += varint_len(id - prev[slot]);
        prev[slot] = id;
    }
    let nshards = shards as usize;
    let shard: Vec<u32> = keys.iter().map(|&k| han_shard(k, shards)).collect();
    let mut count = vec![0u32; nshards];
    let mut shard_bytes = vec![0u32; nshards];
    for (&si, &len) in shard.iter().zip(&bytes) {
        count[si as usize] += 1;
        shard_bytes[si as usize] += len;
    }
    let han_from = offsets(&count);
    let bytes_from = offsets(&shard_bytes);
    let mut han = vec![0u64; keys.len()];
    let mut ends = vec![0u32; keys.len()];
    let mut next = vec![0u32; keys.len()];
    let mut key_at = han_from.clone();
    let mut byte_at = bytes_from.clone();
    for (slot, (&key, &si)) in keys.iter().zip(&shard).enumerate() {
        let si = si as usize;
        let at = key_at[si] as usize;
        key_at[si] += 1;
        han[at] = key;
        next[slot] = byte_at[si];
        byte_at[si] += bytes[slot];
        ends[at] = byte_at[si];
    }
    let mut ids = vec![0u8; bytes_from[nshards] as usize];
    prev.fill(0);
    for &(slot, id) in &hits {
        let slot = slot as usize;
        let at = next[slot] as usize;
        let n = put_varint(&mut ids[at..], id - prev[slot]);
        next[slot] += n as u32;
        prev[slot] = id;
    }
    let (words, word_ends, word_ids) = words.into_postings();
    let mut by_shard: Vec<(u32, Box<str>, u32)> = words
        .into_iter()
        .map(|(w, slot)| (shard_of(&w, shards), w, slot))
        .collect();
    by_shard.sort_unstable_by_key(|e| e.0);
    let mut count = vec![0u32; nshards];
    let mut flat = FlatWords::default();
    for (si, w, slot) in &by_shard {
        count[*si as usize] += 1;
        flat.push(w, &word_ids[span_of(&word_ends, *slot as usize)]);
    }
    BlockPostings {
        han_from,
        han,
        ends,
        ids,
        word_from: offsets(&count),
        words: flat,
    }
}

/// Appends `n` in decimal.
fn push_u32(out: &mut Vec<u8>, mut n: u32) {
    // Most gaps between the pages of a token are a digit or two.
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    if n < 100 {
        out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
        return;
    }
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `"token":[gaps]` (preceded by a comma unless `first`): the
/// token's ascending page ids as the gaps between them, the first as is.
fn push_postings(out: &mut Vec<u8>, first: bool, token: &str, ids: &[u32]) {
    // A token is letters, digits and `*`: nothing to escape.
    debug_assert!(!token.contains(['"', '\\']) && !token.contains(char::is_control));
    out.extend_from_slice(if first { b"\"" } else { b",\"" });
    out.extend_from_slice(token.as_bytes());
    out.extend_from_slice(b"\":[");
    let mut prev = 0;
    for (i, &id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_u32(out, id - prev);
        prev = id;
    }
    out.push(b']');
}

/// Shard `si`'s file from the blocks' postings (in order): its tokens in
/// order, each with its page ids.
fn shard_file(si: usize, blocks: &[&BlockPostings]) -> (Job, usize) {
    // Room for every token the blocks hold in the shard (a token in several
    // blocks counts in each), so neither map grows.
    let room = |from: fn(&BlockPostings) -> &[u32]| -> usize {
        blocks
            .iter()
            .map(|b| (from(b)[si + 1] - from(b)[si]) as usize)
            .sum()
    };
    let mut han: FxHashMap<u64, Vec<u32>> =
        FxHashMap::with_capacity_and_hasher(room(|b| &b.han_from), Default::default());
    let mut words: FxHashMap<&str, Vec<u32>> =
        FxHashMap::with_capacity_and_hasher(room(|b| &b.word_from), Default::default());
    // Blocks are in page order, so each token's ids stay ascending.
    for block in blocks {
        for (k, ids) in block.han_postings(si) {
            han.entry(k).or_default().extend(ids);
        }
        for (w, ids) in block.word_postings(si) {
            words.entry(w).or_default().extend(ids);
        }
    }
    // Tokens in string order without sorting strings: CJK keys sort as
    // numbers (they sort like their strings), words as strings, and the two
    // runs are merged (a word never equals a CJK token).
    // Sorted as (key, place) pairs: half the bytes of (key, list) to move.
    let han: Vec<(u64, Vec<u32>)> = han.into_iter().collect();
    let mut han_order: Vec<(u64, u32)> = han
        .iter()
        .enumerate()
        .map(|(i, e)| (e.0, i as u32))
        .collect();
    han_order.sort_unstable();
    // Most words differ in their first eight bytes: compared as a number
    // first (zero-padded, and no word holds a NUL, so numbers order like
    // the strings), and as strings only when those are equal.
    let head = |w: &str| {
        let mut b = [0u8; 8];
        let n = w.len().min(8);
        b[..n].copy_from_slice(&w.as_bytes()[..n]);
        u64::from_be_bytes(b)
    };
    let words: Vec<(&str, Vec<u32>)> = words.into_iter().collect();
    let mut word_order: Vec<(u64, &str, u32)> = words
        .iter()
        .enumerate()
        .map(|(i, &(w, _))| (head(w), w, i as u32))
        .collect();
    word_order.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let size: usize = han.iter().map(|e| e.1.len() * 3 + 8).sum::<usize>()
        + words
            .iter()
            .map(|e| e.1.len() * 3 + e.0.len() + 4)
            .sum::<usize>();
    // Written as serde_json writes the map, without a value per entry.
    let mut bytes = Vec::with_capacity(size + 2);
    bytes.push(b'{');
    let mut entries = 0;
    let mut word_order = word_order.into_iter().peekable();
    let mut buf = [0u8; 8];
    for &(k, i) in &han_order {
        let token = han_utf8(k, &mut buf);
        while let Some((_, w, j)) = word_order.next_if(|(_, w, _)| *w < token) {
            push_postings(&mut bytes, entries == 0, w, &words[j as usize].1);
            entries += 1;
        }
        push_postings(&mut bytes, entries == 0, token, &han[i as usize].1);
        entries += 1;
    }
    for (_, w, j) in word_order {
        push_postings(&mut bytes, entries == 0, w, &words[j as usize].1);
        entries += 1;
    }
    bytes.push(b'}');
    (
        Job::new(format!("search/index/{si:02}.json"), bytes),
        entries,
    )
}

/// The search index being built, page by page in order (chapters, then
/// profiles): each block's postings, and its docs chunks — handed to
/// `finish` as soon as they are written, so a page's text is not needed
/// again. A build indexes each block of chapters while it links them
/// ([`SearchIndex::add_chapters`]), before their texts are let go; other
/// callers index every chapter when they render ([`index`]).
pub struct SearchIndex {
    shards: u32,
    /// Pages indexed so far.
    pages: usize,
    blocks: Vec<BlockPostings>,
    /// The docs chunk still open (the pages after the last full chunk).
    chunks: Chunks,
    docs: usize,
}

impl SearchIndex {
    /// An empty index for an edition of `pages` pages (chapters and profiles).
    pub fn new(pages: usize) -> Self {
        SearchIndex {
            shards: shard_count(pages),
            pages: 0,
            blocks: Vec::new(),
            chunks: Chunks::at(0),
            docs: 0,
        }
    }

    /// Indexes the next chapters (in reading order): their paragraphs and
    /// their notes.
    pub fn add_chapters(
        &mut self,
        chapters: &[crate::annotate::LinkedChapter<'_>],
        note_label: &str,
        finish: &(dyn Fn(&mut Job) + Sync),
    ) {
        let urls: Vec<String> = chapters.iter().map(|lc| lc.chapter.url()).collect();
        self.add(
            chapters.len(),
            &|k| chapter_docs(&chapters[k], &urls[k], note_label),
            finish,
        );
    }

    /// Indexes the next `n` pages: `page_docs(k)` gives the documents of
    /// the `k`th. The pages that complete the open docs chunk come first;
    /// the rest go in blocks of [`BLOCK`] pages, in parallel.
    fn add<'a>(
        &mut self,
        n: usize,
        page_docs: &(dyn Fn(usize) -> Vec<SearchDoc<'a>> + Sync),
        finish: &(dyn Fn(&mut Job) + Sync),
    ) {
        let first = self.pages;
        let head = ((PAGES_PER_CHUNK - first % PAGES_PER_CHUNK) % PAGES_PER_CHUNK).min(n);
        if head > 0 {
            let docs: Vec<Vec<SearchDoc<'_>>> = (0..head).map(page_docs).collect();
            for d in &docs {
                self.chunks.page(d, finish);
            }
            self.blocks
                .push(index_block(first as u32, &docs, self.shards));
            self.docs += docs.iter().map(Vec::len).sum::<usize>();
        }
        let shards = self.shards;
        let parts: Vec<(BlockPostings, Chunks, usize)> = (head..n)
            .step_by(BLOCK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                let to = n.min(from + BLOCK);
                let docs: Vec<Vec<SearchDoc<'_>>> = (from..to).map(page_docs).collect();
                let mut chunks = Chunks::at(first + from);
                for d in &docs {
                    chunks.page(d, finish);
                }
                let postings = index_block((first + from) as u32, &docs, shards);
                (postings, chunks, docs.iter().map(Vec::len).sum())
            })
            .collect();
        for (postings, chunks, docs) in parts {
            self.blocks.push(postings);
            self.chunks.jobs.extend(chunks.jobs);
            // Only the last block can leave a chunk open.
            self.chunks.next = chunks.next;
            self.chunks.open = chunks.open;
            self.docs += docs;
        }
        self.pages = first + n;
    }

    /// Ends the index once every page is in: the open docs chunk, then each
    /// shard, which merges the blocks' postings in order (ids stay
    /// ascending); the postings are freed once every shard is written.
    /// Returns the shard files, the docs chunks and `meta.json`.
    fn finish(mut self, finish: &(dyn Fn(&mut Job) + Sync)) -> Vec<Job> {
        self.chunks.close(finish);
        let postings: Vec<&BlockPostings> = self.blocks.iter().collect();
        let shard_jobs: Vec<(Job, usize)> = (0..self.shards as usize)
            .into_par_iter()
            .map(|si| {
                let (mut job, n) = shard_file(si, &postings);
                finish(&mut job);
                (job, n)
            })
            .collect();
        let tokens: usize = shard_jobs.iter().map(|(_, n)| n).sum();
        let mut jobs: Vec<Job> = shard_jobs.into_iter().map(|(j, _)| j).collect();
        jobs.append(&mut self.chunks.jobs);
        let mut meta = Job::new(
            "search/meta.json",
            serde_json::to_vec(&serde_json::json!({
                "version": 4,
                "shards": self.shards,
                "chunk": PAGES_PER_CHUNK,
                "pages": self.pages,
                "docs": self.docs,
                "tokens": tokens,
            }))
            .expect("meta serializes"),
        );
        finish(&mut meta);
        jobs.push(meta);
        jobs
    }
}

/// Builds the index and hands each file to `finish` as soon as it is
/// serialized; returns the finished jobs. `chapters` is the index of every
/// chapter made while linking, if it was (see [`SearchIndex`]); otherwise
/// the chapters are indexed here, from the texts linking kept.
pub fn index(
    linked: &Linked<'_>,
    chapters: Option<SearchIndex>,
    finish: &(dyn Fn(&mut Job) + Sync),
) -> Vec<Job> {
    let ed = linked.edition;
    let pages = linked.chapters.len() + ed.entities.len();
    let mut index = chapters.unwrap_or_else(|| {
        let mut index = SearchIndex::new(pages);
        index.add_chapters(&linked.chapters, &ed.config.ui.note, finish);
        index
    });
    assert_eq!(index.pages, linked.chapters.len(), "every chapter indexed");
    let entity_texts: Vec<(String, String)> = ed
        .entities
        .iter()
        .map(|e| (e.url(), profile_text(e)))
        .collect();
    index.add(
        ed.entities.len(),
        &|k| {
            let (url, text) = &entity_texts[k];
            vec![SearchDoc {
                t: &ed.entities[k].name,
                url,
                at: Place::Page,
                x: Cow::Borrowed(text),
            }]
        },
        finish,
    );
    index.finish(finish)
}

/// What search finds a profile by: its description, names and text.
fn profile_text(e: &crate::content::Entity) -> String {
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
    text
}

/// A chapter's documents: its blocks, then its notes (each note's quote is
/// its passage in the reading text).
fn chapter_docs<'a>(
    lc: &'a crate::annotate::LinkedChapter<'a>,
    url: &'a str,
    note_label: &'a str,
) -> Vec<SearchDoc<'a>> {
    let c = lc.chapter;
    let mut docs = Vec::with_capacity(lc.doc.blocks.len() + lc.notes.len());
    for b in &lc.doc.blocks {
        let x = b.text(&lc.doc.text);
        if x.trim().is_empty() {
            continue;
        }
        docs.push(SearchDoc {
            t: c.title(),
            url,
            at: b.para.map_or(Place::Page, Place::Para),
            x,
        });
    }
    for n in &lc.notes {
        let a = n.annotation;
        docs.push(SearchDoc {
            t: c.title(),
            url,
            at: Place::Note {
                label: note_label,
                number: n.number,
                quote: n.exact(),
                id: &a.id,
            },
            x: Cow::Owned(crate::text::visible_blocks(&a.note).join(" ")),
        });
    }
    docs
}

/// Pages per block: a multiple of [`PAGES_PER_CHUNK`], so each docs chunk
/// lies in one block.
const BLOCK: usize = 32 * PAGES_PER_CHUNK;

#[cfg(test)]
mod tests {
    use super::*;

    /// A docs chunk of these pages, as [`Chunks`] writes it.
    fn docs_json(pages: &[Vec<SearchDoc<'_>>]) -> Vec<u8> {
        let mut chunks = Chunks::at(0);
        for p in pages {
            chunks.page(p, &|_| {});
        }
        chunks.close(&|_| {});
        chunks.jobs.remove(0).bytes
    }

    #[test]
    fn varint_gaps_round_trip() {
        let ids = [
            0u32,
            1,
            2,
            130,
            16_513,
            16_514,
            2_100_000,
            300_000_000,
            u32::MAX,
        ];
        let mut prev = 0;
        let mut bytes = Vec::new();
        for &id in &ids {
            let start = bytes.len();
            bytes.resize(start + varint_len(id - prev) as usize, 0);
            let len = varint_len(id - prev) as usize;
            assert_eq!(put_varint(&mut bytes[start..], id - prev), len);
            prev = id;
        }
        assert_eq!(Varints::new(&bytes).collect::<Vec<_>>(), ids);
    }

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
    fn postings_list_every_document_of_every_token_as_gaps() {
        let texts = [
            "面壁智能和智谱",
            "DeepSeek 的 V3",
            "智谱 deepseek",
            "量化基金",
            "面壁",
            // Words alike in their first eight bytes, which sort as strings.
            "Moonshotkimi Moonshotai Moonshotaa Moonshotab Moonshotac Moonshotad \
             Moonshotae Moonshotaf Moonshotag Moonshotah Moonshotba Moonshotbb \
             Moonshotbc Moonshotbd Moonshotbe Moonshotbf Moonshotbg Moonshotbh",
        ];
        // One page per text.
        let docs: Vec<Vec<SearchDoc<'_>>> = texts
            .iter()
            .map(|x| {
                vec![SearchDoc {
                    t: "标题",
                    url: "chapters/a/",
                    at: Place::Page,
                    x: Cow::Borrowed(x),
                }]
            })
            .collect();
        // Two blocks, so the merge across blocks is exercised.
        let blocks = [
            index_block(0, &docs[..3], SHARDS),
            index_block(3, &docs[3..], SHARDS),
        ];
        let blocks: Vec<&BlockPostings> = blocks.iter().collect();
        let mut found: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        for si in 0..SHARDS as usize {
            let (job, n) = shard_file(si, &blocks);
            assert_eq!(job.path, format!("search/index/{si:02}.json"));
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(&job.bytes).unwrap();
            // Byte for byte what serde_json writes (its map is in key order).
            assert_eq!(serde_json::to_vec(&map).unwrap(), job.bytes);
            assert_eq!(map.len(), n);
            let keys: Vec<&String> = map.keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "tokens in order");
            for (t, gaps) in map {
                assert_eq!(shard_of(&t, SHARDS) as usize, si, "{t} in its shard");
                let mut id = 0;
                let ids: Vec<u32> = gaps
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| {
                        id += g.as_u64().unwrap() as u32;
                        id
                    })
                    .collect();
                found.insert(t, ids);
            }
        }
        let mut expected: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        for (i, d) in docs.iter().map(|p| &p[0]).enumerate() {
            for t in tokens(d.t).into_iter().chain(tokens(&d.x)) {
                // Latin words also list their beginnings (`dee*`).
                let latin = !t.chars().any(crate::cjk::is_cjk);
                let prefixes: Vec<String> = if latin {
                    let chars: Vec<char> = t.chars().collect();
                    (PREFIX_MIN..chars.len())
                        .map(|n| chars[..n].iter().collect::<String>() + "*")
                        .collect()
                } else {
                    Vec::new()
                };
                for key in std::iter::once(t).chain(prefixes) {
                    let ids = expected.entry(key).or_default();
                    if ids.last() != Some(&(i as u32)) {
                        ids.push(i as u32);
                    }
                }
            }
        }
        assert_eq!(found, expected);
        assert_eq!(found["智谱"], vec![0, 2]);
        assert_eq!(found["deepseek"], vec![1, 2]);
        assert_eq!(found["deeps*"], vec![1, 2]);
        assert!(!found.contains_key("d*") && !found.contains_key("deepseek*"));
        assert_eq!(found["标题"], vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(found["moonshotai"], vec![5]);
    }

    #[test]
    fn a_page_is_listed_once_however_many_of_its_documents_match() {
        let doc = |x: &'static str| SearchDoc {
            t: "章",
            url: "chapters/a/",
            at: Place::Para(1),
            x: Cow::Borrowed(x),
        };
        let pages = vec![
            vec![doc("智谱"), doc("智谱 AI"), doc("月之暗面")],
            vec![doc("无关")],
            vec![doc("智谱")],
        ];
        let mut found = std::collections::BTreeMap::new();
        let block = index_block(0, &pages, SHARDS);
        for si in 0..SHARDS as usize {
            let (job, _) = shard_file(si, &[&block]);
            let map: std::collections::BTreeMap<String, Vec<u32>> =
                serde_json::from_slice(&job.bytes).unwrap();
            found.extend(map);
        }
        // Gaps: pages 0 and 2.
        assert_eq!(found["智谱"], vec![0, 2]);
        assert_eq!(found["ai"], vec![0]);
        assert_eq!(found["章"], vec![0, 1, 1]);
        // A chunk lists each page's documents.
        let json: serde_json::Value = serde_json::from_slice(&docs_json(&pages[..2])).unwrap();
        assert_eq!(json[0][1]["x"], "智谱 AI");
        assert_eq!(json[0][1]["u"], "chapters/a/#p1");
        assert_eq!(json[0][1]["l"], "¶1");
        assert_eq!(json[1][0]["x"], "无关");
    }

    /// The docs chunks are written by hand: byte for byte what serde_json
    /// writes for the same records, escapes included.
    #[test]
    fn docs_json_is_what_serde_json_writes() {
        let texts = [
            "智谱 AI",
            "a \"quote\" and \\ back",
            "tab\tnew\nline\u{1}",
            "",
            "¶ · é",
        ];
        let docs: Vec<SearchDoc<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, x)| SearchDoc {
                t: texts[(i + 1) % texts.len()],
                url: "chapters/a/",
                at: match i % 3 {
                    0 => Place::Page,
                    1 => Place::Para(i as u32),
                    _ => Place::Note {
                        label: "注",
                        number: 3,
                        quote: texts[(i + 2) % texts.len()],
                        id: "n\"1",
                    },
                },
                x: Cow::Borrowed(x),
            })
            .collect();
        let pages = vec![docs, Vec::new()];
        #[derive(serde::Serialize)]
        struct Record<'a> {
            t: &'a str,
            l: String,
            u: String,
            x: &'a str,
        }
        let expected: Vec<Vec<Record<'_>>> = pages
            .iter()
            .map(|docs| {
                docs.iter()
                    .map(|d| {
                        let (l, u) = match &d.at {
                            Place::Page => (String::new(), d.url.to_string()),
                            Place::Para(n) => (format!("\u{b6}{n}"), format!("{}#p{n}", d.url)),
                            Place::Note {
                                label,
                                number,
                                quote,
                                id,
                            } => (
                                format!("{label} {number} \u{b7} {quote}"),
                                format!("{}#n-{id}", d.url),
                            ),
                        };
                        Record {
                            t: d.t,
                            l,
                            u,
                            x: &d.x,
                        }
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            String::from_utf8(docs_json(&pages)).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    /// Pages added in any runs (a build adds a block of chapters at a time,
    /// then the profiles) give the files one run gives: every page in its
    /// chunk, four to a chunk but the last, and the same postings.
    #[test]
    fn an_index_added_to_in_runs_is_the_index_of_one_run() {
        let texts: Vec<String> = (0..290).map(|i| format!("第{i}页 page{i}")).collect();
        let page = |k: usize| {
            vec![SearchDoc {
                t: "标题",
                url: "chapters/a/",
                at: Place::Para(k as u32),
                x: Cow::Borrowed(texts[k].as_str()),
            }]
        };
        let files = |runs: &[usize]| {
            let mut index = SearchIndex::new(texts.len());
            for &n in runs {
                let from = index.pages;
                index.add(n, &|k| page(from + k), &|_| {});
            }
            assert_eq!(index.pages, texts.len());
            let jobs = index.finish(&|_| {});
            jobs.into_iter()
                .map(|j| (j.path, j.bytes))
                .collect::<Vec<_>>()
        };
        let one = files(&[290]);
        let chunks: Vec<&(String, Vec<u8>)> = one
            .iter()
            .filter(|(p, _)| p.starts_with("search/docs/"))
            .collect();
        assert_eq!(chunks.len(), 290usize.div_ceil(PAGES_PER_CHUNK));
        let mut k = 0;
        for (i, (path, bytes)) in chunks.iter().enumerate() {
            assert_eq!(path, &format!("search/docs/{i:02}.json"));
            let pages: Vec<Vec<serde_json::Value>> = serde_json::from_slice(bytes).unwrap();
            assert_eq!(pages.len(), PAGES_PER_CHUNK.min(290 - k));
            for p in pages {
                assert_eq!(p[0]["x"], texts[k].as_str());
                k += 1;
            }
        }
        assert_eq!(k, 290);
        for runs in [&[3, 130, 1, 156][..], &[1, 1, 1, 1, 256, 30], &[256, 33, 1]] {
            assert!(files(runs) == one, "{runs:?}");
        }
    }

    #[test]
    fn pair_slots_keep_every_slot_as_the_table_grows() {
        let mut slots = PairSlots::new();
        let key = |i: u64| han_key('\u{4E00}', None) + i * 7919;
        let mut next = 0;
        for i in 0..100_000 {
            let s = slots.slot(key(i), || {
                next += 1;
                next - 1
            });
            assert_eq!(s, i as u32);
        }
        assert!(slots.entries.len() >= 200_000, "grew");
        for i in (0..100_000).rev() {
            assert_eq!(
                slots.slot(key(i), || unreachable!("{i} is there")),
                i as u32
            );
        }
    }

    #[test]
    fn han_keys_sort_like_their_strings() {
        let mut pairs = vec![
            ("面", han_key('面', None)),
            ("面壁", han_key('面', Some('壁'))),
            ("智", han_key('智', None)),
            ("智能", han_key('智', Some('能'))),
            ("一", han_key('一', None)),
            ("一二", han_key('一', Some('二'))),
        ];
        pairs.sort_by_key(|p| p.1);
        let by_key: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        pairs.sort_by_key(|p| p.0);
        let by_str: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(by_key, by_str);
        for (s, k) in &pairs {
            assert_eq!(han_str(*k), *s);
            for shards in [SHARDS, 256, MAX_SHARDS] {
                assert_eq!(han_shard(*k, shards), shard_of(s, shards));
            }
        }
    }

    #[test]
    fn shards_are_stable() {
        // The client computes the same FNV-1a over UTF-8 bytes.
        assert_eq!(shard_of("a", SHARDS), 0xe40c292c % SHARDS);
        assert!(shard_of("面壁", 256) < 256);
        // More shards as the edition grows: about one per 64 pages.
        assert_eq!(shard_count(44), SHARDS);
        assert_eq!(shard_count(4_096), SHARDS);
        assert_eq!(shard_count(4_097), 128);
        assert_eq!(shard_count(10_060), 256);
        assert_eq!(shard_count(10_000_000), MAX_SHARDS);
    }
}
