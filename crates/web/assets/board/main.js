// clearboard board page: renders the board, keeps it live over a WebSocket, and sends
// changes through the JSON API. ES modules, no build step, no third-party code:
//   i18n.js   the page's data and texts (English or French)   state.js  what the page knows
//   dom.js    DOM helpers, status line, errors                  api.js    the JSON API
//   render.js drawing the board and cards                       cards.js  changes to cards
//   forms.js  adding cards, settings, leaving                   socket.js the board socket
//   view.js   the canvas: zoom and pan                          live.js   cursors, live drags
//   facil.js  timer, hidden votes, results                     undo.js   undo and redo
//   select.js multi-select, rubber band, group moves            touch.js  pinch, reader, sheet

import { syncKind, wireForms } from './forms.js';
import { connect, keepAlive } from './socket.js';
import { wireView } from './view.js';
import { wireLive } from './live.js';
import { state } from './state.js';
import { wireFacilitation } from './facil.js';
import { wireUndo } from './undo.js';
import { wireSelect } from './select.js';
import { wireTouch } from './touch.js';
import { wireAnnounce } from './announce.js';

wireView(function () { return state.cards; });
wireLive();
wireForms();
wireFacilitation();
wireUndo();
wireSelect();
wireTouch();
wireAnnounce();
syncKind();
connect();
keepAlive();
