// SPDX-License-Identifier: Apache-2.0
//
// The audit log (admin): entries newest first, a page at a time (the API
// pages by sequence number with ?before=), filtered by object id, and the
// hash chain's verification with its result.

import { h, replace, ltr } from '../dom.js';
import { t, tMaybe, num } from '../i18n.js';
import * as api from '../api.js';
import { field, busy, heading, table, timeEl, loadError, loading, errorText } from '../ui.js';

const PAGE = 50;

export async function render(ctx) {
  const verifyBtn = h('button', { type: 'button', id: 'audit-verify' }, t('audit.verify'));
  const verdict = h('div', { 'aria-live': 'polite' });
  const object = field({ name: 'object_id', label: t('audit.object'), ltr: true, value: ctx.query.get('object_id') || '' });
  const filter = h('form', { class: 'toolbar', role: 'search' }, object,
    h('button', { type: 'submit' }, t('common.filter')));
  const listBox = h('div', {}, loading());
  const pager = h('div', { class: 'pager' });
  const stack = []; // 'before' values of earlier pages
  let before = 0;

  ctx.main.append(heading(t('nav.audit')), h('div', { class: 'actions' }, verifyBtn), verdict, filter, listBox, pager);

  verifyBtn.addEventListener('click', async () => {
    try {
      const r = await busy(verifyBtn, () => api.get('/api/v1/audit/verify'), t('audit.verifying'));
      replace(verdict, r.intact
        ? h('div', { class: 'alert ok', role: 'status', id: 'audit-verdict' }, t('audit.intact', { n: r.checked }))
        : h('div', { class: 'alert error', role: 'alert', id: 'audit-verdict' },
          t('audit.broken', { seq: r.first_bad_seq, n: r.checked }),
          h('span', { class: 'detail', lang: 'en', dir: 'ltr' }, r.reason || '')));
    } catch (e) {
      replace(verdict, h('div', { class: 'alert error', role: 'alert' }, errorText(e)));
    }
  });

  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    stack.length = 0;
    before = 0;
    load();
  });

  function detail(d) {
    if (!d) return '';
    return ltr(Object.entries(d).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' '), 'mono');
  }

  async function load() {
    replace(listBox, loading());
    try {
      const { entries } = await api.get(`/api/v1/audit${api.qs({ before: before || '', limit: PAGE, object_id: object.control.value.trim() })}`);
      replace(listBox, table([
        { label: t('audit.seq'), cell: (e) => e.seq, num: true },
        { label: t('audit.at'), cell: (e) => timeEl(e.at) },
        { label: t('audit.user'), cell: (e) => ltr(e.username || '') },
        { label: t('users.role'), cell: (e) => (e.role ? (tMaybe(`role.${e.role}`) || e.role) : '') },
        { label: t('audit.action'), cell: (e) => ltr(e.action, 'mono') },
        { label: t('audit.object'), cell: (e) => (e.object_id ? [e.object_type ? `${e.object_type} ` : '', ltr(e.object_id.slice(0, 13), 'mono nowrap')] : '') },
        { label: t('audit.detail'), cell: (e) => detail(e.detail) },
      ], entries, { caption: t('audit.page', { n: entries.length }) }));
      replace(pager,
        h('button', { type: 'button', disabled: !stack.length, onclick: () => { before = stack.pop(); load(); } }, t('common.newer')),
        h('button', { type: 'button', disabled: entries.length < PAGE, onclick: () => { stack.push(before); before = entries[entries.length - 1].seq; load(); } }, t('common.older')),
        h('span', { class: 'muted' }, entries.length ? t('audit.range', { from: num(entries[entries.length - 1].seq), to: num(entries[0].seq) }) : ''));
    } catch (e) {
      replace(listBox, loadError(e));
    }
  }
  await load();
}
