// clearboard board page: zones — the named areas of a board (a template's columns or
// quadrants, or a facilitator's), drawn in #world behind the cards, in the board's order.
// Everyone sees them; facilitators add, rename, move (drag the title bar, or Alt + arrows on
// it) and remove them through the API, and every screen gets the change as a `board` event.
// A card belongs to the zone holding the point 104 px right of and 40 px below its top-left
// corner (docs/protocol.md): nothing else ties a card to a zone.

import { $, el, showError } from './dom.js';
import { T, boardId } from './i18n.js';
import { state, isFacilitator } from './state.js';
import { api } from './api.js';
import { view, visible } from './view.js';

const world = $('world');
const EDGE = '#c8ccd6';

function path(id) {
  return '/api/v1/boards/' + boardId + '/zones' + (id ? '/' + encodeURIComponent(id) : '');
}

function adopt(b) {
  state.board = Object.assign({}, state.board, b);
  renderZones();
}

function change(method, id, body) {
  return api(method, path(id), body).then(adopt).catch(function (e) { showError(e); renderZones(); });
}

/// The zone a card at (x, y) belongs to, if any (the last one when zones overlap).
export function zoneOf(x, y) {
  const zones = (state.board && state.board.zones) || [];
  const px = x + 104, py = y + 40;
  for (let i = zones.length - 1; i >= 0; i--) {
    const z = zones[i];
    if (px >= z.x && px < z.x + z.w && py >= z.y && py < z.y + z.h) { return z; }
  }
  return null;
}

function rename(z) {
  const t = window.prompt(T.zone_title, z.title);
  if (t && t.trim() && t.trim() !== z.title) { change('PATCH', z.id, { title: t.trim() }); }
}

function remove(z) {
  if (window.confirm(T.zone_remove_confirm)) { change('DELETE', z.id); }
}

// Moving a zone by its title bar: drawn where the pointer takes it, saved when let go.
function drag(ev, z, node) {
  if (ev.button !== 0 || ev.target.tagName === 'BUTTON') { return; }
  ev.preventDefault();
  ev.stopPropagation();
  const head = ev.currentTarget;
  const sx = ev.clientX, sy = ev.clientY;
  let dx = 0, dy = 0;
  head.setPointerCapture(ev.pointerId);
  function move(e) {
    dx = Math.round((e.clientX - sx) / view.s);
    dy = Math.round((e.clientY - sy) / view.s);
    node.style.left = (z.x + dx) + 'px';
    node.style.top = (z.y + dy) + 'px';
  }
  function up() {
    head.removeEventListener('pointermove', move);
    head.removeEventListener('pointerup', up);
    head.removeEventListener('pointercancel', up);
    if (dx || dy) { change('PATCH', z.id, { x: z.x + dx, y: z.y + dy }); }
  }
  head.addEventListener('pointermove', move);
  head.addEventListener('pointerup', up);
  head.addEventListener('pointercancel', up);
}

function onKey(ev, z) {
  const step = ev.shiftKey ? 100 : 20;
  const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
  if (!d || !ev.altKey) { return; }
  ev.preventDefault();
  ev.stopPropagation();
  change('PATCH', z.id, { x: z.x + d[0], y: z.y + d[1] });
}

function build(z) {
  const node = el('section', { id: 'zone-' + z.id, class: 'zone', 'data-zone': z.id });
  // The body lets the pointer through (panning the canvas, reaching cards); only the title
  // bar takes it.
  Object.assign(node.style, { position: 'absolute', pointerEvents: 'none', border: '1px solid ' + EDGE, borderRadius: '10px', boxSizing: 'border-box' });
  const head = el('div', { class: 'zone-head' });
  Object.assign(head.style, { pointerEvents: 'auto', display: 'flex', alignItems: 'center', gap: '.4rem', padding: '.35rem .6rem' });
  const title = el('h3', { class: 'zone-title' });
  Object.assign(title.style, { margin: '0', fontSize: '1.1rem', flex: '1' });
  head.appendChild(title);
  node.appendChild(head);
  return node;
}

function controls(z, node) {
  const head = node.firstChild;
  head.querySelectorAll('button').forEach(function (b) { b.remove(); });
  const fac = isFacilitator();
  head.style.cursor = fac ? 'move' : 'default';
  head.tabIndex = fac ? 0 : -1;
  head.onpointerdown = fac ? function (ev) { drag(ev, z, node); } : null;
  head.onkeydown = fac ? function (ev) { onKey(ev, z); } : null;
  head.ondblclick = fac ? function () { rename(z); } : null;
  if (!fac) { return; }
  head.setAttribute('aria-label', z.title + ' — ' + T.zone_move);
  head.appendChild(el('button', { type: 'button', class: 'secondary zone-rename', text: T.zone_rename, onclick: function () { rename(z); } }));
  head.appendChild(el('button', { type: 'button', class: 'secondary zone-remove', text: T.zone_remove, 'aria-label': T.zone_remove + ' · ' + z.title, onclick: function () { remove(z); } }));
}

/// Draws the board's zones (called with every new board).
export function renderZones() {
  const zones = (state.board && state.board.zones) || [];
  const keep = new Set();
  let anchor = world.firstChild;
  while (anchor && anchor.classList && anchor.classList.contains('zone')) { anchor = anchor.nextSibling; }
  zones.forEach(function (z) {
    const id = 'zone-' + z.id;
    keep.add(id);
    const node = $(id) || build(z);
    Object.assign(node.style, { left: z.x + 'px', top: z.y + 'px', width: z.w + 'px', height: z.h + 'px', background: z.color });
    node.setAttribute('aria-label', z.title);
    node.querySelector('.zone-title').textContent = z.title;
    controls(z, node);
    world.insertBefore(node, anchor);
  });
  world.querySelectorAll('.zone').forEach(function (n) { if (!keep.has(n.id)) { n.remove(); } });
}

export function wireZones() {
  $('zone-add').addEventListener('click', function () {
    const t = window.prompt(T.zone_title, '');
    if (!t || !t.trim()) { return; }
    const v = visible();
    const w = 420, h = 320;
    change('POST', null, { title: t.trim(), x: Math.round(v.x + v.w / 2 - w / 2), y: Math.round(v.y + v.h / 2 - h / 2), w: w, h: h });
  });
}
