// glossa — mention cards for chapter pages.
// Progressive enhancement: without JavaScript, mentions are plain links to the
// profile pages. With it, hovering or focusing a mention shows a small card
// (name, one line, link); Escape closes it. The card is built with textContent
// only, so content can never inject markup.
(() => {
  'use strict';
  let card = null;
  let owner = null;
  const label = document.documentElement.dataset.viewProfile || '→';

  function hide() {
    if (!card) return;
    if (owner) owner.removeAttribute('aria-describedby');
    card.remove();
    card = null;
    owner = null;
  }

  function show(link) {
    if (owner === link) return;
    hide();
    card = document.createElement('div');
    card.className = 'mention-card';
    card.id = 'mention-card';
    card.setAttribute('role', 'tooltip');
    const name = document.createElement('strong');
    name.textContent = link.dataset.name || link.textContent;
    const desc = document.createElement('p');
    desc.textContent = link.dataset.desc || '';
    const more = document.createElement('a');
    more.href = link.href;
    more.textContent = label;
    card.append(name, desc, more);
    document.body.append(card);
    const r = link.getBoundingClientRect();
    const left = Math.min(r.left, window.innerWidth - card.offsetWidth - 8);
    card.style.left = Math.max(8, left) + window.scrollX + 'px';
    card.style.top = r.bottom + window.scrollY + 6 + 'px';
    link.setAttribute('aria-describedby', card.id);
    owner = link;
  }

  const mentionOf = (node) => (node instanceof Element ? node.closest('a.mention') : null);

  document.addEventListener('mouseover', (e) => {
    const link = mentionOf(e.target);
    if (link) show(link);
    else if (card && !card.contains(e.target)) hide();
  });
  document.addEventListener('focusin', (e) => {
    const link = mentionOf(e.target);
    if (link) show(link);
    else if (card && !card.contains(e.target)) hide();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hide();
  });
})();
