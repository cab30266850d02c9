// Secrets in links (invitation tokens, board codes) travel in the URL fragment, which the
// browser never sends to a server, so they reach no access log, proxy or metric. This copies
// the fragment into the form field marked `data-from-fragment`, then removes it from the
// address bar and history. Nothing is stored.
(function () {
  'use strict';
  var f = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : '';
  if (!f) { return; }
  var field = document.querySelector('[data-from-fragment]');
  if (field && !field.value) { field.value = f.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 200); }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
}());
