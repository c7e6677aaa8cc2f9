// glossa — search over the static index written by `glossa build`.
// Tokenises like the builder: CJK characters as single characters and pairs,
// Latin text as lower-cased words, each of which also finds the words it begins. Loads only the index shards of the query's
// tokens and the document chunks of the pages that hold all of them. Results are built with
// DOM methods and textContent only, so indexed text can never inject markup.
(() => {
  'use strict';
  const script = document.currentScript;
  const root = new URL('.', script.src);
  const input = document.getElementById('q');
  const list = document.getElementById('search-results');
  const status = document.getElementById('search-status');
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;
  const word = /[\p{L}\p{N}]/u;
  const cache = new Map();
  let meta = null;

  const json = (path) => {
    if (!cache.has(path)) cache.set(path, fetch(new URL(path, root)).then((r) => r.json()));
    return cache.get(path);
  };

  // Query terms: CJK runs as character pairs (a single character alone), Latin words.
  function terms(text) {
    const out = [];
    let run = [];
    let latin = '';
    const flushRun = () => {
      if (run.length === 1) out.push(run[0]);
      for (let i = 1; i < run.length; i++) out.push(run[i - 1] + run[i]);
      run = [];
    };
    const flushLatin = () => {
      if (latin) out.push(latin);
      latin = '';
    };
    for (const c of text) {
      if (cjk.test(c)) { flushLatin(); run.push(c); }
      else if (word.test(c)) { flushRun(); latin += c.toLowerCase(); }
      else { flushRun(); flushLatin(); }
    }
    flushRun();
    flushLatin();
    return [...new Set(out)];
  }

  function shardOf(token) {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(token)) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h % meta.shards;
  }

  const pad = (n) => String(n).padStart(2, '0');

  // Results kept per query (documents containing every term, in reading order).
  const LIMIT = 300;

  async function search(query) {
    meta = meta || (await json('search/meta.json'));
    const ts = terms(query);
    if (!ts.length) return { ts, results: [] };
    // Postings are gaps between ascending page ids (index version 4).
    const ids = (gaps) => {
      let id = 0;
      return gaps.map((g) => (id += g));
    };
    const postings = async (key) => ids((await json(`search/index/${pad(shardOf(key))}.json`))[key] || []);
    // A Latin term finds the words it begins: the pages of the word itself
    // and of the words it is a prefix of (`term*`).
    const prefixed = (t) => !cjk.test(t) && [...t].length >= 2;
    const lists = await Promise.all(ts.map(async (t) => {
      if (!prefixed(t)) return postings(t);
      const [whole, start] = await Promise.all([postings(t), postings(t + '*')]);
      return [...new Set([...whole, ...start])].sort((a, b) => a - b);
    }));
    const pages = lists.reduce((acc, l) => {
      const s = new Set(l);
      return acc.filter((p) => s.has(p));
    }, lists[0]);
    // A page holds every term somewhere; keep its documents that hold all of
    // them (CJK terms as substrings, Latin terms as whole words).
    const holds = (doc, t) => {
      if (cjk.test(t)) return doc.t.toLowerCase().includes(t) || doc.x.toLowerCase().includes(t);
      doc.words = doc.words || new Set([...terms(doc.t), ...terms(doc.x)]);
      if (doc.words.has(t)) return true;
      if (!prefixed(t)) return false;
      for (const w of doc.words) if (w.startsWith(t)) return true;
      return false;
    };
    const phrase = query.trim().toLowerCase().replace(/\s+/g, ' ');
    const results = [];
    const BATCH = 8;
    for (let i = 0; i < pages.length && results.length < LIMIT; i += BATCH) {
      const batch = pages.slice(i, i + BATCH);
      const chunks = [...new Set(batch.map((p) => Math.floor(p / meta.chunk)))];
      const loaded = new Map(await Promise.all(chunks.map((c) => json(`search/docs/${pad(c)}.json`).then((docs) => [c, docs]))));
      for (const p of batch) {
        for (const doc of loaded.get(Math.floor(p / meta.chunk))[p % meta.chunk]) {
          if (results.length >= LIMIT || !ts.every((t) => holds(doc, t))) continue;
          const text = doc.x.toLowerCase().replace(/\s+/g, ' ');
          let score = 1;
          if (phrase && text.includes(phrase)) score += 2;
          if (doc.t.toLowerCase().includes(phrase)) score += 0.5;
          results.push({ d: results.length, doc, score });
        }
      }
    }
    results.sort((a, b) => b.score - a.score || a.d - b.d);
    return { ts, results };
  }

  // A snippet around the first hit with every term highlighted.
  function snippet(text, ts, phrase) {
    const lower = text.toLowerCase();
    let at = phrase ? lower.indexOf(phrase) : -1;
    if (at < 0) at = Math.min(...ts.map((t) => lower.indexOf(t)).filter((i) => i >= 0), text.length);
    const start = Math.max(0, at - 40);
    const end = Math.min(text.length, at + 80);
    const part = text.slice(start, end);
    const p = document.createElement('p');
    p.className = 'snippet';
    if (start > 0) p.append('…');
    const lowerPart = part.toLowerCase();
    let i = 0;
    while (i < part.length) {
      let hit = null;
      for (const t of [phrase, ...ts]) {
        if (t && lowerPart.startsWith(t, i) && (!hit || t.length > hit.length)) hit = t;
      }
      if (hit) {
        const m = document.createElement('mark');
        m.textContent = part.slice(i, i + hit.length);
        p.append(m);
        i += hit.length;
      } else {
        let j = i + 1;
        while (j < part.length && ![phrase, ...ts].some((t) => t && lowerPart.startsWith(t, j))) j++;
        p.append(part.slice(i, j));
        i = j;
      }
    }
    if (end < text.length) p.append('…');
    return p;
  }

  let token = 0;
  async function run() {
    const query = input.value;
    const mine = ++token;
    const url = new URL(location.href);
    if (query) url.searchParams.set('q', query); else url.searchParams.delete('q');
    history.replaceState(null, '', url);
    list.replaceChildren();
    if (!query.trim()) { status.textContent = ''; return; }
    const { ts, results } = await search(query);
    if (mine !== token) return;
    const word = results.length === 1 ? status.dataset.one || status.dataset.count : status.dataset.count;
    status.textContent = results.length ? `${results.length} ${word}` : status.dataset.none;
    const phrase = query.trim().toLowerCase().replace(/\s+/g, ' ');
    for (const { doc } of results.slice(0, 50)) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = new URL(doc.u, root).href;
      const where = document.createElement('span');
      where.className = 'where';
      where.textContent = doc.l ? `${doc.t} · ${doc.l}` : doc.t;
      a.append(where, snippet(doc.x, ts, phrase));
      li.append(a);
      list.append(li);
    }
  }

  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  document.querySelector('.search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) {
    input.value = initial;
    run();
  }
})();
