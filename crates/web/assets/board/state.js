// clearboard board page: what the page knows of the board (kept by the socket's messages
// and the API's answers, docs/protocol.md).

export const state = {
  board: null,
  cards: new Map(),
  seq: 0,
  ws: null,
  retry: 0,
  editing: new Set(),
  votesLeft: 0,
  closedByUs: false,
};

export function isFacilitator() {
  return !!(state.board && state.board.you && state.board.you.role === 'facilitator');
}
