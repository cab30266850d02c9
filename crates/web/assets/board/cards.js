// clearboard board page: what happens to cards, from the socket (upsert) and from the person
// (like, vote, edit, move, delete, approve, comment). Changes go through the JSON API; their
// answers and the socket's `card` events carry only the fields a change touched, so a card
// is merged into what the page has, never replaced (docs/protocol.md).

import { $, el, showError } from './dom.js';
import { api } from './api.js';
import { T } from './i18n.js';
import { state } from './state.js';
import { actions, renderBoard, renderCard } from './render.js';
import { pans, toBoard } from './view.js';
import { pointer } from './live.js';
import { clear, isSelected, nudge, selectedCards, storeGroup, toggle } from './select.js';
import { openReader, pinching } from './touch.js';

// What a card has before the first message that says otherwise.
const EMPTY = { likes: 0, votes: 0, liked: false, my_votes: 0, mine: false, comments: [] };

function merge(old, card) {
  const next = Object.assign({}, EMPTY, old || {}, card);
  if (!card.comments) { next.comments = old ? old.comments : []; }
  return next;
}

// A `card` event: the card's shared fields, and `you` (the viewer's own relation to it).
export function upsert(card, you) {
  const old = state.cards.get(card.id);
  if (old && old.version > card.version) { return; }
  const next = merge(old, card);
  if (you) { Object.assign(next, you); }
  state.cards.set(card.id, next);
  renderCard(next);
}

// An API answer: the viewer's own view of the card (what the change touched).
export function fromResponse(card) {
  const old = state.cards.get(card.id);
  if (!old || old.version <= card.version) {
    const next = merge(old, card);
    state.cards.set(card.id, next);
    renderCard(next);
  }
}

function like(card) {
  api(card.liked ? 'DELETE' : 'PUT', '/api/v1/cards/' + card.id + '/like').then(fromResponse).catch(showError);
}

function vote(card, delta) {
  api(delta > 0 ? 'POST' : 'DELETE', '/api/v1/cards/' + card.id + '/votes').then(function (c) {
    state.votesLeft -= delta;
    renderBoard();
    fromResponse(c);
  }).catch(showError);
}

function remove(card) {
  api('DELETE', '/api/v1/cards/' + card.id).catch(showError);
}

function approve(card) {
  api('POST', '/api/v1/cards/' + card.id + '/approve').catch(showError);
}

function comment(card, input) {
  api('POST', '/api/v1/cards/' + card.id + '/comments', { text: input.value }).then(function () { input.value = ''; }).catch(showError);
}

function edit(card) {
  const node = $('card-' + card.id);
  state.editing.add(card.id);
  const body = node.querySelector('.body');
  const ta = el('textarea', { maxlength: '500', rows: '3', 'aria-label': T.text });
  ta.value = card.text || '';
  ta.addEventListener('keydown', function (ev) { ev.stopPropagation(); });
  ta.addEventListener('pointerdown', function (ev) { ev.stopPropagation(); });
  const save = el('button', { type: 'button', class: 'save', text: T.save });
  const cancel = el('button', { type: 'button', class: 'cancel', text: T.cancel });
  const box = el('div', { class: 'edit' }, ta, el('div', { class: 'actions' }, save, cancel));
  node.replaceChild(box, body);
  ta.focus();
  function done() { state.editing.delete(card.id); renderCard(state.cards.get(card.id)); }
  save.addEventListener('click', function (ev) {
    ev.stopPropagation();
    const current = state.cards.get(card.id);
    api('PATCH', '/api/v1/cards/' + card.id, { base_version: current.version, text: ta.value })
      .then(function (c) { state.editing.delete(card.id); fromResponse(c); })
      .catch(function (e) { showError(e); done(); });
  });
  cancel.addEventListener('click', function (ev) { ev.stopPropagation(); done(); });
}

