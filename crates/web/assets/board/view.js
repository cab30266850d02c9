// clearboard board page: the infinite canvas. Cards live in board coordinates inside #world;
// the view (pan x, y in screen pixels, zoom s) is kept here, in the client only, and applied
// as one CSS transform. Zoom by the wheel (around the pointer), the − / + / fit / 100 %
// buttons and the keyboard (+, −, 0, F; arrows pan when the canvas itself has focus); pan by
// dragging the background, or anywhere with Space held.

import { $ } from './dom.js';
import { selectMode, startBand } from './select.js';
import { pinching } from './touch.js';

export const view = { x: 0, y: 0, s: 1 };
export const MIN_ZOOM = 0.1, MAX_ZOOM = 4;

const canvas = $('canvas');
const world = $('world');
let space = false;

function apply() {
  world.style.transform = 'translate(' + view.x + 'px, ' + view.y + 'px) scale(' + view.s + ')';
  // The dotted background moves and scales with the board.
  const g = 20 * view.s;
  canvas.style.backgroundSize = g + 'px ' + g + 'px';
  canvas.style.backgroundPosition = view.x + 'px ' + view.y + 'px';
  canvas.setAttribute('data-zoom', view.s.toFixed(3));
  canvas.setAttribute('data-pan', Math.round(view.x) + ',' + Math.round(view.y));
  $('zoom-level').textContent = Math.round(view.s * 100) + ' %';
}

/// A point of the screen (client coordinates) in board coordinates.
export function toBoard(clientX, clientY) {
  const r = canvas.getBoundingClientRect();
  return [(clientX - r.left - view.x) / view.s, (clientY - r.top - view.y) / view.s];
}

/// Zooms to `s`, keeping the board point under (cx, cy) (canvas pixels) where it is.
export function zoomTo(s, cx, cy) {
  s = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, s));
  if (cx === undefined) { cx = canvas.clientWidth / 2; cy = canvas.clientHeight / 2; }
  const bx = (cx - view.x) / view.s, by = (cy - view.y) / view.s;
  view.s = s;
  view.x = cx - bx * s;
  view.y = cy - by * s;
  apply();
}

/// Sets the whole view at once (a pinch).
export function setView(x, y, s) {
  view.x = x; view.y = y; view.s = s;
  apply();
}

export function panBy(dx, dy) {
  view.x += dx; view.y += dy;
  apply();
}

/// A card's rectangle in board coordinates, measured from its content (offset sizes ignore
/// the transform). Media not loaded yet counts at the most it can take.
export function cardRect(c) {
  const node = $('card-' + c.id);
  let w = 208, h = 110;
  if (node) {
    w = node.offsetWidth || w;
    h = node.offsetHeight || h;
    const m = node.querySelector('img, video');
    const unloaded = m && (m.tagName === 'IMG' ? !(m.complete && m.naturalHeight) : m.readyState < 1);
    if (unloaded) { h = Math.max(h, h + 200); }
  }
  return { x: c.x, y: c.y, w: w, h: h };
}

/// Shows every card.
export function fit(cards) {
  const rects = [];
  cards.forEach(function (c) { rects.push(cardRect(c)); });
  if (!rects.length) { view.x = 0; view.y = 0; view.s = 1; apply(); return; }
  const x0 = Math.min.apply(null, rects.map(function (r) { return r.x; }));
  const y0 = Math.min.apply(null, rects.map(function (r) { return r.y; }));
  const x1 = Math.max.apply(null, rects.map(function (r) { return r.x + r.w; }));
  const y1 = Math.max.apply(null, rects.map(function (r) { return r.y + r.h; }));
  const pad = 40, vw = canvas.clientWidth, vh = canvas.clientHeight;
  const s = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.min((vw - 2 * pad) / (x1 - x0), (vh - 2 * pad) / (y1 - y0), 1.5)));
  view.s = s;
  view.x = (vw - (x1 - x0) * s) / 2 - x0 * s;
  view.y = (vh - (y1 - y0) * s) / 2 - y0 * s;
  apply();
}

/// The visible part of the board, in board coordinates.
export function visible() {
  return { x: -view.x / view.s, y: -view.y / view.s, w: canvas.clientWidth / view.s, h: canvas.clientHeight / view.s };
}

/// Whether a pointer-down should pan rather than reach a card.
export function pans(ev) {
  return space || ev.target === canvas || ev.target === world;
}

function onPointerDown(ev) {
  if (!pans(ev) || ev.button !== 0) { return; }
  // Shift, or the Select button, turns a background drag into a rubber band (select.js).
  if (!space && (ev.shiftKey || selectMode()) && (ev.target === canvas || ev.target === world)) { startBand(ev); return; }
  ev.preventDefault();
  canvas.focus({ preventScroll: true });
  let lx = ev.clientX, ly = ev.clientY;
  canvas.setPointerCapture(ev.pointerId);
  canvas.classList.add('panning');
  function move(e) {
    // While two fingers pinch, they move the view (touch.js).
    if (!pinching()) { panBy(e.clientX - lx, e.clientY - ly); }
    lx = e.clientX; ly = e.clientY;
  }
  function up() {
    canvas.classList.remove('panning');
    canvas.removeEventListener('pointermove', move);
    canvas.removeEventListener('pointerup', up);
    canvas.removeEventListener('pointercancel', up);
  }
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
}

function onWheel(ev) {
  ev.preventDefault();
  const r = canvas.getBoundingClientRect();
  // Pixel deltas from a mouse wheel are about 100 a notch; trackpads send smaller ones.
  const unit = ev.deltaMode === 1 ? 33 : ev.deltaMode === 2 ? 400 : 1;
  zoomTo(view.s * Math.exp(-ev.deltaY * unit * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
}

function typing(t) {
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

function onKey(ev, cards) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
  const step = ev.shiftKey ? 200 : 50;
  const pan = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[ev.key];
  if (pan && ev.target === canvas) { ev.preventDefault(); panBy(pan[0], pan[1]); return; }
  if (ev.key === '+' || ev.key === '=') { ev.preventDefault(); zoomTo(view.s * 1.25); }
  else if (ev.key === '-' || ev.key === '−' || ev.key === '_') { ev.preventDefault(); zoomTo(view.s / 1.25); }
  else if (ev.key === '0') { ev.preventDefault(); zoomTo(1); }
  else if (ev.key === 'f' || ev.key === 'F') { ev.preventDefault(); fit(cards()); }
}

export function wireView(cards) {
  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('keydown', function (ev) { onKey(ev, cards); });
  document.addEventListener('keydown', function (ev) {
    // Space on a focused card selects it (select.js); elsewhere on the canvas, held, it pans.
    if (ev.key === ' ' && !typing(ev.target) && !(ev.target.classList && ev.target.classList.contains('idea')) && (ev.target === canvas || canvas.contains(ev.target) || ev.target === document.body)) {
      if (!space) { space = true; canvas.classList.add('space'); }
      if (ev.target === canvas || ev.target === document.body) { ev.preventDefault(); }
    }
  });
  document.addEventListener('keyup', function (ev) {
    if (ev.key === ' ') { space = false; canvas.classList.remove('space'); }
  });
  window.addEventListener('blur', function () { space = false; canvas.classList.remove('space'); });
  $('zoom-in').addEventListener('click', function () { zoomTo(view.s * 1.25); });
  $('zoom-out').addEventListener('click', function () { zoomTo(view.s / 1.25); });
  $('zoom-reset').addEventListener('click', function () { zoomTo(1); });
  $('zoom-fit').addEventListener('click', function () { fit(cards()); });
  apply();
}
