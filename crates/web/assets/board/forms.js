// clearboard board page: the forms beside the board: adding a card (text, link, image,
// video) at the first free spot, the facilitator's settings, deleting the board, leaving it.

import { $, showError } from './dom.js';
import { api } from './api.js';
import { T, boardId } from './i18n.js';
import { state } from './state.js';
import { fromResponse } from './cards.js';
import { renderAll } from './render.js';

export function syncKind() {
  const k = $('card-kind').value;
  const media = k === 'image' || k === 'video';
  $('card-url').hidden = k !== 'link'; $('card-url-label').hidden = k !== 'link';
  $('card-file').hidden = !media; $('card-file-label').hidden = !media;
  $('card-file').accept = k === 'image' ? 'image/png,image/jpeg,image/webp' : 'video/mp4,video/webm';
}

function freeSpot() {
  // The first grid slot no card occupies (cards are 13rem wide, about 210 px).
  const taken = [];
  state.cards.forEach(function (c) { taken.push([c.x, c.y]); });
  for (let i = 0; i < 200; i++) {
    const x = 30 + (i % 4) * 230, y = 30 + Math.floor(i / 4) * 160;
    const busy = taken.some(function (p) { return Math.abs(p[0] - x) < 200 && Math.abs(p[1] - y) < 130; });
    if (!busy) { return [x, y]; }
  }
  return [30, 30];
}

function addCard(ev) {
  ev.preventDefault();
  const kind = $('card-kind').value;
  const spot = freeSpot(), x = spot[0], y = spot[1];
  let req;
  if (kind === 'image' || kind === 'video') {
    const fd = new FormData();
    fd.append('kind', kind);
    fd.append('text', $('card-text').value);
    fd.append('x', String(x));
    fd.append('y', String(y));
    if ($('card-file').files[0]) { fd.append('file', $('card-file').files[0]); }
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
