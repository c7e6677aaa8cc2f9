// glossa serve: live reload and error overlay (never part of `build` output).
// The WebSocket path comes from the script element glossa injects
// (`data-glossa-livereload`), so it is defined in one place: serve's LIVERELOAD_PATH.
(() => {
  const path = document.currentScript.dataset.glossaLivereload;
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  let wasClosed = false;
  function overlay(html) {
    let o = document.getElementById('glossa-overlay');
    if (!html) { if (o) o.remove(); return; }
    if (!o) { o = document.createElement('div'); o.id = 'glossa-overlay'; document.body.append(o); }
    o.innerHTML = html;
  }
  function connect() {
    const ws = new WebSocket(url);
    ws.onopen = () => { if (wasClosed) location.reload(); };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      // A reload may name the pages it concerns; other pages did not change.
      const here = location.pathname.replace(/index\.html$/, '');
      if (m.type === 'reload') { if (!m.pages || m.pages.includes(here)) location.reload(); }
      else if (m.type === 'css') {
        for (const l of document.querySelectorAll('link[rel=stylesheet]')) {
          const u = new URL(l.href); u.searchParams.set('v', Date.now()); l.href = u.href;
        }
      } else if (m.type === 'error') overlay(m.html);
    };
    ws.onclose = () => { wasClosed = true; setTimeout(connect, 1000); };
  }
  connect();
})();
