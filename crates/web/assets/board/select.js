// clearboard board page: choosing several cards and moving them together (issue 14).
// Shift+click (or Enter / Space on a focused card) adds a card to the selection or takes it
// out; Shift+drag on the background, or a drag with the Select button pressed (phones),
// draws a rubber band that selects the cards it touches (a plain background drag still pans);
// Escape clears the selection, Ctrl/Cmd+A on the canvas selects every card. A drag of a selected card, or the arrow keys on one, moves
// every selected card; the move is stored as one operation (`POST …/moves`: one undo).

import { $, el, showError } from './dom.js';
import { T, boardId } from './i18n.js';
import { state } from './state.js';
import { api } from './api.js';
import { cardRect, toBoard } from './view.js';
import { fromResponse } from './cards.js';

export const selection = new Set();
let mode = false;

export function selectMode() { return mode; }
export function isSelected(id) { return selection.has(id); }

function mark(id) {
  const n = $('card-' + id);
  if (n) { n.classList.toggle('selected', selection.has(id)); n.setAttribute('aria-selected', selection.has(id) ? 'true' : 'false'); }
}

function count() {
  const o = $('selection-count');
  o.hidden = selection.size === 0;
  o.textContent = selection.size + ' ' + T.selected;
  $('canvas').setAttribute('data-selected', String(selection.size));
}

export function toggle(id) {
  if (selection.has(id)) { selection.delete(id); } else { selection.add(id); }
  mark(id);
  count();
}

export function clear() {
  const was = Array.from(selection);
  selection.clear();
  was.forEach(mark);
  count();
}

/// A card that went away leaves the selection.
export function forget(id) {
  if (selection.delete(id)) { count(); }
}

/// The selected cards that still exist.
export function selectedCards() {
  const out = [];
  selection.forEach(function (id) { const c = state.cards.get(id); if (c) { out.push(c); } });
  return out;
}

/// Stores where the cards now are, as one operation.
export function storeGroup(cards) {
  if (!cards.length) { return Promise.resolve(); }
  const moves = cards.map(function (c) { return { card: c.id, x: Math.round(c.x), y: Math.round(c.y) }; });
  return api('POST', '/api/v1/boards/' + boardId + '/moves', { moves: moves }).then(function (r) {
    r.cards.forEach(fromResponse);
  }).catch(showError);
}

let groupTimer = null;
/// Moves every selected card by (dx, dy) board units; stored once the keys rest.
export function nudge(dx, dy) {
  const cards = selectedCards();
  cards.forEach(function (c) {
    c.x = Math.round(c.x + dx); c.y = Math.round(c.y + dy);
    const n = $('card-' + c.id);
    if (n) { n.style.left = c.x + 'px'; n.style.top = c.y + 'px'; }
  });
  clearTimeout(groupTimer);
  groupTimer = setTimeout(function () { storeGroup(cards); }, 250);
}

/// Draws a rubber band from a pointer-down on the background; selects what it touches.
export function startBand(ev) {
  const canvas = $('canvas');
  ev.preventDefault();
  canvas.focus({ preventScroll: true });
  canvas.setPointerCapture(ev.pointerId);
  canvas.classList.add('selecting');
  const a = toBoard(ev.clientX, ev.clientY);
  let b = a;
  const band = el('div', { class: 'band' });
  $('world').appendChild(band);
  function draw() {
    band.style.left = Math.min(a[0], b[0]) + 'px';
    band.style.top = Math.min(a[1], b[1]) + 'px';
    band.style.width = Math.abs(b[0] - a[0]) + 'px';
    band.style.height = Math.abs(b[1] - a[1]) + 'px';
  }
  draw();
  function move(e) { b = toBoard(e.clientX, e.clientY); draw(); }
  function up() {
    canvas.classList.remove('selecting');
    canvas.removeEventListener('pointermove', move);
    canvas.removeEventListener('pointerup', up);
    canvas.removeEventListener('pointercancel', up);
    band.remove();
    const x0 = Math.min(a[0], b[0]), y0 = Math.min(a[1], b[1]), x1 = Math.max(a[0], b[0]), y1 = Math.max(a[1], b[1]);
    if (x1 - x0 < 3 && y1 - y0 < 3) { clear(); return; }
    state.cards.forEach(function (c) {
      const r = cardRect(c);
      if (r.x < x1 && x0 < r.x + r.w && r.y < y1 && y0 < r.y + r.h && !selection.has(c.id)) { selection.add(c.id); mark(c.id); }
    });
    count();
  }
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
}

export function wireSelect() {
  const b = $('select-mode');
  b.addEventListener('click', function () {
    mode = !mode;
    b.setAttribute('aria-pressed', mode ? 'true' : 'false');
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && selection.size) { clear(); }
    // Ctrl/Cmd+A on the canvas (or a card) selects every card.
    const canvas = $('canvas');
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === 'a' && (ev.target === canvas || (ev.target.classList && ev.target.classList.contains('idea')))) {
      ev.preventDefault();
      state.cards.forEach(function (c) { if (!selection.has(c.id)) { selection.add(c.id); mark(c.id); } });
      count();
    }
  });
  count();
}
