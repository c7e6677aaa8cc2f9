// glossa's editing controls: served by `glossa serve` in authoring mode
// only, never part of a built site. On a chapter page, selecting text within
// one paragraph, heading, blockquote or list item shows a small bar
// (annotate, new company, new person); Alt+A annotates the selection from
// the keyboard. Every note gets edit and delete controls. The form talks to
// the editing API (the path comes from this script's data-api attribute, the
// per-run token from <meta name="glossa-edit-token">); its words come from
// the edition's language pack (GET session). No inline script or style: the
// page's strict CSP stays.
(() => {
  'use strict';
  const script = document.currentScript;
  const api = script && script.dataset.api;
  const meta = document.querySelector('meta[name="glossa-edit-token"]');
  const text = document.getElementById('text');
  const where = location.pathname.match(/\/chapters\/([^/]+)\/(?:index\.html)?$/);
  if (!api || !meta || !text || !where) return;
  const token = meta.content;
  const slug = decodeURIComponent(where[1]);
  const BLOCKS = 'p, h1, h2, h3, h4, h5, h6, li, blockquote';
  let session = null;
  let version = null;
  let annotations = [];

  // ---------- the API ----------
  async function call(method, path, body, ifMatch) {
    const headers = { 'X-Glossa-Token': token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (ifMatch) headers['If-Match'] = ifMatch;
    const response = await fetch(api + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { status: response.status, ok: response.ok, etag: response.headers.get('ETag'), data };
  }

  async function refresh() {
    const r = await call('GET', `chapters/${encodeURIComponent(slug)}/annotations`);
    if (r.ok) {
      version = r.etag;
      annotations = r.data.annotations;
    }
    return r.ok;
  }

  // ---------- small DOM helpers ----------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function field(label, input, name) {
    input.dataset.field = name;
    const id = 'glossa-f-' + name.replace(/[^a-z0-9]+/g, '-');
    input.id = input.id || id;
    return el('div', { class: 'glossa-field', 'data-for': name },
      el('label', { for: input.id, text: label }), input,
      el('p', { class: 'glossa-field-error', id: input.id + '-error', hidden: true }));
  }

  // A group of fields (sources, refs) that problems can point at as a whole.
  function group(legend, name, ...children) {
    const id = 'glossa-f-' + name;
    return el('fieldset', { class: 'glossa-group', id, 'data-field': name, tabindex: '-1' },
      el('legend', { text: legend }),
      el('p', { class: 'glossa-field-error', id: id + '-error', hidden: true }),
      ...children);
  }

  // ---------- the selection ----------
  function blockOf(node) {
    const e = node.nodeType === 1 ? node : node.parentElement;
    if (!e || !text.contains(e) || e.closest('aside, .note, button')) return null;
    return e.closest(BLOCKS);
  }

  function selection() {
    const sel = getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return null;
    const range = sel.getRangeAt(0);
    const block = blockOf(range.startContainer);
    if (!block || block !== blockOf(range.endContainer)) return null;
    const quote = range.toString().replace(/\s+/g, ' ').trim();
    if (!quote) return null;
    const before = document.createRange();
    before.selectNodeContents(block);
    before.setEnd(range.startContainer, range.startOffset);
    const after = document.createRange();
    after.selectNodeContents(block);
    after.setStart(range.endContainer, range.endOffset);
    const inMention = range.startContainer.parentElement.closest('a.mention');
    return {
      quote,
      prefix: before.toString().slice(-64),
      suffix: after.toString().slice(0, 64),
      rect: range.getBoundingClientRect(),
      mention: !!inMention,
    };
  }

  // ---------- the bar shown over a selection ----------
  let bar = null;
  function hideBar() {
    if (bar) bar.hidden = true;
  }
  function showBar() {
    const s = selection();
    if (!s || !session) return hideBar();
    const ui = session.ui;
    if (!bar) {
      const keep = (e) => e.preventDefault(); // keep the selection
      bar = el('div', { class: 'glossa-bar', role: 'toolbar', 'aria-label': ui.annotate },
        el('button', { type: 'button', class: 'glossa-annotate', text: ui.annotate, title: ui.shortcut, onmousedown: keep, onclick: () => annotate() }),
        el('button', { type: 'button', class: 'glossa-new-company', text: ui.new_company, onmousedown: keep, onclick: () => newProfile('company') }),
        el('button', { type: 'button', class: 'glossa-new-person', text: ui.new_person, onmousedown: keep, onclick: () => newProfile('person') }));
      document.body.append(bar);
    }
    bar.querySelector('.glossa-new-company').hidden = s.mention;
    bar.querySelector('.glossa-new-person').hidden = s.mention;
    bar.hidden = false;
    const top = window.scrollY + s.rect.bottom + 6;
    const left = Math.max(4, Math.min(window.scrollX + s.rect.left, window.scrollX + document.documentElement.clientWidth - bar.offsetWidth - 4));
    bar.style.top = top + 'px';
    bar.style.left = left + 'px';
  }

  // A request's outcome in a form: on success close it and let live reload
  // show the change (reload anyway if it does not come); else show why.
  function settle(form, r) {
    if (r.ok) {
      if (r.etag) version = r.etag;
      closeForm();
      setTimeout(() => location.reload(), 2000);
    } else {
      showProblems(form, r.data);
    }
  }

  // ---------- the annotation form ----------
  let dialog = null;

  function closeForm() {
    if (dialog) {
      dialog.close();
      dialog.remove();
      dialog = null;
    }
  }

  function sourceRow(list, s) {
    const ui = session.ui;
    const i = list.children.length;
    const input = (key, label, value, type) => field(label, el('input', { type: type || 'text', value: value || '' }), `sources[${i}].${key}`);
    const row = el('fieldset', { class: 'glossa-source' },
      el('legend', { text: `${ui.sources} ${i + 1}` }),
      input('title', ui.source_title, s && s.title),
      input('publisher', ui.source_publisher, s && s.publisher),
      input('url', ui.source_url, s && s.url, 'url'),
      input('date', ui.source_date, s && s.date),
      el('button', { type: 'button', class: 'glossa-remove', text: ui.remove, onclick: () => row.remove() }));
    list.append(row);
    return row;
  }

  function refRow(list, value) {
    const ui = session.ui;
    const row = el('div', { class: 'glossa-ref' },
      el('input', { type: 'text', list: 'glossa-profiles', value: value || '', 'aria-label': ui.refs }),
      el('button', { type: 'button', class: 'glossa-remove', text: ui.remove, onclick: () => row.remove() }));
    list.append(row);
    return row;
  }

  function showProblems(form, data) {
    const summary = form.querySelector('.glossa-errors');
    for (const e of form.querySelectorAll('.glossa-field-error')) {
      e.hidden = true;
      e.textContent = '';
    }
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    const loose = [];
    const diags = (data && data.diagnostics) || [];
    for (const d of diags.filter((d) => d.severity === 'error')) {
      const message = d.message + (d.help ? ' — ' + d.help : '');
      const name = d.field || '';
      const input = name && (form.querySelector(`[data-field="${CSS.escape(name)}"]`)
        || form.querySelector(`[data-field="${CSS.escape(name.replace(/\..*$/, '').replace(/\[\d+\]$/, ''))}"]`));
      const box = input && form.querySelector(`#${CSS.escape(input.id)}-error`);
      if (box) {
        box.textContent = message;
        box.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', box.id);
      } else {
        loose.push(message);
      }
    }
    if (data && data.error) loose.push(data.error);
    summary.textContent = '';
    if (diags.length || loose.length) {
      summary.append(el('strong', { text: session.ui.not_saved }));
      for (const m of loose) summary.append(el('p', { text: m }));
      summary.hidden = false;
      const first = form.querySelector('[aria-invalid]');
      if (first) first.focus();
    } else {
      summary.hidden = true;
    }
  }

  function draftOf(form, base) {
    const v = (name) => {
      const i = form.querySelector(`[data-field="${name}"]`);
      return i ? i.value : '';
    };
    const sources = [...form.querySelectorAll('.glossa-source')].map((row) => {
      const get = (k) => row.querySelector(`[data-field$=".${k}"]`).value.trim();
      return { title: get('title'), publisher: get('publisher') || undefined, url: get('url') || undefined, date: get('date') || undefined };
    }).filter((s) => s.title || s.publisher || s.url || s.date);
    const refs = [...form.querySelectorAll('.glossa-ref input')].map((i) => i.value.trim()).filter(Boolean);
    return {
      id: v('id').trim() || undefined,
      quote: base.quote,
      prefix: base.prefix || undefined,
      suffix: base.suffix || undefined,
      occurrence: base.occurrence || undefined,
      kind: v('kind'),
      note: v('note'),
      sources,
      refs,
      date: v('date').trim() || undefined,
    };
  }

  async function openForm(base, existing) {
    closeForm();
    hideBar();
    const ui = session.ui;
    const kinds = el('select', {});
    for (const k of session.kinds) kinds.append(el('option', { value: k.value, text: k.label }));
    kinds.value = (existing && existing.kind) || 'note';
    const note = el('textarea', { rows: 5 });
    note.value = (existing && existing.note) || '';
    const preview = el('div', { class: 'glossa-preview', 'aria-live': 'polite' });
    const sources = el('div', { class: 'glossa-sources' });
    for (const s of (existing && existing.sources) || []) sourceRow(sources, s);
    const refs = el('div', { class: 'glossa-refs' });
    for (const r of (existing && existing.refs) || []) refRow(refs, r);
    const datalist = el('datalist', { id: 'glossa-profiles' });
    for (const p of session.profiles) {
      datalist.append(el('option', { value: p.id, label: [p.name, ...p.aliases.filter((a) => a !== p.name)].join(' · ') }));
    }
    const date = el('input', { type: 'text', value: (existing && existing.date) || '', inputmode: 'numeric' });
    const id = el('input', { type: 'text', value: (existing && existing.id) || '', autocomplete: 'off', spellcheck: 'false' });
    const summary = el('div', { class: 'glossa-errors', role: 'alert', hidden: true });
    const form = el('form', { method: 'dialog', class: 'glossa-form' },
      el('h2', { text: existing ? ui.edit_note : ui.new_note }),
      el('p', { class: 'glossa-passage' }, el('span', { text: ui.passage + ' ' }), el('q', { text: base.quote })),
      summary,
      field(ui.kind, kinds, 'kind'),
      field(ui.note, note, 'note'),
      el('div', { class: 'glossa-preview-box' }, el('p', { class: 'glossa-preview-label', text: ui.preview }), preview),
      group(ui.sources, 'sources', sources,
        el('button', { type: 'button', class: 'glossa-add-source', text: ui.add_source, onclick: () => sourceRow(sources).querySelector('input').focus() })),
      group(ui.refs, 'refs', refs, datalist,
        el('button', { type: 'button', class: 'glossa-add-ref', text: ui.add_ref, onclick: () => refRow(refs).querySelector('input').focus() })),
      field(ui.date, date, 'date'),
      field(ui.id, id, 'id'),
      el('div', { class: 'glossa-actions' },
        el('button', { type: 'submit', class: 'glossa-save', text: ui.save }),
        el('button', { type: 'button', class: 'glossa-cancel', text: ui.cancel, onclick: closeForm })));
    dialog = el('dialog', { class: 'glossa-dialog', 'aria-label': existing ? ui.edit_note : ui.new_note }, form);
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      if (dialog) dialog.remove();
      dialog = null;
    });
    let timer = null;
    const renderPreview = async () => {
      const r = await call('POST', 'preview', { note: note.value });
      if (r.ok) preview.innerHTML = r.data.html;
    };
    note.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(renderPreview, 200);
    });
    if (note.value) renderPreview();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const draft = draftOf(form, base);
      const save = form.querySelector('.glossa-save');
      save.disabled = true;
      const r = existing
        ? await call('PUT', `chapters/${encodeURIComponent(slug)}/annotations/${encodeURIComponent(existing.id)}`, draft, version)
        : await call('POST', `chapters/${encodeURIComponent(slug)}/annotations`, draft, version);
      save.disabled = false;
      settle(form, r);
    });
    dialog.showModal();
    note.focus();
    if (!existing) {
      // What glossa would write: the proposed id, or why the passage cannot be annotated.
      const r = await call('POST', `chapters/${encodeURIComponent(slug)}/annotations?dry-run`, { quote: base.quote, prefix: base.prefix, suffix: base.suffix, kind: 'note', note: '' });
      if (r.ok && r.data.annotation && !id.value) id.value = r.data.annotation.id;
      else if (!r.ok) showProblems(form, r.data);
    }
  }

  async function annotate() {
    const s = selection();
    if (!s) return;
    await openForm({ quote: s.quote, prefix: s.prefix, suffix: s.suffix });
  }

  // ---------- new profiles ----------
  async function newProfile(kind) {
    const s = selection();
    if (!s) return;
    closeForm();
    hideBar();
    const ui = session.ui;
    const name = el('input', { type: 'text', value: s.quote });
    const latin = s.quote.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).slice(0, 5).join('-');
    const id = el('input', { type: 'text', value: latin, autocomplete: 'off', spellcheck: 'false' });
    const summary = el('div', { class: 'glossa-errors', role: 'alert', hidden: true });
    const form = el('form', { method: 'dialog', class: 'glossa-form' },
      el('h2', { text: kind === 'company' ? ui.new_company : ui.new_person }),
      summary,
      field(ui.name, name, 'name'),
      field(ui.id, id, 'id'),
      el('div', { class: 'glossa-actions' },
        el('button', { type: 'submit', class: 'glossa-save', text: ui.save }),
        el('button', { type: 'button', class: 'glossa-cancel', text: ui.cancel, onclick: closeForm })));
    dialog = el('dialog', { class: 'glossa-dialog', 'aria-label': ui.new_profile }, form);
    document.body.append(dialog);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await call('POST', 'profiles', { kind, id: id.value, name: name.value });
      settle(form, r);
    });
    dialog.showModal();
    (latin ? name : id).focus();
  }

  // ---------- edit and delete on every note ----------
  function confirmDelete(a) {
    closeForm();
    const ui = session.ui;
    const summary = el('div', { class: 'glossa-errors', role: 'alert', hidden: true });
    const form = el('form', { method: 'dialog', class: 'glossa-form glossa-confirm' },
      el('p', { text: ui.confirm_delete }),
      el('p', { class: 'glossa-passage' }, el('q', { text: a.quote })),
      summary,
      el('div', { class: 'glossa-actions' },
        el('button', { type: 'submit', class: 'glossa-confirm-delete', text: ui.delete }),
        el('button', { type: 'button', class: 'glossa-cancel', text: ui.cancel, onclick: closeForm })));
    dialog = el('dialog', { class: 'glossa-dialog', role: 'alertdialog', 'aria-label': ui.delete }, form);
    document.body.append(dialog);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await call('DELETE', `chapters/${encodeURIComponent(slug)}/annotations/${encodeURIComponent(a.id)}`, undefined, version);
      settle(form, r);
    });
    dialog.showModal();
    form.querySelector('.glossa-cancel').focus();
  }

  function addNoteControls() {
    const ui = session.ui;
    for (const a of annotations) {
      const note = document.getElementById('n-' + a.id);
      if (!note || note.querySelector('.glossa-note-controls')) continue;
      note.append(el('p', { class: 'glossa-note-controls' },
        el('button', { type: 'button', class: 'glossa-edit', text: ui.edit, onclick: () => openForm({ quote: a.quote, prefix: a.prefix, suffix: a.suffix, occurrence: a.occurrence }, a) }),
        el('button', { type: 'button', class: 'glossa-delete', text: ui.delete, onclick: () => confirmDelete(a) })));
    }
  }

  // ---------- start ----------
  (async () => {
    const s = await call('GET', 'session');
    if (!s.ok || !s.data.editing) return;
    session = s.data;
    if (!(await refresh())) return;
    addNoteControls();
    document.addEventListener('mouseup', () => setTimeout(showBar, 0));
    document.addEventListener('keyup', (e) => {
      if (e.key === 'Shift' || e.shiftKey) showBar();
    });
    document.addEventListener('keydown', (e) => {
      if (e.altKey && e.code === 'KeyA' && !dialog) {
        if (selection()) {
          e.preventDefault();
          annotate();
        }
      }
    });
    document.addEventListener('selectionchange', () => {
      if (!selection()) hideBar();
    });
    document.documentElement.dataset.glossaEditing = 'ready';
  })();
})();