const moveTimers = {};
function moveTo(card, x, y) {
  card.x = Math.round(x); card.y = Math.round(y);
  const node = $('card-' + card.id);
  node.style.left = card.x + 'px';
  node.style.top = card.y + 'px';
  clearTimeout(moveTimers[card.id]);
  moveTimers[card.id] = setTimeout(function () {
    api('PATCH', '/api/v1/cards/' + card.id, { base_version: card.version, x: card.x, y: card.y }).then(fromResponse).catch(showError);
  }, 150);
}

function onKey(ev) {
  if (ev.target !== ev.currentTarget) { return; }
  const card = state.cards.get(ev.currentTarget.getAttribute('data-id'));
  if (!card) { return; }
  if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); toggle(card.id); return; }
  const step = ev.shiftKey ? 50 : 10;
  const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
  if (!d) { return; }
  ev.preventDefault();
  // A selected card moves with every other selected one (one operation).
  if (isSelected(card.id) && selectedCards().length > 1) { nudge(d[0], d[1]); } else { moveTo(card, card.x + d[0], card.y + d[1]); }
}

function onPointerDown(ev) {
  if (ev.target.closest('button, a, input, textarea, video') || pans(ev) || ev.button !== 0) { return; }
  const node = ev.currentTarget;
  const card = state.cards.get(node.getAttribute('data-id'));
  if (!card) { return; }
  if (ev.shiftKey) { ev.preventDefault(); toggle(card.id); return; }
  if (!isSelected(card.id)) { clear(); }
  // Dragging a selected card drags the whole selection.
  const group = isSelected(card.id) ? selectedCards().filter(function (c) { return c.id !== card.id; }) : [];
  const origins = group.map(function (c) { return [c.x, c.y]; });
  // Board coordinates: a screen pixel is 1 / zoom of the board.
  const start = toBoard(ev.clientX, ev.clientY), ox = card.x, oy = card.y;
  let moved = false, at = [ox, oy], pinched = false;
  node.setPointerCapture(ev.pointerId);
  node.classList.add('dragging');
  function place(dx, dy) {
    node.style.left = at[0] + 'px';
    node.style.top = at[1] + 'px';
    group.forEach(function (c, i) {
      const n = $('card-' + c.id);
      if (n) { n.style.left = Math.round(origins[i][0] + dx) + 'px'; n.style.top = Math.round(origins[i][1] + dy) + 'px'; }
    });
  }
  function move(e) {
    // A second finger turns the gesture into a pinch: the card goes back and stays.
    if (pinching()) { pinched = true; at = [ox, oy]; place(0, 0); return; }
    if (pinched) { return; }
    const p = toBoard(e.clientX, e.clientY);
    const dx = p[0] - start[0], dy = p[1] - start[1];
    // A touch that wobbles a little is still a tap.
    if (!moved && e.pointerType === 'touch' && Math.abs(dx) + Math.abs(dy) < 6) { return; }
    moved = true;
    at = [Math.round(ox + dx), Math.round(oy + dy)];
    place(dx, dy);
    // Others see it move while it happens (not stored: the drop below is).
    pointer(p[0], p[1], { card: card.id, x: at[0], y: at[1] });
  }
  function up(e) {
    node.classList.remove('dragging');
    node.removeEventListener('pointermove', move);
    node.removeEventListener('pointerup', up);
    node.removeEventListener('pointercancel', up);
    const p = toBoard(e.clientX, e.clientY);
    pointer(p[0], p[1], null);
    if (pinched || !moved) {
      if (!pinched && e.type === 'pointerup' && e.pointerType === 'touch') { openReader(card, [e.clientX, e.clientY]); }
      return;
    }
    if (!group.length) { moveTo(card, at[0], at[1]); return; }
    const dx = at[0] - ox, dy = at[1] - oy;
    card.x = at[0]; card.y = at[1];
    group.forEach(function (c, i) { c.x = Math.round(origins[i][0] + dx); c.y = Math.round(origins[i][1] + dy); });
    storeGroup([card].concat(group));
  }
  node.addEventListener('pointermove', move);
  node.addEventListener('pointerup', up);
  node.addEventListener('pointercancel', up);
}

Object.assign(actions, { like, vote, edit, remove, approve, comment, onKey, onPointerDown });
