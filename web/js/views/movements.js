// SPDX-License-Identifier: Apache-2.0
//
// Recorded movements: entries, exits and refusals, newest first, by crossing
// and decision, each with its time, place, officer, document and reasons
// (as the EU Entry/Exit System records them).
//
// API: GET /api/v1/border/movements?crossing_id=&kind=&limit=

import { h, replace, ltr } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, table, timeEl, loadError, loading } from '../ui.js';
import { listOf, loadCrossings, crossingName, codeLabel } from './common.js';
import { decisionBadge, reasonText } from './check.js';

export async function render(ctx) {
  const crossings = await loadCrossings();
  const byId = Object.fromEntries(crossings.map((c) => [c.id, c]));
  const crossing = field({ name: 'crossing_id', label: t('check.crossing'), value: '', options: [['', t('common.all')], ...crossings.map((c) => [c.id, crossingName(c)])] });
  const kind = field({ name: 'kind', label: t('movement.kind'), value: '', options: [['', t('common.all')], ...['entry', 'exit', 'refusal'].map((k) => [k, codeLabel('movement', k)])] });
  const bar = h('form', { class: 'toolbar' }, crossing, kind, h('button', { type: 'submit' }, t('common.filter')));
  const out = h('div', { id: 'movements' });
  ctx.main.append(heading(t('nav.movements')), bar, out);
  async function load() {
    replace(out, loading());
    try {
      const rows = listOf(await api.get(`/api/v1/border/movements${api.qs({ crossing_id: crossing.control.value, kind: kind.control.value, limit: 100 })}`), 'movements');
      replace(out, table([
        { label: t('audit.at'), cell: (m) => timeEl(m.at || m.recorded_at) },
        { label: t('movement.kind'), cell: (m) => codeLabel('movement', m.kind || m.direction) },
        { label: t('check.crossing'), cell: (m) => crossingName(byId[m.crossing_id]) || m.crossing_id || '' },
        { label: t('traveller.document'), cell: (m) => ltr(m.document_number || '', 'mono') },
        { label: t('traveller.nationality'), cell: (m) => ltr(m.nationality || '') },
        { label: t('check.decision'), cell: (m) => (m.decision ? decisionBadge(m.decision) : '') },
        { label: t('check.reasons'), cell: (m) => listOf(m.reasons).map(reasonText).join('; ') },
        { label: t('audit.user'), cell: (m) => ltr(m.officer || m.username || '') },
      ], rows));
    } catch (e) { replace(out, loadError(e)); }
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
