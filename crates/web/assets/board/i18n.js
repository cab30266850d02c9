// clearboard board page: the page's data, given by the server in #cb-data (JSON, not
// script): the board's id and the texts in the reader's language (English or French).

const data = JSON.parse(document.getElementById('cb-data').textContent);

// Every text shown by the scripts, in the page's language.
export const T = data.t;
export const boardId = data.board_id;
