// The activation page: the token travels in the link's fragment (#token=…), which browsers
// never send to the server, so it appears in no log. This copies it into the form the person
// submits, then removes it from the address bar and history.
const m = /(?:^#|&)token=([A-Za-z0-9_-]{43})(?:&|$)/.exec(window.location.hash);
if (m) {
  document.getElementById("token").value = m[1];
  history.replaceState(null, "", window.location.pathname + window.location.search);
}
