// clearboard board page: drawing the board, its cards and who is here. What a click on a
// card does is in cards.js, which fills `actions` (so this file needs nothing of it).

import { $, el, button } from './dom.js';
import { T, boardId } from './i18n.js';
import { state, isFacilitator } from './state.js';
import { renderFacilitation } from './facil.js';
import { forget, isSelected } from './select.js';
import { keepFocus, nameCard } from './names.js';

// Set by cards.js: like, vote, edit, remove, approve, comment, onKey, onPointerDown.
export const actions = {};

// Cards are drawn in the board's coordinates inside #world (view.js moves and scales it).
const world = document.getElementById('world');

export function renderBoard() {
  const b = state.board;
  if (!b) { return; }
  $('board-title').textContent = b.title;
  document.title = b.title + ' · clearboard';
  $('anon-note').hidden = !b.anonymous;
  const fac = isFacilitator();
  $('facilitation').hidden = !fac;
  if (fac) {
    $('join-code').textContent = b.join_code || '';
    $('set-locked').checked = b.locked;
    $('set-controlled').checked = b.controlled;
    $('set-anonymous').checked = b.anonymous;
    $('set-votes').value = b.vote_tokens;
    $('export-csv').href = '/api/v1/boards/' + boardId + '/export?format=csv';
    $('export-json').href = '/api/v1/boards/' + boardId + '/export?format=json';
  }
  $('votes-left').textContent = String(state.votesLeft);
  renderFacilitation();
}

function legendColor(card) {
  const legend = (state.board && state.board.legend) || [];
  for (let i = 0; i < legend.length; i++) {
    if (legend[i].id === card.category) { return legend[i].color; }
  }
  return card.color;
}

function toggleComments(node) {
  const open = node.getAttribute('data-open') === '1';
  node.setAttribute('data-open', open ? '0' : '1');
  const c = node.querySelector('.comments');
  if (c) { c.hidden = open; }
}

function renderComments(card, node) {
  const comments = el('div', { class: 'comments', hidden: '' });
  if (node.getAttribute('data-open') === '1') { comments.hidden = false; }
  (card.comments || []).forEach(function (c) {
    const p = el('p', { 'data-comment': c.id });
    if (c.author) { p.appendChild(el('strong', { text: c.author + ': ' })); }
    p.appendChild(document.createTextNode(c.text));
    comments.appendChild(p);
  });
  const input = el('input', { type: 'text', maxlength: '1000', placeholder: T.comment, 'aria-label': T.comment });
  input.addEventListener('keydown', function (ev) {
    ev.stopPropagation();
    if (ev.key === 'Enter' && input.value.trim()) { actions.comment(card, input); }
  });
  comments.appendChild(input);
  return comments;
}

export function renderCard(card) {
  const id = 'card-' + card.id;
  let node = $(id);
  if (!node) {
    node = el('div', { id: id, class: 'idea', tabindex: '0', 'data-id': card.id, role: 'article' });
    node.addEventListener('keydown', actions.onKey);
    node.addEventListener('pointerdown', actions.onPointerDown);
    world.appendChild(node);
  }
  node.className = 'idea' + (card.status === 'pending' ? ' pending' : '') + (isSelected(card.id) ? ' selected' : '');
  node.style.left = card.x + 'px';
  node.style.top = card.y + 'px';
  node.style.background = legendColor(card);
  node.setAttribute('data-version', String(card.version));
  if (state.editing.has(card.id)) { return; }
  const restoreFocus = keepFocus(node);
  while (node.firstChild) { node.removeChild(node.firstChild); }

  node.appendChild(el('div', { class: 'meta' },
    el('span', { class: 'author', text: card.author || '' }),
    el('span', { text: card.status === 'pending' ? T.pending : '' })));

  const body = el('div', { class: 'body' });
  if (card.kind === 'link' && card.url) {
    body.appendChild(el('a', { href: card.url, rel: 'noopener noreferrer nofollow', target: '_blank', text: card.url }));
  } else {
    body.textContent = card.text || '';
  }
  node.appendChild(body);
  if (card.media_url && card.kind === 'image') {
    node.appendChild(el('img', { src: card.media_url, alt: card.text || T.kind_image, loading: 'lazy' }));
  } else if (card.media_url && card.kind === 'video') {
    node.appendChild(el('video', { src: card.media_url, controls: '', preload: 'metadata' }));
  }

  const bar = el('div', { class: 'actions' });
  bar.appendChild(button('♥ ' + card.likes, function () { actions.like(card); }, card.liked));
  // While a vote hides its results, cards carry no count: only the viewer's own dots.
  const votes = !(state.board && state.board.votes_hidden) && typeof card.votes === 'number' ? String(card.votes) : '?';
  bar.appendChild(button('● ' + votes + (card.my_votes ? ' (' + card.my_votes + ')' : ''), function () { actions.vote(card, 1); }, card.my_votes > 0));
  if (card.my_votes > 0) { bar.appendChild(button('−', function () { actions.vote(card, -1); })); }
  const fac = isFacilitator();
  if (card.mine || fac) {
    if (card.kind !== 'link') { bar.appendChild(button(T.edit, function () { actions.edit(card); })); }
    bar.appendChild(button(T.delete, function () { actions.remove(card); }));
  }
  if (fac && card.status === 'pending') { bar.appendChild(button(T.approve, function () { actions.approve(card); })); }
  bar.appendChild(button(T.comments + ' ' + (card.comments ? card.comments.length : 0), function () { toggleComments(node); }));
  node.appendChild(bar);
  node.appendChild(renderComments(card, node));
  nameCard(node, card, bar, !!(state.board && state.board.votes_hidden));
  restoreFocus();
}

let drawn = false;

export function renderAll() {
  renderBoard();
  const seen = new Set();
  state.cards.forEach(function (c) { renderCard(c); seen.add('card-' + c.id); });
  Array.prototype.slice.call(world.querySelectorAll(':scope > .idea')).forEach(function (n) { if (!seen.has(n.id)) { world.removeChild(n); } });
  // The first frame with every card in it (bench/src/board2000.rs measures up to here).
  if (!drawn) { drawn = true; requestAnimationFrame(function () { performance.mark('cb-board-rendered'); }); }
}

export function renderPresence(list) {
  const ul = $('presence');
  while (ul.firstChild) { ul.removeChild(ul.firstChild); }
  (list || []).forEach(function (name) { ul.appendChild(el('li', { text: name })); });
}

export function removeCard(id) {
  forget(id);
  const n = $('card-' + id);
  if (n) { n.remove(); }
}
