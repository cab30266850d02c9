// clearboard board page: small DOM helpers. Text from people is only ever set with
// textContent (never parsed as HTML).

export function $(id) { return document.getElementById(id); }

export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      if (k === 'text') { e.textContent = attrs[k]; }
      else if (k === 'class') { e.className = attrs[k]; }
      else if (k.indexOf('on') === 0) { e.addEventListener(k.slice(2), attrs[k]); }
      else { e.setAttribute(k, attrs[k]); }
    });
  }
  children.forEach(function (c) { if (c) { e.appendChild(c); } });
  return e;
}

export function button(label, onClick, on) {
  return el('button', { type: 'button', class: on ? 'on' : '', text: label, onclick: function (ev) { ev.stopPropagation(); onClick(); } });
}

export function status(text) { $('status').textContent = text; }

export function showError(err) {
  const p = $('add-error');
  p.textContent = err.message || String(err);
  p.hidden = false;
  setTimeout(function () { p.hidden = true; }, 6000);
}
