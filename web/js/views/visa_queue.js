// SPDX-License-Identifier: Apache-2.0
//
// The consular review queue: applications waiting for a decision, ordered
// as the server orders them (priority, urgent medical cases first, then
// age), with a filter by state and purpose. Enter or a click opens one.
//
// API: GET /api/v1/visa-applications?state=&purpose=

import { h, replace, ltr } from '../dom.js';
import { t, date } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, table, timeEl, badge, loadError, loading } from '../ui.js';
import { listOf, codeLabel } from './common.js';
import { loadPurposes, purposeLabel } from './visa_new.js';

export const STATES = ['submitted', 'under_review', 'approved', 'refused', 'withdrawn', 'discontinued', 'issued', 'extended', 'shortened', 'annulled', 'revoked'];

export function stateBadge(s) { return badge(s, codeLabel('vstate', s)); }

export function applicantName(a) {
  const p = a.applicant || a.person || a;
  return [p.surname, p.given_names].filter(Boolean).join(', ');
}

export async function render(ctx) {
  const purposes = await loadPurposes();
  const state = field({ name: 'state', label: t('visa.state'), value: ctx.query.get('state') || 'queue',
    options: [['queue', t('visa.queue_waiting')], ['', t('common.all')], ...STATES.map((s) => [s, codeLabel('vstate', s)])] });
  const purpose = field({ name: 'purpose', label: t('visa.purpose'), value: ctx.query.get('purpose') || '',
    options: [['', t('common.all')], ...purposes.map((p) => [p.code, purposeLabel(p)])] });
  const listBox = h('div', { id: 'visa-queue' }, loading());
  const bar = h('form', { class: 'toolbar', role: 'search' }, state, purpose, h('button', { type: 'submit' }, t('common.filter')));
  ctx.main.append(heading(t('nav.visa_queue')), bar, listBox);

  async function load() {
    replace(listBox, loading());
    const s = state.control.value;
    try {
      const r = await api.get(`/api/v1/visa-applications${api.qs({ state: s === 'queue' ? '' : s, queue: s === 'queue' ? 1 : '', purpose: purpose.control.value, limit: 100 })}`);
      let rows = listOf(r, 'applications');
      if (s === 'queue') rows = rows.filter((a) => ['submitted', 'under_review', 'approved'].includes(a.state));
      replace(listBox, table([
        { label: t('visa.number'), cell: (a) => h('a', { href: `/visas/applications/${encodeURIComponent(a.id)}` }, ltr(a.number || a.id.slice(0, 8), 'mono')), th: true },
        { label: t('visa.applicant'), cell: (a) => ltr(applicantName(a)) },
        { label: t('traveller.nationality'), cell: (a) => ltr(a.nationality || '') },
        { label: t('visa.purpose'), cell: (a) => [codeLabel('purpose', a.purpose), a.urgent ? [' ', badge('refuse', t('visa.urgent'))] : null] },
        { label: t('visa.entry_date'), cell: (a) => date(a.entry_date) },
        { label: t('visa.risk'), cell: (a) => (a.risk_level ? badge(a.risk_level === 'high' ? 'refuse' : a.risk_level === 'medium' ? 'refer' : 'admit', codeLabel('risk', a.risk_level)) : '') },
        { label: t('visa.state'), cell: (a) => stateBadge(a.state) },
        { label: t('visa.submitted'), cell: (a) => timeEl(a.submitted_at) },
      ], rows, { onRow: (a) => ctx.navigate(`/visas/applications/${encodeURIComponent(a.id)}`), empty: t('visa.queue_empty') }));
    } catch (e) {
      replace(listBox, loadError(e));
    }
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
