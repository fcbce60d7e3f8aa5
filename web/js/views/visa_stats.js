// SPDX-License-Identifier: Apache-2.0
//
// Visa figures: applications and visas by purpose and by state over a
// period, a chart and its table, CSV export.
//
// API: GET /api/v1/stats/visas?from=&to=&by=purpose,state

import { h, replace, download } from '../dom.js';
import { t, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, table, loadError, loading } from '../ui.js';
import { barChart, toCsv } from '../chart.js';
import { listOf, codeLabel } from './common.js';
import { countOf } from './dashboard.js';

export async function render(ctx) {
  const to = new Date();
  const from = new Date(to.getTime() - 365 * 86400000);
  const f1 = field({ name: 'from', label: t('traffic.from'), type: 'date', value: from.toISOString().slice(0, 10), ltr: true });
  const f2 = field({ name: 'to', label: t('traffic.to'), type: 'date', value: to.toISOString().slice(0, 10), ltr: true });
  const bar = h('form', { class: 'toolbar' }, f1, f2, h('button', { type: 'submit' }, t('dash.show')));
  const out = h('div', { id: 'visa-stats' });
  ctx.main.append(heading(t('nav.visa_stats')), bar, out);
  async function load() {
    replace(out, loading());
    try {
      const rows = listOf(await api.get(`/api/v1/stats/visas${api.qs({ from: normDigits(f1.control.value), to: normDigits(f2.control.value), by: 'purpose,state' })}`), 'rows');
      const purposes = [...new Set(rows.map((r) => r.purpose))];
      const states = [...new Set(rows.map((r) => r.state))];
      const cell = (p, s) => rows.filter((r) => r.purpose === p && r.state === s).reduce((x, r) => x + countOf(r), 0);
      replace(out,
        barChart(purposes.map((p) => ({ label: codeLabel('purpose', p), value: states.reduce((x, s) => x + cell(p, s), 0) })), { title: t('vstats.by_purpose') }),
        table([
          { label: t('visa.purpose'), cell: (p) => codeLabel('purpose', p), th: true },
          ...states.map((s) => ({ label: codeLabel('vstate', s), cell: (p) => cell(p, s), num: true })),
          { label: t('common.total'), cell: (p) => states.reduce((x, s) => x + cell(p, s), 0), num: true },
        ], purposes),
        h('button', { type: 'button', onclick: () => download('ubur-visas.csv', toCsv(rows.map((r) => ({ ...r, count: countOf(r) })), [['purpose', 'purpose'], ['state', 'state'], ['count', 'count']])) }, t('common.export_csv')));
    } catch (e) { replace(out, loadError(e)); }
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
