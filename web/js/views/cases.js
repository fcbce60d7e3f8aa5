// SPDX-License-Identifier: Apache-2.0
//
// Screening hits to adjudicate (supervisor): every hit at or above the
// threshold opened a case; each shows who was screened (traveller, visa
// applicant or registrant), the watchlist entry, the score and the
// explanation of which name parts matched. The supervisor confirms it (a
// true match) or dismisses it with a reason; a dismissed pair does not alert
// again unless either side changes.
//
// API: GET /api/v1/cases?status=open; POST /api/v1/cases/{id}/decision {decision, reason}

import { h, replace, ltr } from '../dom.js';
import { t, pct } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, timeEl, badge, loadError, loading } from '../ui.js';
import { listOf, codeLabel } from './common.js';

export function explanation(x) {
  if (!x) return '';
  if (typeof x === 'string') return x;
  if (Array.isArray(x)) return x.map((p) => (typeof p === 'string' ? p : `${p.part || p.field || ''} ${p.how || p.match || ''} ${p.score ?? ''}`)).join('; ');
  return Object.entries(x).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ');
}

export async function render(ctx) {
  const status = field({ name: 'status', label: t('cases.status'), value: 'open', options: ['open', 'confirmed', 'dismissed', ''].map((s) => [s, s ? codeLabel('cstatus', s) : t('common.all')]) });
  const bar = h('form', { class: 'toolbar' }, status, h('button', { type: 'submit' }, t('common.filter')));
  const out = h('div', { id: 'cases' });
  const detail = h('div', { 'aria-live': 'polite' });
  ctx.main.append(heading(t('nav.cases')), bar, out, detail);
  const decidePath = api.firstRoute('POST', '/api/v1/cases/{id}/decision', '/api/v1/cases/{id}/adjudicate', '/api/v1/cases/{id}');
  async function load() {
    replace(out, loading());
    try {
      const rows = listOf(await api.get(`/api/v1/cases${api.qs({ status: status.control.value })}`), 'cases');
      replace(out, table([
        { label: t('cases.opened'), cell: (c) => timeEl(c.opened_at || c.created_at) },
        { label: t('cases.subject'), cell: (c) => [codeLabel('subject', c.subject_kind || c.source || ''), ' ', ltr(c.query_name || (c.query && c.query.name) || '')] },
        { label: t('cases.entry'), cell: (c) => [ltr(c.name || c.entry_name || c.matched_name || ''), ' ', h('span', { class: 'muted' }, ltr(c.reference || ''))] },
        { label: t('cases.list'), cell: (c) => c.list || c.list_name || '' },
        { label: t('cases.score'), cell: (c) => h('span', { class: 'score' }, pct(c.score, 0)), num: true },
        { label: t('cases.status'), cell: (c) => badge(c.status === 'open' ? 'pending' : c.status === 'confirmed' ? 'refuse' : 'ok', codeLabel('cstatus', c.status)) },
      ], rows, { onRow: (c) => open(c), empty: t('cases.none') }));
    } catch (e) { replace(out, loadError(e)); }
  }
  function open(c) {
    const why = field({ name: 'reason', label: t('cases.reason'), kind: 'textarea', rows: 2, required: true });
    const confirmBtn = h('button', { type: 'button', class: 'danger', 'data-decision': 'confirm' }, t('cases.confirm'));
    const dismissBtn = h('button', { type: 'button', class: 'success', 'data-decision': 'dismiss' }, t('cases.dismiss'));
    const f = h('form', { novalidate: true, id: 'case-form' }, why, h('div', { class: 'actions' }, confirmBtn, dismissBtn));
    const decide = async (button, decision) => {
      clearErrors(f);
      if (!why.control.value.trim()) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'reason'));
      try {
        await busy(button, () => api.post(decidePath.replace('{id}', encodeURIComponent(c.id)), { decision, reason: why.control.value.trim() }));
        replace(detail, h('div', { class: 'alert ok', role: 'status' }, t('cases.decided')));
        return load();
      } catch (err) { return showError(f, err); }
    };
    confirmBtn.addEventListener('click', () => decide(confirmBtn, 'confirm'));
    dismissBtn.addEventListener('click', () => decide(dismissBtn, 'dismiss'));
    replace(detail, h('section', { class: 'card', id: 'case-detail' },
      h('h2', {}, t('cases.adjudicate')),
      h('p', {}, t('cases.explanation'), ': ', ltr(explanation(c.explanation))),
      c.status === 'open' && decidePath ? f : null));
    if (c.status === 'open') why.control.focus();
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
