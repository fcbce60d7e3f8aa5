// SPDX-License-Identifier: Apache-2.0
//
// Building blocks the views share: labelled fields whose error is shown
// beside them (the field the API names in error.field), a form-level error
// box for the rest, busy buttons and progress for slow operations, toasts in
// an aria-live region, tables, badges and dates. Every label and message goes
// through t(); every field has a <label for>, and an error is tied to its
// field with aria-describedby and aria-invalid so a screen reader says it.

import { h, uid, replace, ltr } from './dom.js';
import { t, tMaybe, getLang, date, dateTime, num } from './i18n.js';
import { ApiError } from './api.js';

// A labelled control. kind: 'input' (default), 'select', 'textarea'.
// opts: {name, label, type, value, required, hint, options:[[value,label]], attrs, kind, ltr}
export function field(opts) {
  const id = opts.id || uid(opts.name || 'f');
  const errId = `${id}-err`;
  const hintId = opts.hint ? `${id}-hint` : undefined;
  const attrs = {
    id,
    name: opts.name,
    required: opts.required,
    'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    dir: opts.ltr ? 'ltr' : undefined,
    ...opts.attrs,
  };
  let control;
  const kind = opts.kind || (opts.options ? 'select' : 'input');
  if (kind === 'select') {
    control = h('select', attrs, (opts.options || []).map(([v, l]) =>
      h('option', { value: v, selected: String(v) === String(opts.value ?? '') }, l)));
  } else if (kind === 'textarea') {
    control = h('textarea', { ...attrs, rows: opts.rows || 3 });
    if (opts.value !== undefined) control.value = opts.value;
  } else {
    control = h('input', { ...attrs, type: opts.type || 'text', value: opts.value ?? undefined });
  }
  const wrap = h('div', { class: ['field', opts.inline && 'inline', opts.wide && 'wide', opts.class], 'data-field': opts.name },
    opts.type === 'checkbox' ? [control, h('label', { for: id }, opts.label)]
      : [h('label', { for: id }, opts.label, opts.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null), control],
    opts.hint ? h('span', { class: 'hint', id: hintId }, opts.hint) : null,
    h('p', { class: 'field-error', id: errId, hidden: true }));
  wrap.control = control;
  return wrap;
}

// The text of an error for this user's language: a translation of the code,
// with the server's own (English) message beside it when it says more.
export function errorText(err) {
  if (!(err instanceof ApiError)) return [t('error.unexpected'), h('span', { class: 'detail', lang: 'en', dir: 'ltr' }, String(err && err.message))];
  const generic = tMaybe(`error.${err.code}`) || t('error.unexpected');
  if (!err.message || err.code === 'network') return [generic];
  if (getLang() === 'en') return [err.message.charAt(0).toUpperCase() + err.message.slice(1)];
  return [generic, h('span', { class: 'detail', lang: 'en', dir: 'ltr' }, err.message)];
}

// Clears the errors a form shows.
export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((p) => { p.hidden = true; replace(p); });
  form.querySelectorAll('[aria-invalid]').forEach((c) => c.removeAttribute('aria-invalid'));
  const box = form.querySelector('.form-error');
  if (box) { box.hidden = true; replace(box); }
}

// Shows err beside the field it names (data-field="name" in form), else in the
// form's .form-error box. Focuses the field. Returns true when it found one.
export function showError(form, err) {
  clearErrors(form);
  const name = err && err.field;
  const wrap = name ? form.querySelector(`[data-field="${CSS.escape(name)}"]`) : null;
  if (wrap) {
    const p = wrap.querySelector('.field-error');
    replace(p, errorText(err));
    p.hidden = false;
    const c = wrap.control || wrap.querySelector('input,select,textarea');
    if (c) { c.setAttribute('aria-invalid', 'true'); c.focus(); }
    return true;
  }
  let box = form.querySelector('.form-error');
  if (!box) {
    box = h('div', { class: 'alert error form-error', role: 'alert' });
    form.prepend(box);
  }
  replace(box, errorText(err));
  box.hidden = false;
  return false;
}

// Runs fn while button shows it is busy; returns fn's result.
export async function busy(button, fn, label) {
  const old = Array.from(button.childNodes);
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  replace(button, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label || t('common.working'));
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    replace(button, old);
  }
}

// A progress line for long operations; set(fraction or null for indeterminate, text).
export function progress(labelText) {
  const bar = h('progress', { max: 100 });
  const text = h('span', {}, labelText || t('common.working'));
  const el = h('div', { class: 'progress', role: 'status', 'aria-live': 'polite' }, bar, text);
  el.set = (fraction, msg) => {
    if (fraction === null || fraction === undefined) bar.removeAttribute('value');
    else bar.value = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
    if (msg) replace(text, msg);
  };
  return el;
}

let toastBox = null;
export function toast(message, kind = 'ok', ms = 5000) {
  if (!toastBox || !toastBox.isConnected) {
    toastBox = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const el = h('div', { class: `alert ${kind}` }, message);
  toastBox.append(el);
  setTimeout(() => el.remove(), ms);
}

export function badge(kind, text) {
  return h('span', { class: ['badge', kind] }, text);
}

export function timeEl(iso, withTime = true) {
  if (!iso) return '';
  return h('time', { datetime: iso, title: iso }, withTime ? dateTime(iso) : date(iso));
}

// columns: [{label, cell: (row) => node|string, num: bool, class}]
export function table(columns, rows, opts = {}) {
  const thead = h('thead', {}, h('tr', {}, columns.map((c) =>
    h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label))));
  const tbody = h('tbody', {}, rows.map((r, i) => {
    const tr = h('tr', { class: opts.rowClass ? opts.rowClass(r, i) : undefined },
      columns.map((c) => {
        const v = c.cell(r, i);
        return h(c.th ? 'th' : 'td', { class: [c.num && 'num', c.class], scope: c.th ? 'row' : undefined },
          c.num && typeof v === 'number' ? num(v) : v);
      }));
    if (opts.onRow) {
      tr.tabIndex = 0;
      tr.addEventListener('click', () => opts.onRow(r));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') opts.onRow(r); });
    }
    return tr;
  }));
  const tbl = h('table', {}, opts.caption ? h('caption', {}, opts.caption) : null, thead, tbody);
  if (!rows.length) {
    return h('div', { class: 'table-wrap' }, tbl, h('p', { class: 'empty' }, opts.empty || t('common.none')));
  }
  return h('div', { class: 'table-wrap' }, tbl);
}

// Definition list from [label, value] pairs, skipping empty values.
export function pairs(list) {
  return h('dl', { class: 'pairs' }, list.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// The page heading that receives focus after navigation.
export function heading(text, level = 1) {
  return h(`h${level}`, { tabindex: level === 1 ? '-1' : undefined, class: 'page-title' }, text);
}

// A name in both scripts, each in its own direction.
export function personName(latin, arabic) {
  return [latin ? ltr(latin) : null, latin && arabic ? ' · ' : null, arabic ? h('bdi', { lang: 'ar', dir: 'rtl' }, arabic) : null];
}

// A loading placeholder while a view fetches.
export function loading() {
  return h('div', { class: 'progress', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('common.loading'));
}

// Renders an error where a whole view's data failed to load.
export function loadError(err) {
  return h('div', { class: 'alert error', role: 'alert' }, errorText(err));
}
