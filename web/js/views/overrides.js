// SPDX-License-Identifier: Apache-2.0
//
// Overrides awaiting a supervisor (a refusal an officer wants to turn into
// an admission): the check, the officer's reason; approve or reject.
//
// API: GET /api/v1/border/overrides?status=pending
//      POST /api/v1/border/overrides/{id}/decision {decision: approve|reject, reason}

import { h, replace, ltr } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { busy, heading, table, timeEl, loadError, loading, errorText } from '../ui.js';
import { listOf, loadCrossings, crossingName } from './common.js';
import { decisionBadge, reasonText } from './check.js';

export async function render(ctx) {
  const crossings = await loadCrossings().catch(() => []);
  const byId = Object.fromEntries(crossings.map((c) => [c.id, c]));
  const out = h('div', { id: 'overrides' });
  const msg = h('div', { 'aria-live': 'polite' });
  ctx.main.append(heading(t('nav.overrides')), msg, out);
  const route = api.firstRoute('POST', '/api/v1/border/overrides/{id}/decision', '/api/v1/border/overrides/{id}/approve');
  // An officer sees the requests (his own among them) but only a supervisor decides them.
  const path = route && api.roleMay(ctx.session.user.role, 'POST', route) ? route : null;
  async function load() {
    replace(out, loading());
    try {
      const rows = listOf(await api.get('/api/v1/border/overrides?status=pending'), 'overrides');
      replace(out, table([
        { label: t('audit.at'), cell: (o) => timeEl(o.at || o.requested_at) },
        // The request names its officer (requested_by); the check it is about, nested, the
        // traveller's document, the crossing and the reasons for the refusal.
        { label: t('audit.user'), cell: (o) => ltr(o.requested_by || o.officer || '') },
        { label: t('check.crossing'), cell: (o) => crossingName(byId[(o.check || {}).crossing_id]) || (o.check || {}).crossing_id || '' },
        { label: t('traveller.document'), cell: (o) => [ltr((o.check || {}).document_number || '', 'mono'), ' ', ltr((o.check || {}).nationality || '')] },
        { label: t('overrides.from_to'), cell: (o) => [decisionBadge((o.check || {}).proposed || 'refuse'), ' → ', decisionBadge(o.decision || 'admit')] },
        { label: t('check.reasons'), cell: (o) => listOf((o.check || {}).reasons).map((r) => h('div', { 'data-code': r.code }, reasonText(r), ' ', h('span', { class: 'muted' }, ltr(r.message || '')))) },
        { label: t('check.override_reason'), cell: (o) => o.reason || '' },
        { label: t('common.actions'), cell: (o) => (path ? h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'success', onclick: (e) => decide(e.currentTarget, o, 'approve') }, t('overrides.approve')),
          h('button', { type: 'button', class: 'danger', onclick: (e) => decide(e.currentTarget, o, 'reject') }, t('overrides.reject'))) : '') },
      ], rows, { empty: t('overrides.none') }));
    } catch (e) { replace(out, loadError(e)); }
  }
  async function decide(button, o, decision) {
    try {
      const p = path.replace('{id}', encodeURIComponent(o.id));
      await busy(button, () => api.post(p, p.endsWith('/decision') ? { decision } : {}));
      replace(msg, h('div', { class: 'alert ok', role: 'status' }, t('overrides.done')));
      await load();
    } catch (err) {
      replace(msg, h('div', { class: 'alert error', role: 'alert' }, errorText(err)));
    }
  }
  await load();
}
