// clearboard board page: the board's WebSocket (docs/protocol.md): a `hello` snapshot or a
// `resume`, then sequenced events applied in order, presence, and reconnection from the last
// sequence seen (backing off up to 16 s). Only `ping` and `pointer` (live.js) are sent; changes
// go through the API.

import { status } from './dom.js';
import { T, boardId } from './i18n.js';
import { state } from './state.js';
import { upsert } from './cards.js';
import { announce } from './announce.js';
import { cardChanged, onPointer } from './live.js';
import { removeCard, renderAll, renderCard, renderPresence } from './render.js';

function onEvent(m) {
  announce(m);
  if (m.type === 'card') { cardChanged(m.card.id); upsert(m.card, m.you); }
  else if (m.type === 'card_deleted') { state.cards.delete(m.id); removeCard(m.id); }
  else if (m.type === 'comment') {
    const c = state.cards.get(m.card_id);
    if (c) {
      c.comments = c.comments || [];
      if (!c.comments.some(function (x) { return x.id === m.comment.id; })) { m.comment.mine = m.you.mine; c.comments.push(m.comment); }
      renderCard(c);
    }
  } else if (m.type === 'comment_deleted') {
    const cc = state.cards.get(m.card_id);
    if (cc) { cc.comments = (cc.comments || []).filter(function (x) { return x.id !== m.id; }); renderCard(cc); }
  } else if (m.type === 'board') {
    const you = state.board ? state.board.you : null, code = state.board ? state.board.join_code : null;
    // A board without `timer` has none any more.
    state.board = Object.assign({}, state.board, { timer: undefined }, m.board, { you: you, join_code: code });
    renderAll();
  }
}

function onMessage(ev) {
  const m = JSON.parse(ev.data);
  state.away = 0;
  if (m.type === 'hello') {
    state.board = m.board;
    state.seq = m.seq;
    state.votesLeft = m.board.you ? m.board.you.votes_left : 0;
    state.cards = new Map();
    m.cards.forEach(function (c) { state.cards.set(c.id, c); });
    renderAll();
    renderPresence(m.present);
    return;
  }
  if (m.type === 'resume' || m.type === 'presence') { renderPresence(m.present); return; }
  if (m.type === 'pointer') { onPointer(m); return; }
  if (m.type === 'pong' || m.type === 'ack' || m.type === 'error') { return; }
  if (m.type === 'resync') { reconnect(true); return; }
  if (typeof m.seq === 'number' && m.seq > state.seq) { state.seq = m.seq; }
  onEvent(m);
}

export function connect() {
  const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const url = proto + location.host + '/api/v1/boards/' + boardId + '/ws' + (state.seq ? '?since=' + state.seq : '');
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = function () { state.retry = 0; status(T.connected); };
  ws.onmessage = onMessage;
  ws.onclose = function (e) {
    if (state.closedByUs) { state.closedByUs = false; return; }
    status(T.reconnecting);
    // 4001: the node is going away and the proxy has another: at once, from state.seq (then
    // once a second while every node it reaches is going away).
    if (e && e.code === 4001) { state.away = (state.away || 0) + 1; setTimeout(connect, state.away > 1 ? 1000 : 0); return; }
    state.retry = Math.min(state.retry + 1, 6);
    setTimeout(connect, 250 * Math.pow(2, state.retry));
  };
}

function reconnect(fresh) {
  if (fresh) { state.seq = 0; }
  if (state.ws) { state.closedByUs = true; state.ws.close(); }
  connect();
}

export function keepAlive() {
  setInterval(function () { if (state.ws && state.ws.readyState === 1) { state.ws.send('{"type":"ping"}'); } }, 25000);
}
