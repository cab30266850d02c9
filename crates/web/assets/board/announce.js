// clearboard board page: others' changes, said out loud (WCAG 2.2: 4.1.3). A polite live
// region (role=status) says a new card, a changed text, a removed card and a new comment when
// someone else made them; one's own changes are not repeated back, nor moves and votes (too
// many to be useful). socket.js calls announce with each event before applying it, so the
// card as it was is still in `state`.

import { state } from './state.js';
import { A, fill, gist } from './names.js';

let region = null;

function say(text) {
  if (!region) {
    region = document.createElement('div');
    region.id = 'cb-announce';
    region.className = 'sr-only';
    region.setAttribute('role', 'status');
    region.setAttribute('aria-live', 'polite');
    document.body.appendChild(region);
  }
  // Replaced, not appended: a screen reader reads the latest news, and the region stays short.
  region.textContent = text;
}

/// A sequenced event from the board's socket, before the page applies it.
export function announce(m) {
  const you = m.you || {};
  if (m.type === 'card' && m.card) {
    const old = state.cards.get(m.card.id);
    if (you.mine) { return; }
    if (!old) {
      const author = m.card.author;
      say(author ? fill(A.added, { author: author, text: gist(m.card) }) : fill(A.added_anonymous, { text: gist(m.card) }));
    } else if (typeof m.card.text === 'string' && m.card.text !== old.text && !state.editing.has(m.card.id)) {
      say(fill(A.edited, { text: gist(m.card) }));
    }
  } else if (m.type === 'card_deleted') {
    const gone = state.cards.get(m.id);
    if (gone && !gone.mine) { say(fill(A.removed, { text: gist(gone) })); }
  } else if (m.type === 'comment' && !you.mine) {
    const card = state.cards.get(m.card_id);
    if (card) { say(fill(A.commented, { text: gist(card) })); }
  }
}

/// The region exists from the start (a region added at the moment of the news is not read).
export function wireAnnounce() { say(''); }
