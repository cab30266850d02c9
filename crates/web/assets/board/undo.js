// clearboard board page: undo and redo (issue 14). The server keeps each person's last 50
// operations on the board and applies an undo as a new change that everyone receives; a card
// someone else changed since is left as it is (the answer lists it as skipped, or is the
// `undo_conflict` error when nothing could be undone). Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z
// and Ctrl+Y redo (not while typing: text fields keep their own undo); toolbar buttons too.

import { $, showError, status } from './dom.js';
import { T, boardId } from './i18n.js';
import { state } from './state.js';
import { api } from './api.js';
import { fromResponse } from './cards.js';
import { removeCard } from './render.js';

function call(which) {
  return api('POST', '/api/v1/boards/' + boardId + '/' + which).then(function (r) {
    if (!r.action) { status(which === 'undo' ? T.nothing_to_undo : T.nothing_to_redo); return r; }
    r.cards.forEach(fromResponse);
    r.deleted.forEach(function (id) { state.cards.delete(id); removeCard(id); });
    let msg = which === 'undo' ? T.undone : T.redone;
    if (r.skipped.length) { msg += ' (' + r.skipped.length + ' ' + T.undo_skipped + ')'; }
    status(msg);
    $('canvas').setAttribute('data-history', r.undo_left + ',' + r.redo_left);
    return r;
  }).catch(showError);
}

export function undo() { return call('undo'); }
export function redo() { return call('redo'); }

function typing(t) {
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

export function wireUndo() {
  $('undo').addEventListener('click', undo);
  $('redo').addEventListener('click', redo);
  document.addEventListener('keydown', function (ev) {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || typing(ev.target)) { return; }
    const k = ev.key.toLowerCase();
    if (k === 'z' && !ev.shiftKey) { ev.preventDefault(); undo(); }
    else if ((k === 'z' && ev.shiftKey) || (k === 'y' && !ev.shiftKey)) { ev.preventDefault(); redo(); }
  });
}
