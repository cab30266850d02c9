// clearboard board page: calls to the JSON API (same origin, the session cookie; errors
// carry the catalogue's message for people).

export function api(method, path, body) {
  const opts = { method: method, headers: {}, credentials: 'same-origin' };
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
