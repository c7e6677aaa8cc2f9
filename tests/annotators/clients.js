// Third-party Web Annotation clients, applied to a chapter page the way a
// client that knows nothing of glossa's markup applies an exported note.
// Bundled by esbuild (tests/webanno_clients.rs) with the npm packages that
// `.ci/run` installs into target/annotators; this file only calls them.
import {
  createCssSelectorMatcher,
  createTextPositionSelectorMatcher,
  createTextQuoteSelectorMatcher,
} from '@apache-annotator/dom';
import { makeRefinable } from '@apache-annotator/selector';
import * as textQuote from 'dom-anchor-text-quote';
import search from 'approx-string-match';

// Text offset (UTF-16 units, as the DOM counts) of a boundary point under root.
function offsetOf(root, node, offset) {
  const r = document.createRange();
  r.setStart(root, 0);
  r.setEnd(node, offset);
  return r.toString().length;
}

function startOf(root, range) {
  return offsetOf(root, range.startContainer, range.startOffset);
}

function endOf(root, range) {
  return offsetOf(root, range.endContainer, range.endOffset);
}

async function all(matches) {
  const out = [];
  for await (const m of matches) out.push(m);
  return out;
}

// Apache Annotator's generic matcher: a selector and its refinements.
const apacheMatcher = makeRefinable((selector) => {
  switch (selector.type) {
    case 'CssSelector':
      return createCssSelectorMatcher(selector);
    case 'TextQuoteSelector':
      return createTextQuoteSelectorMatcher(selector);
    case 'TextPositionSelector':
      return createTextPositionSelectorMatcher(selector);
    default:
      throw new Error('unsupported selector ' + selector.type);
  }
});

// How closely `str` occurs in `text`: 1 for an exact occurrence, less for
// each error (approx-string-match, as Hypothesis scores context).
function closeness(text, str) {
  if (!str) return 1;
  const found = search(text, str, str.length);
  if (found.length === 0) return 0;
  return 1 - Math.min(...found.map((m) => m.errors)) / str.length;
}

// A fuzzy quote matcher in the manner of Hypothesis: every approximate
// occurrence of the quote with at most a quarter of its length in errors,
// scored by the quote's own closeness, its prefix and suffix, and the
// distance from the position hint; the best one wins.
function fuzzyQuote(text, selector, hint) {
  const quote = selector.exact;
  const maxErrors = Math.floor(quote.length / 4);
  let best = null;
  for (const m of search(text, quote, maxErrors)) {
    const q = 1 - m.errors / quote.length;
    const prefix = selector.prefix
      ? closeness(text.slice(Math.max(0, m.start - selector.prefix.length), m.start), selector.prefix)
      : 1;
    const suffix = selector.suffix
      ? closeness(text.slice(m.end, m.end + selector.suffix.length), selector.suffix)
      : 1;
    const near = hint === undefined ? 1 : 1 - Math.abs(m.start - hint) / text.length;
    const score = (50 * q + 20 * prefix + 20 * suffix + 2 * near) / 92;
    if (!best || score > best.score) best = { start: m.start, end: m.end, score };
  }
  return best;
}

// Applies every note's selectors with each client; for each note, which
// clients land on its marked passage (the `#m-ID` anchor) and, if not, why.
window.glossaClients = async function (items) {
  const body = document.body;
  const text = body.textContent;
  const results = [];
  for (const item of items) {
    const id = item['glossa:id'];
    const sels = item.target.selector;
    const find = (type) => sels.find((s) => s.type === type);
    const quote = find('TextQuoteSelector');
    const position = find('TextPositionSelector');
    const css = find('CssSelector');
    const r = { id, failures: [] };
    results.push(r);
    const anchor = document.getElementById('m-' + id);
    if (!anchor || !quote) {
      r.failures.push('no marked passage or no quote selector');
      continue;
    }
    const before = document.createRange();
    before.setStart(body, 0);
    before.setEndBefore(anchor);
    const want = before.toString().length;
    const wantEnd = want + quote.exact.length;
    const lands = (range) =>
      startOf(body, range) === want && endOf(body, range) === wantEnd;

    const q = await all(apacheMatcher(quote)(body));
    if (!(q.length === 1 && lands(q[0]))) {
      r.failures.push(`apache quote: ${q.length} matches, at ${q.map((m) => startOf(body, m))}, want ${want}`);
    }
    if (position) {
      const p = await all(apacheMatcher(position)(body));
      if (!(p.length === 1 && lands(p[0]))) {
        r.failures.push(`apache position: ${p.map((m) => startOf(body, m) + '-' + endOf(body, m))}, want ${want}-${wantEnd}`);
      }
    } else {
      r.failures.push('no position selector');
    }
    if (css) {
      const c = await all(apacheMatcher(css)(body));
      if (!(c.length === 1 && lands(c[0]))) {
        r.failures.push(`apache css+quote: ${c.length} matches, want one at ${want}`);
      }
    }
    const d = textQuote.toRange(body, quote);
    if (!d || !lands(d)) {
      r.failures.push(`dom-anchor-text-quote: ${d ? startOf(body, d) : 'not found'}, want ${want}`);
    }
    // Three characters inserted just before the passage.
    const edited = text.slice(0, want) + 'xyz' + text.slice(want);
    const f = fuzzyQuote(edited, quote, position && position.start);
    if (!f || f.start !== want + 3) {
      r.failures.push(`fuzzy: ${f ? f.start : 'not found'}, want ${want + 3}`);
    }
  }
  return results;
};
