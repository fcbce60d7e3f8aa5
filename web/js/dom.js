// SPDX-License-Identifier: Apache-2.0
//
// A few DOM helpers, so views build their markup from data without ever
// parsing HTML: h() creates elements and text nodes only (never innerHTML),
// which is what keeps records' names and addresses from turning into markup.
// No inline styles either: the server's CSP forbids inline style attributes, so
// views set classes and, where a size depends on data, element.style (CSSOM).

// h('button', {class: 'primary', onclick: fn, 'aria-label': '...'}, 'text', child, [more])
export function h(tag, props, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && !svg) el.value = v;
    else if (k === 'checked' || k === 'selected') { el[k] = true; el.setAttribute(k, ''); } // default for form.reset()
    else if (k === 'indeterminate') el[k] = true;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// A unique id for label/field pairs.
let seq = 0;
export function uid(prefix = 'f') {
  seq += 1;
  return `${prefix}-${seq}`;
}

// Text that is always left to right (MRZ, document numbers, ids, codes) inside
// a right-to-left page: <bdi dir="ltr">.
export function ltr(text, cls) {
  return h('bdi', { dir: 'ltr', class: cls }, text);
}

// Starts a file download of text the page made itself (CSV export).
export function download(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
