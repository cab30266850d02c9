// clearboard board page: renders the board, keeps it live over a WebSocket, and sends
// changes through the JSON API. Plain JavaScript, no build step, no third-party code.
// Text from people is only ever set with textContent (never parsed as HTML).
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('cb-data').textContent);
  var T = data.t;
  var boardId = data.board_id;
  var state = { board: null, cards: new Map(), seq: 0, ws: null, retry: 0, editing: new Set(), votesLeft: 0, closedByUs: false };
  var canvas = document.getElementById('canvas');

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') { e.textContent = attrs[k]; }
        else if (k === 'class') { e.className = attrs[k]; }
        else if (k.indexOf('on') === 0) { e.addEventListener(k.slice(2), attrs[k]); }
        else { e.setAttribute(k, attrs[k]); }
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      if (arguments[i]) { e.appendChild(arguments[i]); }
    }
    return e;
  }

  function api(method, path, body) {
    var opts = { method: method, headers: {}, credentials: 'same-origin' };
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (res) {
      if (res.status === 204) { return null; }
      return res.json().catch(function () { return null; }).then(function (json) {
        // The catalogue's words for people, and what exactly failed when the answer says.
        var e = json && json.error;
        if (!res.ok) { throw new Error(e ? e.message + (e.detail ? ' (' + e.detail + ')' : '') : res.statusText); }
        return json;
      });
    });
  }

  function status(text) { $('status').textContent = text; }

  function showError(err) {
    var p = $('add-error');
    p.textContent = err.message || String(err);
    p.hidden = false;
    setTimeout(function () { p.hidden = true; }, 6000);
  }

  // ---- Rendering ----

  function renderBoard() {
    var b = state.board;
    if (!b) { return; }
    $('board-title').textContent = b.title;
    document.title = b.title + ' · clearboard';
    $('anon-note').hidden = !b.anonymous;
    var fac = b.you && b.you.role === 'facilitator';
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
  }

  function legendColor(card) {
    var legend = (state.board && state.board.legend) || [];
    for (var i = 0; i < legend.length; i++) {
      if (legend[i].id === card.category) { return legend[i].color; }
    }
    return card.color;
  }

  function button(label, onClick, on) {
    return el('button', { type: 'button', class: on ? 'on' : '', text: label, onclick: function (ev) { ev.stopPropagation(); onClick(); } });
  }

  function renderCard(card) {
    var id = 'card-' + card.id;
    var node = $(id);
    if (!node) {
      node = el('div', { id: id, class: 'idea', tabindex: '0', 'data-id': card.id, role: 'article' });
      node.addEventListener('keydown', onCardKey);
      node.addEventListener('pointerdown', onPointerDown);
      canvas.appendChild(node);
    }
    node.className = 'idea' + (card.status === 'pending' ? ' pending' : '');
    node.style.left = card.x + 'px';
    node.style.top = card.y + 'px';
    node.style.background = legendColor(card);
    node.setAttribute('data-version', String(card.version));
    if (state.editing.has(card.id)) { return; }
    while (node.firstChild) { node.removeChild(node.firstChild); }

    var meta = el('div', { class: 'meta' },
      el('span', { class: 'author', text: card.author || '' }),
      el('span', { text: card.status === 'pending' ? T.pending : '' }));
    node.appendChild(meta);

    var body = el('div', { class: 'body' });
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

    var actions = el('div', { class: 'actions' });
    actions.appendChild(button('♥ ' + card.likes, function () { like(card); }, card.liked));
    actions.appendChild(button('● ' + card.votes + (card.my_votes ? ' (' + card.my_votes + ')' : ''), function () { vote(card, 1); }, card.my_votes > 0));
    if (card.my_votes > 0) { actions.appendChild(button('−', function () { vote(card, -1); })); }
    var fac = state.board && state.board.you && state.board.you.role === 'facilitator';
    if (card.mine || fac) {
      if (card.kind !== 'link') { actions.appendChild(button(T.edit, function () { startEdit(card); })); }
      actions.appendChild(button(T.delete, function () { removeRemote(card); }));
    }
    if (fac && card.status === 'pending') { actions.appendChild(button(T.approve, function () { api('POST', '/api/v1/cards/' + card.id + '/approve').catch(showError); })); }
    actions.appendChild(button(T.comments + ' ' + (card.comments ? card.comments.length : 0), function () { toggleComments(node); }));
    node.appendChild(actions);

    var comments = el('div', { class: 'comments', hidden: '' });
    if (node.getAttribute('data-open') === '1') { comments.hidden = false; }
    (card.comments || []).forEach(function (c) {
      var p = el('p', { 'data-comment': c.id });
      if (c.author) { p.appendChild(el('strong', { text: c.author + ': ' })); }
      p.appendChild(document.createTextNode(c.text));
      comments.appendChild(p);
    });
    var input = el('input', { type: 'text', maxlength: '1000', placeholder: T.comment, 'aria-label': T.comment });
    input.addEventListener('keydown', function (ev) {
      ev.stopPropagation();
      if (ev.key === 'Enter' && input.value.trim()) {
        api('POST', '/api/v1/cards/' + card.id + '/comments', { text: input.value }).then(function () { input.value = ''; }).catch(showError);
      }
    });
    comments.appendChild(input);
    node.appendChild(comments);
  }

  function toggleComments(node) {
    var open = node.getAttribute('data-open') === '1';
    node.setAttribute('data-open', open ? '0' : '1');
    var c = node.querySelector('.comments');
    if (c) { c.hidden = open; }
  }

  function renderAll() {
    renderBoard();
    var seen = new Set();
    state.cards.forEach(function (c) { renderCard(c); seen.add('card-' + c.id); });
    Array.prototype.slice.call(canvas.children).forEach(function (n) { if (!seen.has(n.id)) { canvas.removeChild(n); } });
  }

  function renderPresence(list) {
    var ul = $('presence');
    while (ul.firstChild) { ul.removeChild(ul.firstChild); }
    (list || []).forEach(function (name) { ul.appendChild(el('li', { text: name })); });
  }

  // ---- Changes ----

  function upsert(card, you) {
    var old = state.cards.get(card.id);
    if (old && old.version > card.version) { return; }
    card.comments = old ? old.comments : (card.comments || []);
    if (you) { card.mine = you.mine; card.liked = you.liked; card.my_votes = you.my_votes; }
    state.cards.set(card.id, card);
    renderCard(card);
  }

  function fromResponse(card) {
    // A REST answer is the viewer's own, complete view.
    var old = state.cards.get(card.id);
    if (!old || old.version <= card.version) { state.cards.set(card.id, card); renderCard(card); }
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

  function removeRemote(card) {
    api('DELETE', '/api/v1/cards/' + card.id).catch(showError);
  }

  function startEdit(card) {
    var node = $('card-' + card.id);
    state.editing.add(card.id);
    var body = node.querySelector('.body');
    var ta = el('textarea', { maxlength: '500', rows: '3', 'aria-label': T.text });
    ta.value = card.text || '';
    ta.addEventListener('keydown', function (ev) { ev.stopPropagation(); });
    ta.addEventListener('pointerdown', function (ev) { ev.stopPropagation(); });
    var save = el('button', { type: 'button', class: 'save', text: T.save });
    var cancel = el('button', { type: 'button', class: 'cancel', text: T.cancel });
    var box = el('div', { class: 'edit' }, ta, el('div', { class: 'actions' }, save, cancel));
    node.replaceChild(box, body);
    ta.focus();
    function done() { state.editing.delete(card.id); renderCard(state.cards.get(card.id)); }
    save.addEventListener('click', function (ev) {
      ev.stopPropagation();
      var current = state.cards.get(card.id);
      api('PATCH', '/api/v1/cards/' + card.id, { base_version: current.version, text: ta.value })
        .then(function (c) { state.editing.delete(card.id); fromResponse(c); })
        .catch(function (e) { showError(e); done(); });
    });
    cancel.addEventListener('click', function (ev) { ev.stopPropagation(); done(); });
  }

  var moveTimers = {};
  function moveTo(card, x, y) {
    card.x = Math.round(x); card.y = Math.round(y);
    var node = $('card-' + card.id);
    node.style.left = card.x + 'px';
    node.style.top = card.y + 'px';
    clearTimeout(moveTimers[card.id]);
    moveTimers[card.id] = setTimeout(function () {
      api('PATCH', '/api/v1/cards/' + card.id, { base_version: card.version, x: card.x, y: card.y }).then(fromResponse).catch(showError);
    }, 150);
  }

  function onCardKey(ev) {
    var card = state.cards.get(ev.currentTarget.getAttribute('data-id'));
    if (!card) { return; }
    var step = ev.shiftKey ? 50 : 10;
    var d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
    if (d) { ev.preventDefault(); moveTo(card, card.x + d[0], card.y + d[1]); }
  }

  function onPointerDown(ev) {
    if (ev.target.closest('button, a, input, textarea, video')) { return; }
    var node = ev.currentTarget;
    var card = state.cards.get(node.getAttribute('data-id'));
    if (!card) { return; }
    var sx = ev.clientX, sy = ev.clientY, ox = card.x, oy = card.y, moved = false;
    node.setPointerCapture(ev.pointerId);
    function move(e) {
      moved = true;
      node.style.left = (ox + e.clientX - sx) + 'px';
      node.style.top = (oy + e.clientY - sy) + 'px';
    }
    function up(e) {
      node.removeEventListener('pointermove', move);
      node.removeEventListener('pointerup', up);
      if (moved) { moveTo(card, ox + e.clientX - sx, oy + e.clientY - sy); }
    }
    node.addEventListener('pointermove', move);
    node.addEventListener('pointerup', up);
  }

  // ---- Forms ----

  function syncKind() {
    var k = $('card-kind').value;
    var media = k === 'image' || k === 'video';
    $('card-url').hidden = k !== 'link'; $('card-url-label').hidden = k !== 'link';
    $('card-file').hidden = !media; $('card-file-label').hidden = !media;
    $('card-file').accept = k === 'image' ? 'image/png,image/jpeg,image/webp' : 'video/mp4,video/webm';
  }
  $('card-kind').addEventListener('change', syncKind);

  function freeSpot() {
    // The first grid slot no card occupies (cards are 13rem wide, about 210 px).
    var taken = [];
    state.cards.forEach(function (c) { taken.push([c.x, c.y]); });
    for (var i = 0; i < 200; i++) {
      var x = 30 + (i % 4) * 230, y = 30 + Math.floor(i / 4) * 160;
      var busy = taken.some(function (p) { return Math.abs(p[0] - x) < 200 && Math.abs(p[1] - y) < 130; });
      if (!busy) { return [x, y]; }
    }
    return [30, 30];
  }

  $('add-card').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var kind = $('card-kind').value;
    var spot = freeSpot(), x = spot[0], y = spot[1];
    var req;
    if (kind === 'image' || kind === 'video') {
      var fd = new FormData();
      fd.append('kind', kind);
      fd.append('text', $('card-text').value);
      fd.append('x', String(x));
      fd.append('y', String(y));
      if ($('card-file').files[0]) { fd.append('file', $('card-file').files[0]); }
      req = api('POST', '/api/v1/boards/' + boardId + '/cards', fd);
    } else {
      var body = { kind: kind, x: x, y: y };
      if (kind === 'link') { body.url = $('card-url').value; } else { body.text = $('card-text').value; }
      req = api('POST', '/api/v1/boards/' + boardId + '/cards', body);
    }
    req.then(function (c) { fromResponse(c); $('card-text').value = ''; $('card-url').value = ''; $('card-file').value = ''; }).catch(showError);
  });

  function setting(name, value) {
    var patch = {}; patch[name] = value;
    api('PATCH', '/api/v1/boards/' + boardId, patch).then(function (b) { state.board = b; renderAll(); }).catch(showError);
  }
  $('set-locked').addEventListener('change', function (e) { setting('locked', e.target.checked); });
  $('set-controlled').addEventListener('change', function (e) { setting('controlled', e.target.checked); });
  $('set-anonymous').addEventListener('change', function (e) { setting('anonymous', e.target.checked); });
  $('set-votes').addEventListener('change', function (e) { setting('vote_tokens', parseInt(e.target.value, 10) || 0); });
  $('delete-board').addEventListener('click', function () {
    if (window.confirm(T.delete_board_confirm)) {
      api('DELETE', '/api/v1/boards/' + boardId).then(function () { state.closedByUs = true; window.location.href = '/app'; }).catch(showError);
    }
  });
  var leave = $('leave');
  if (leave) {
    leave.addEventListener('click', function () {
      if (window.confirm(T.leave_confirm)) {
        api('DELETE', '/api/v1/participants/me').then(function () { window.location.href = '/'; }).catch(showError);
      }
    });
  }

  // ---- Live connection ----

  function onMessage(ev) {
    var m = JSON.parse(ev.data);
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
    if (m.type === 'resume') { renderPresence(m.present); return; }
    if (m.type === 'presence') { renderPresence(m.present); return; }
    if (m.type === 'pong') { return; }
    if (m.type === 'resync') { state.seq = 0; reconnect(true); return; }
    if (typeof m.seq === 'number' && m.seq > state.seq) { state.seq = m.seq; }
    if (m.type === 'card') { upsert(m.card, m.you); }
    else if (m.type === 'card_deleted') { state.cards.delete(m.id); var n = $('card-' + m.id); if (n) { n.remove(); } }
    else if (m.type === 'comment') {
      var c = state.cards.get(m.card_id);
      if (c) {
        c.comments = c.comments || [];
        if (!c.comments.some(function (x) { return x.id === m.comment.id; })) { m.comment.mine = m.you.mine; c.comments.push(m.comment); }
        renderCard(c);
      }
    } else if (m.type === 'comment_deleted') {
      var cc = state.cards.get(m.card_id);
      if (cc) { cc.comments = (cc.comments || []).filter(function (x) { return x.id !== m.id; }); renderCard(cc); }
    } else if (m.type === 'board') {
      var you = state.board ? state.board.you : null, code = state.board ? state.board.join_code : null;
      state.board = Object.assign({}, state.board, m.board, { you: you, join_code: code });
      renderAll();
    }
  }

  function connect() {
    var proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var url = proto + location.host + '/api/v1/boards/' + boardId + '/ws' + (state.seq ? '?since=' + state.seq : '');
    var ws = new WebSocket(url);
    state.ws = ws;
    ws.onopen = function () { state.retry = 0; status(T.connected); };
    ws.onmessage = onMessage;
    ws.onclose = function () {
      if (state.closedByUs) { state.closedByUs = false; return; }
      status(T.reconnecting);
      state.retry = Math.min(state.retry + 1, 6);
      setTimeout(connect, 250 * Math.pow(2, state.retry));
    };
  }

  function reconnect(fresh) {
    if (fresh) { state.seq = 0; }
    if (state.ws) { state.closedByUs = true; state.ws.close(); }
    connect();
  }

  syncKind();
  connect();
  setInterval(function () { if (state.ws && state.ws.readyState === 1) { state.ws.send('{"type":"ping"}'); } }, 25000);
})();
