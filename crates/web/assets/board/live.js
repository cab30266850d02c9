// clearboard board page: what is live but never stored (docs/protocol.md, `pointer`): this
// person's pointer, and the card they drag while they drag it, sent at most 20 times a second;
// others' pointers drawn as cursors named as the board shows them (no name on anonymous
// boards), and the cards they drag moved while they drag. A drop is stored through the API
// (cards.js), whose `card` event puts the card where it was dropped.

import { $, el } from './dom.js';
import { T } from './i18n.js';
import { state } from './state.js';
import { renderCard } from './render.js';
import { toBoard } from './view.js';

/// At most one frame every 50 ms (20 Hz); the server drops what comes faster.
const EVERY = 50;
let pending = null, timer = null, last = 0;

function flush() {
  timer = null;
  if (!pending || !state.ws || state.ws.readyState !== 1) { pending = null; return; }
  last = Date.now();
  state.ws.send(JSON.stringify(pending));
  pending = null;
}

/// This person's pointer at (x, y) on the board, with the card they drag (`{card, x, y}`) or
/// null. Only the latest position waits for its turn.
export function pointer(x, y, drag) {
  const m = { type: 'pointer', x: clamp(x), y: clamp(y) };
  if (drag) { m.drag = { card: drag.card, x: clamp(drag.x), y: clamp(drag.y) }; }
  pending = m;
  if (timer) { return; }
  const wait = Math.max(0, last + EVERY - Date.now());
  if (wait === 0) { flush(); } else { timer = setTimeout(flush, wait); }
}

function clamp(v) { return Math.max(-100000, Math.min(100000, Math.round(v))); }

// Others' cursors and drags, by connection (a number the server gives each socket).
const others = new Map();
const IDLE = 10000;

function release(o) {
  if (!o.card) { return; }
  const n = $('card-' + o.card);
  if (n) { n.classList.remove('remote-drag'); }
  const c = state.cards.get(o.card);
  if (c) { renderCard(c); }
  o.card = null;
}

function forget(from) {
  const o = others.get(from);
  if (!o) { return; }
  release(o);
  o.node.remove();
  others.delete(from);
}

/// A `pointer` frame from the server.
export function onPointer(m) {
  let o = others.get(m.from);
  if (!o) {
    const label = el('span');
    const node = el('div', { class: 'cursor', 'data-from': String(m.from) }, label);
    node.style.setProperty('--cursor', 'hsl(' + ((m.from * 137) % 360) + ', 65%, 38%)');
    $('cursors').appendChild(node);
    o = { node: node, label: label, card: null, timer: null };
    others.set(m.from, o);
  }
  o.label.textContent = m.name || T.cursor_anonymous;
  o.node.setAttribute('data-name', m.name || '');
  o.node.style.left = m.x + 'px';
  o.node.style.top = m.y + 'px';
  if (m.drag) {
    if (o.card && o.card !== m.drag.card) { release(o); }
    const n = $('card-' + m.drag.card);
    if (n && !n.classList.contains('dragging')) {
      o.card = m.drag.card;
      n.classList.add('remote-drag');
      n.style.left = m.drag.x + 'px';
      n.style.top = m.drag.y + 'px';
    }
  } else {
    release(o);
  }
  clearTimeout(o.timer);
  o.timer = setTimeout(function () { forget(m.from); }, IDLE);
}

/// A stored change of a card ends whatever drag of it others' pointers showed.
export function cardChanged(id) {
  others.forEach(function (o) { if (o.card === id) { o.card = null; const n = $('card-' + id); if (n) { n.classList.remove('remote-drag'); } } });
}

/// Sends this person's pointer as it moves over the canvas (not while dragging a card:
/// cards.js sends those with the card).
export function wireLive() {
  const canvas = $('canvas');
  canvas.addEventListener('pointermove', function (ev) {
    if (ev.target.closest && ev.target.closest('.idea.dragging')) { return; }
    const p = toBoard(ev.clientX, ev.clientY);
    pointer(p[0], p[1], null);
  });
}
