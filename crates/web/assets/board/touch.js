// clearboard board page: phones and touch (issue 14). Two fingers pinch to zoom and move
// together to pan (around their midpoint); one finger drags a card (cards.js, pointer events
// with `touch-action: none`) or pans the background (view.js); a tap on a card opens it in a
// reader (its whole text, like and vote), so every card can be read on a small screen. On
// phones the side panel (adding a card, results, who is here) is a bottom sheet opened from
// the toolbar.

import { $, el } from './dom.js';
import { T } from './i18n.js';
import { state } from './state.js';
import { actions } from './render.js';
import { MAX_ZOOM, MIN_ZOOM, setView, view } from './view.js';

const fingers = new Map();
let pinch = null;

/// Whether two fingers are on the canvas (a pinch): drags and pans wait.
export function pinching() { return pinch !== null; }

function pair() {
  const p = Array.from(fingers.values());
  const r = $('canvas').getBoundingClientRect();
  return { d: Math.max(1, Math.hypot(p[0][0] - p[1][0], p[0][1] - p[1][1])), mx: (p[0][0] + p[1][0]) / 2 - r.left, my: (p[0][1] + p[1][1]) / 2 - r.top };
}

function down(ev) {
  if (ev.pointerType !== 'touch') { return; }
  fingers.set(ev.pointerId, [ev.clientX, ev.clientY]);
  if (fingers.size === 2) {
    const q = pair();
    // The board point under the fingers' midpoint stays under it.
    pinch = { d0: q.d, s0: view.s, bx: (q.mx - view.x) / view.s, by: (q.my - view.y) / view.s };
    $('canvas').setAttribute('data-pinch', '1');
  }
}

function move(ev) {
  if (!fingers.has(ev.pointerId)) { return; }
  fingers.set(ev.pointerId, [ev.clientX, ev.clientY]);
  if (!pinch || fingers.size < 2) { return; }
  ev.preventDefault();
  const q = pair();
  const s = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, pinch.s0 * q.d / pinch.d0));
  setView(q.mx - pinch.bx * s, q.my - pinch.by * s, s);
}

function up(ev) {
  if (!fingers.delete(ev.pointerId)) { return; }
  if (fingers.size < 2 && pinch) {
    pinch = null;
    $('canvas').removeAttribute('data-pinch');
  }
}

let reader = null, openedAt = 0, tapAt = [-100, -100];

/// Opens a card in the reader: its whole text (or link), who wrote it, like and vote. `at`:
/// where the tap was (client coordinates), if it was one.
export function openReader(card, at) {
  if (!reader) {
    reader = el('dialog', { id: 'card-reader', class: 'reader', 'aria-labelledby': 'reader-author' });
    document.body.appendChild(reader);
    // The click that follows the tap lands where the reader now is: it is not a choice.
    reader.addEventListener('click', function (ev) {
      if (performance.now() - openedAt < 600 && Math.abs(ev.clientX - tapAt[0]) < 12 && Math.abs(ev.clientY - tapAt[1]) < 12) {
        ev.preventDefault(); ev.stopPropagation();
      }
    }, true);
  }
  openedAt = performance.now();
  tapAt = at || [-100, -100];
  while (reader.firstChild) { reader.removeChild(reader.firstChild); }
  const c = state.cards.get(card.id) || card;
  reader.setAttribute('data-id', c.id);
  reader.appendChild(el('p', { id: 'reader-author', class: 'hint', text: c.author || T.cursor_anonymous }));
  const body = el('div', { class: 'body' });
  if (c.kind === 'link' && c.url) {
    body.appendChild(el('a', { href: c.url, rel: 'noopener noreferrer nofollow', target: '_blank', text: c.url }));
  } else {
    body.textContent = c.text || '';
  }
  reader.appendChild(body);
  const close = el('button', { type: 'button', class: 'secondary', text: T.close, onclick: function () { reader.close(); } });
  const votes = !(state.board && state.board.votes_hidden) && typeof c.votes === 'number' ? String(c.votes) : '?';
  reader.appendChild(el('div', { class: 'actions' },
    el('button', { type: 'button', class: 'like', text: '♥ ' + c.likes, onclick: function () { actions.like(state.cards.get(c.id)); reader.close(); } }),
    el('button', { type: 'button', class: 'vote', text: '● ' + votes, 'aria-label': T.vote, onclick: function () { actions.vote(state.cards.get(c.id), 1); reader.close(); } }),
    close));
  if (reader.open) { reader.close(); }
  reader.showModal();
  close.focus();
}

function panel(open) {
  $('board-side').classList.toggle('open', open);
  $('open-panel').setAttribute('aria-expanded', open ? 'true' : 'false');
  if (open) { const t = $('card-text'); if (t && !t.hidden) { t.focus({ preventScroll: true }); } }
}

export function wireTouch() {
  const canvas = $('canvas');
  // Capture: the canvas sees every finger before a card's own handlers do.
  canvas.addEventListener('pointerdown', down, true);
  canvas.addEventListener('pointermove', move, { capture: true, passive: false });
  ['pointerup', 'pointercancel'].forEach(function (t) { canvas.addEventListener(t, up, true); });
  $('open-panel').addEventListener('click', function () { panel(!$('board-side').classList.contains('open')); });
  $('close-panel').addEventListener('click', function () { panel(false); });
  // Once a card is added from the sheet (the form empties its text), the sheet closes.
  $('add-card').addEventListener('submit', function () {
    if (!$('board-side').classList.contains('open')) { return; }
    let tries = 0;
    const t = setInterval(function () {
      tries += 1;
      if ($('card-text').value === '' || tries > 50) { clearInterval(t); if (tries <= 50) { panel(false); } }
    }, 100);
  });
}
