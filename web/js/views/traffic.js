// SPDX-License-Identifier: Apache-2.0
//
// Crossing traffic for analysts and crossing management: entries, exits
// and refusals per crossing point, per nationality and per day over a period, from the
// summary tables the border module keeps current with every record. A chart
// per breakdown, the table beside it, CSV export.
//
// API: GET /api/v1/stats/crossings?from=&to=&by=crossing,direction,decision|day|nationality,direction,decision

import { h, replace, ltr } from '../dom.js';
import { t, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, table, loadError, loading } from '../ui.js';
import { barChart, columnChart, toCsv } from '../chart.js';
import { download } from '../dom.js';
import { listOf, codeLabel, loadCrossings, crossingName } from './common.js';
import { countOf } from './dashboard.js';

export async function render(ctx) {
  const crossings = await loadCrossings().catch(() => []);
  const byId = Object.fromEntries(crossings.map((c) => [c.id, c]));
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86400000);
  const f1 = field({ name: 'from', label: t('traffic.from'), type: 'date', value: from.toISOString().slice(0, 10), ltr: true });
  const f2 = field({ name: 'to', label: t('traffic.to'), type: 'date', value: to.toISOString().slice(0, 10), ltr: true });
  const bar = h('form', { class: 'toolbar' }, f1, f2, h('button', { type: 'submit' }, t('dash.show')));
  const out = h('div', { id: 'traffic' });
  ctx.main.append(heading(t('nav.traffic')), bar, out);
  const get = (by) => api.get(`/api/v1/stats/crossings${api.qs({ from: normDigits(f1.control.value), to: normDigits(f2.control.value), by, format: 'json' })}`).then((r) => listOf(r, 'rows'));
  async function load() {
    replace(out, loading());
    try {
      const [byCrossing, byDay, byNat] = await Promise.all([get('crossing,direction,decision'), get('day'), get('nationality,direction,decision')]);
      const name = (id) => crossingName(byId[id]) || id || '';
      const agg = {};
      for (const r of byCrossing) {
        const k = r.crossing || r.crossing_id;
        agg[k] = agg[k] || { crossing: k, entry: 0, exit: 0, refusal: 0 };
        const kind = r.decision === 'refuse' ? 'refusal' : (r.direction || 'entry');
        agg[k][kind] += countOf(r);
      }
      const rows = Object.values(agg);
      const nat = {};
      for (const r of byNat) {
        const k = r.nationality || '';
        nat[k] = nat[k] || { nationality: k, entry: 0, exit: 0, refusal: 0 };
        nat[k][r.decision === 'refuse' ? 'refusal' : (r.direction || 'entry')] += countOf(r);
      }
      const natRows = Object.values(nat).sort((a, b) => (b.entry + b.exit + b.refusal) - (a.entry + a.exit + a.refusal));
      replace(out,
        h('section', { class: 'card' }, h('h3', {}, t('traffic.by_crossing')),
          barChart(rows.flatMap((r) => [{ label: `${name(r.crossing)} · ${codeLabel('movement', 'entry')}`, value: r.entry },
            { label: `${name(r.crossing)} · ${codeLabel('movement', 'exit')}`, value: r.exit, kind: 'alt' },
            { label: `${name(r.crossing)} · ${codeLabel('movement', 'refusal')}`, value: r.refusal, kind: 'gap' }]), { title: t('traffic.by_crossing'), labelWidth: 260 }),
          table([
            { label: t('check.crossing'), cell: (r) => name(r.crossing), th: true },
            { label: codeLabel('movement', 'entry'), cell: (r) => r.entry, num: true },
            { label: codeLabel('movement', 'exit'), cell: (r) => r.exit, num: true },
            { label: codeLabel('movement', 'refusal'), cell: (r) => r.refusal, num: true },
          ], rows),
          h('button', { type: 'button', onclick: () => download('ubur-traffic-crossings.csv', toCsv(byCrossing.map((r) => ({ ...r, count: countOf(r) })), [['crossing', 'crossing'], ['direction', 'direction'], ['decision', 'decision'], ['count', 'count']])) }, t('common.export_csv'))),
        h('section', { class: 'card', id: 'traffic-nationality' }, h('h3', {}, t('traffic.by_nationality')),
          table([
            { label: t('traveller.nationality'), cell: (r) => [codeLabel('state', r.nationality) !== r.nationality ? [codeLabel('state', r.nationality), ' '] : null, ltr(r.nationality, 'mono')], th: true },
            { label: codeLabel('movement', 'entry'), cell: (r) => r.entry, num: true },
            { label: codeLabel('movement', 'exit'), cell: (r) => r.exit, num: true },
            { label: codeLabel('movement', 'refusal'), cell: (r) => r.refusal, num: true },
          ], natRows),
          h('button', { type: 'button', onclick: () => download('ubur-traffic-nationalities.csv', toCsv(byNat.map((r) => ({ ...r, count: countOf(r) })), [['nationality', 'nationality'], ['direction', 'direction'], ['decision', 'decision'], ['count', 'count']])) }, t('common.export_csv'))),
        h('section', { class: 'card' }, h('h3', {}, t('traffic.by_day')),
          columnChart(byDay.map((r) => ({ label: date(r.day || r.date).replace(/\s*\d{4}$/, ''), value: countOf(r) })), { title: t('traffic.by_day') }),
          h('button', { type: 'button', onclick: () => download('ubur-traffic-days.csv', toCsv(byDay.map((r) => ({ day: r.day || r.date, count: countOf(r) })), [['day', 'day'], ['count', 'count']])) }, t('common.export_csv'))));
    } catch (e) { replace(out, loadError(e)); }
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
