// clearboard board page: accessible names (WCAG 2.2: 4.1.2). A card is named by its author,
// its text and its votes ("Card by Ann B.: Fewer meetings, 3 votes"); its reaction buttons by
// what they do and their count ("Like, 1", "Vote, 2 votes, 1 of them yours"), with
// aria-pressed for the viewer's own like and votes. render.js draws the card, then calls
// nameCard with the card's action bar, whose buttons come in render.js's order: like, vote,
// take back a vote (only with votes of one's own), …, comments (last).

const data = JSON.parse(document.getElementById('cb-data').textContent);

/// The names and announcements in the page's language (platform/i18n/board_a11y.rs).
export const A = data.a11y || {};

export function fill(pattern, values) {
  return String(pattern || '').replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? '' : String(values[k]); });
}

/// The first words of a card, short enough to be read out.
export function gist(card) {
  const t = String(card.text || card.url || '').replace(/\s+/g, ' ').trim();
  return t.length > 100 ? t.slice(0, 99) + '…' : t;
}

function votesOf(card, hidden) {
  if (hidden || typeof card.votes !== 'number') { return A.votes_hidden; }
  return card.votes === 1 ? A.one_vote : fill(A.votes, { n: card.votes });
}

/// The card's accessible name.
export function cardName(card, hidden) {
  const parts = [card.author ? fill(A.card_by, { author: card.author, text: gist(card) }) : fill(A.card_anonymous, { text: gist(card) })];
  parts.push(votesOf(card, hidden));
  if (card.my_votes) { parts.push(fill(A.yours, { n: card.my_votes })); }
  if (card.status === 'pending') { parts.push(A.pending); }
  return parts.join(', ');
}

export function nameCard(node, card, bar, hidden) {
  node.setAttribute('aria-label', cardName(card, hidden));
  const buttons = bar ? bar.querySelectorAll(':scope > button') : [];
  if (buttons.length < 2) { return; }
  const like = buttons[0], vote = buttons[1];
  like.setAttribute('aria-label', fill(A.like, { n: card.likes || 0 }));
  like.setAttribute('aria-pressed', card.liked ? 'true' : 'false');
  let votes = votesOf(card, hidden);
  if (card.my_votes) { votes += ', ' + fill(A.yours, { n: card.my_votes }); }
  vote.setAttribute('aria-label', fill(A.vote, { votes: votes }));
  vote.setAttribute('aria-pressed', card.my_votes > 0 ? 'true' : 'false');
  if (card.my_votes > 0 && buttons[2]) { buttons[2].setAttribute('aria-label', A.unvote); }
  const comments = buttons[buttons.length - 1];
  comments.setAttribute('aria-label', fill(A.comments, { n: card.comments ? card.comments.length : 0 }));
  function expanded() { comments.setAttribute('aria-expanded', node.getAttribute('data-open') === '1' ? 'true' : 'false'); }
  expanded();
  // After render.js's own handler has opened or closed them (buttons are new at each render).
  comments.addEventListener('click', expanded);
}

/// Keeps the keyboard focus in a card that is drawn again (a vote, a like, an edit from
/// someone else): call before emptying the card; the function it returns puts the focus back
/// on the control at the same place, or on the card (WCAG 2.2: 2.4.3).
export function keepFocus(node) {
  const active = document.activeElement;
  if (!active || active === node || !node.contains(active)) { return function () {}; }
  const controls = function () { return Array.prototype.slice.call(node.querySelectorAll('button, a, input, textarea')); };
  const at = controls().indexOf(active);
  return function () { const again = controls()[at]; (again || node).focus(); };
}
