// clearboard board page: the forms beside the board: adding a card (text, link, image,
// video) at the first free spot, the facilitator's settings, deleting the board, leaving it.

import { $, showError } from './dom.js';
import { api } from './api.js';
import { T, boardId } from './i18n.js';
import { state } from './state.js';
import { fromResponse } from './cards.js';
import { renderAll } from './render.js';
import { cardRect, visible } from './view.js';

export function syncKind() {
  const k = $('card-kind').value;
  const media = k === 'image' || k === 'video';
  $('card-url').hidden = k !== 'link'; $('card-url-label').hidden = k !== 'link';
  $('card-file').hidden = !media; $('card-file-label').hidden = !media;
  $('card-file').accept = k === 'image' ? 'image/png,image/jpeg,image/webp' : 'video/mp4,video/webm';
}

// The height a new card will take, from what it will show: an image's own proportions at
// the card's width, a video at 16:9 with its controls, a text by its lines.
function newCardSize(kind, file, text) {
  const w = 208, chrome = 80;
  if (kind === 'image' && file && window.createImageBitmap) {
    return createImageBitmap(file).then(function (b) {
      // Shown at most the card's inner width wide, never enlarged.
      const shown = Math.min(b.width, w - 20);
      const h = Math.round(chrome + shown * b.height / Math.max(1, b.width));
      b.close();
      return [w, h];
    }).catch(function () { return [w, chrome + 260]; });
  }
  if (kind === 'image' || kind === 'video') { return Promise.resolve([w, chrome + (kind === 'video' ? 140 : 260)]); }
  const lines = (text || '').split('\n').reduce(function (n, l) { return n + Math.max(1, Math.ceil(l.length / 28)); }, 0);
  return Promise.resolve([w, chrome + 20 * Math.max(1, lines)]);
}

// The first free place, row by row from the top left of what the person sees, for a card of
// size `size`: no overlap with any card as measured on the page (board coordinates).
export function freeSpot(size) {
  const gap = 16, w = size[0], h = size[1];
  const rects = [];
  state.cards.forEach(function (c) { rects.push(cardRect(c)); });
  const v = visible();
  const x0 = Math.round(v.x + 30), y0 = Math.round(v.y + 30);
  const cols = Math.max(1, Math.floor((v.w - 60) / (w + gap)));
  function free(x, y) {
    return !rects.some(function (r) { return x < r.x + r.w + gap && r.x < x + w + gap && y < r.y + r.h + gap && r.y < y + h + gap; });
  }
  // Rows at every 20 px downwards: a tall card leaves room below it for smaller ones.
  for (let row = 0; row < 2000; row++) {
    const y = y0 + row * 20;
    for (let col = 0; col < cols; col++) {
      const x = x0 + col * (w + gap);
      if (free(x, y)) { return [x, y]; }
    }
  }
  return [x0, y0];
}

function addCard(ev) {
  ev.preventDefault();
  const kind = $('card-kind').value;
  const file = $('card-file').files[0];
  newCardSize(kind, file, $('card-text').value).then(function (size) { post(kind, file, freeSpot(size)); });
}

function post(kind, file, spot) {
  const x = Math.max(-100000, Math.min(99000, spot[0])), y = Math.max(-100000, Math.min(99000, spot[1]));
  let req;
  if (kind === 'image' || kind === 'video') {
    const fd = new FormData();
    fd.append('kind', kind);
    fd.append('text', $('card-text').value);
    fd.append('x', String(x));
    fd.append('y', String(y));
    if (file) { fd.append('file', file); }
    req = api('POST', '/api/v1/boards/' + boardId + '/cards', fd);
  } else {
    const body = { kind: kind, x: x, y: y };
    if (kind === 'link') { body.url = $('card-url').value; } else { body.text = $('card-text').value; }
    req = api('POST', '/api/v1/boards/' + boardId + '/cards', body);
  }
  req.then(function (c) { fromResponse(c); $('card-text').value = ''; $('card-url').value = ''; $('card-file').value = ''; }).catch(showError);
}

function setting(name, value) {
  const patch = {}; patch[name] = value;
  api('PATCH', '/api/v1/boards/' + boardId, patch).then(function (b) { state.board = b; renderAll(); }).catch(showError);
}

export function wireForms() {
  $('card-kind').addEventListener('change', syncKind);
  $('add-card').addEventListener('submit', addCard);
  $('set-locked').addEventListener('change', function (e) { setting('locked', e.target.checked); });
  $('set-controlled').addEventListener('change', function (e) { setting('controlled', e.target.checked); });
  $('set-anonymous').addEventListener('change', function (e) { setting('anonymous', e.target.checked); });
  $('set-votes').addEventListener('change', function (e) { setting('vote_tokens', parseInt(e.target.value, 10) || 0); });
  $('delete-board').addEventListener('click', function () {
    if (window.confirm(T.delete_board_confirm)) {
      api('DELETE', '/api/v1/boards/' + boardId).then(function () { state.closedByUs = true; window.location.href = '/app'; }).catch(showError);
    }
  });
  const leave = $('leave');
  if (leave) {
    leave.addEventListener('click', function () {
      if (window.confirm(T.leave_confirm)) {
        api('DELETE', '/api/v1/participants/me').then(function () { window.location.href = '/'; }).catch(showError);
      }
    });
  }
}
