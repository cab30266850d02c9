// clearboard board page: calls to the JSON API (same origin, the session cookie; errors
// carry the catalogue's message for people).

export function api(method, path, body) {
  const opts = { method: method, headers: {}, credentials: 'same-origin' };
  if (body instanceof FormData) { opts.body = body; }
  else if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  return fetch(path, opts).then(function (res) {
    if (res.status === 204) { return null; }
    return res.json().catch(function () { return null; }).then(function (json) {
      if (!res.ok) { throw new Error(json && json.error ? json.error.message : res.statusText); }
      return json;
    });
  });
}
