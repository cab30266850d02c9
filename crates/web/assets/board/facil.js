// clearboard board page: facilitation — the countdown everyone sees (measured by the server's
// clock: each `board` event says what is left, the page counts down from there), votes whose
// counts stay hidden until revealed, the ranked results, the board's zones (zones.js) and its
// exports drawn as PNG and PDF.

import { $, el, showError } from './dom.js';
import { T, boardId } from './i18n.js';
import { state } from './state.js';
import { api } from './api.js';
import { renderZones, wireZones } from './zones.js';

// When the countdown ends by this page's clock (the server's remaining time, received now).
let endsAt = null;
let tick = null;

function fmt(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60), r = s % 60;
  return m + ':' + (r < 10 ? '0' : '') + r;
}

function draw() {
  const t = state.board && state.board.timer;
  $('timer-box').hidden = !t;
  if (!t) { return; }
  const left = endsAt === null ? t.remaining_ms : Math.max(0, endsAt - Date.now());
  $('timer-left').textContent = fmt(left);
  $('timer-state').textContent = t.running && left > 0 ? '' : (left > 0 ? T.timer_paused : '');
  $('time-up').hidden = !(t.pause_participation && (t.participation_paused || (t.running && left <= 0)));
}

// Called with every new board (hello, `board` event, an answer of the API).
export function renderFacilitation() {
  const b = state.board;
  if (!b) { return; }
  const t = b.timer;
  endsAt = t && t.running ? Date.now() + t.remaining_ms : null;
  if (tick === null) { tick = setInterval(draw, 250); }
  draw();
  $('votes-hidden-note').hidden = !b.votes_hidden;
  $('show-results').disabled = !!b.votes_hidden;
  if (b.votes_hidden) { $('results').textContent = ''; }
  const fac = $('set-votes-hidden');
  if (fac) { fac.checked = !!b.votes_hidden; $('reveal-votes').hidden = !b.votes_hidden; }
  const lang = '?lang=' + encodeURIComponent(document.documentElement.lang || 'en');
  $('export-png').href = '/api/v1/boards/' + boardId + '/export.png' + lang;
  $('export-pdf').href = '/api/v1/boards/' + boardId + '/export.pdf' + lang;
  renderZones();
}

function timer(body) {
  api('POST', '/api/v1/boards/' + boardId + '/timer', body).then(function (b) {
    state.board = Object.assign({}, state.board, b);
    renderFacilitation();
  }).catch(showError);
}

function showResults() {
  api('GET', '/api/v1/boards/' + boardId + '/results').then(function (r) {
    const ol = $('results');
    ol.textContent = '';
    r.results.forEach(function (c) {
      ol.appendChild(el('li', { 'data-id': c.id, 'data-rank': String(c.rank), text: '#' + c.rank + ' · ' + (c.text || c.url || '') + ' — ' + c.votes + ' ' + T.results_votes }));
    });
  }).catch(showError);
}

function votesHidden(hidden) {
  api('PATCH', '/api/v1/boards/' + boardId, { votes_hidden: hidden }).then(function (b) {
    state.board = b;
    renderFacilitation();
  }).catch(showError);
}

export function wireFacilitation() {
  wireZones();
  $('show-results').addEventListener('click', showResults);
  $('set-votes-hidden').addEventListener('change', function (e) { votesHidden(e.target.checked); });
  $('reveal-votes').addEventListener('click', function () { votesHidden(false); });
  $('timer-start').addEventListener('click', function () {
    const minutes = parseFloat($('timer-minutes').value) || 0;
    timer({ action: 'start', seconds: Math.round(minutes * 60), pause_participation: $('timer-pauses').checked });
  });
  $('timer-pause').addEventListener('click', function () { timer({ action: 'pause' }); });
  $('timer-resume').addEventListener('click', function () { timer({ action: 'resume' }); });
  $('timer-stop').addEventListener('click', function () { timer({ action: 'stop' }); });
}
