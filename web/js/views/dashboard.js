// SPDX-License-Identifier: Apache-2.0
//
// The analyst's population dashboard: figures computed by the server from
// the registry's records as of a date, never typed in. The first table
// breaks the population down by UNHCR population type and location type
// (camp, urban, ...), which is how the article counts it (refugees;
// asylum-seekers in towns; asylum-seekers in camps); the total comes from
// the records, so people in no category of the article (the 58 of
// 45,418 - 45,360) show as their own row and in a note, not hidden. Then
// charts by governorate, origin, sex and age band. Each table exports as
// CSV; each chart has its table beside it.
//
// API: GET /api/v1/stats/population?by=DIMS&as_of=DATE

import { h, replace, download } from '../dom.js';
import { t, num, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, loadError, loading, table } from '../ui.js';
import { barChart, toCsv } from '../chart.js';
import { listOf, codeLabel } from './common.js';
import { POPTYPES } from './register.js';

export function countOf(row) {
  const v = row.count ?? row.crossings ?? row.n ?? row.value ?? row.total;
  return typeof v === 'number' ? v : Number(v) || 0;
}

// rows of {dim..., count} for the dimensions asked.
export async function population(by, asOf) {
  const r = await api.get(`/api/v1/stats/population${api.qs({ by: by.join(','), as_of: asOf })}`);
  const rows = listOf(r, 'rows');
  const total = typeof r.total === 'number' ? r.total : rows.reduce((s, x) => s + countOf(x), 0);
  return { rows, total };
}

export function dimLabel(dim, value) {
  if (value === null || value === undefined || value === '') return t('common.unknown');
  if (dim === 'type') return `${value} · ${codeLabel('poptype', value)}`;
  if (dim === 'location_type') return codeLabel('loctype', value);
  if (dim === 'sex') return codeLabel('sex', value);
  if (dim === 'age_band') return value === 'unknown' ? t('common.unknown') : value;
  if (dim === 'origin' || dim === 'country') return codeLabel('country', value);
  return String(value);
}

function csvButton(name, rows, dims) {
  return h('button', { type: 'button', class: 'no-print', 'data-csv': name,
    onclick: () => download(`ubur-${name}.csv`, toCsv(rows.map((r) => ({ ...r, count: countOf(r) })), [...dims.map((d) => [d, d]), ['count', 'count']])) },
  t('common.export_csv'));
}

export async function render(ctx) {
  const asOf = field({ name: 'as_of', label: t('dash.as_of'), type: 'date', value: ctx.query.get('as_of') || new Date().toISOString().slice(0, 10), ltr: true });
  const bar = h('form', { class: 'toolbar' }, asOf, h('button', { type: 'submit' }, t('dash.show')));
  const out = h('div', { id: 'dashboard' }, loading());
  ctx.main.append(heading(t('nav.dashboard')), h('p', { class: 'muted' }, t('dash.about')), bar, out);

  async function load() {
    replace(out, loading());
    const d = normDigits(asOf.control.value);
    try {
      const [byTypeLoc, byGov, byOrigin, bySexAge] = await Promise.all([
        population(['type', 'location_type'], d),
        population(['governorate'], d),
        population(['origin'], d),
        population(['sex', 'age_band'], d),
      ]);
      draw(d, byTypeLoc, byGov, byOrigin, bySexAge);
    } catch (e) {
      replace(out, loadError(e));
    }
  }

  function draw(d, tl, gov, origin, sexAge) {
    const order = (c) => { const i = POPTYPES.indexOf(c); return i < 0 ? 99 : i; };
    const rows = [...tl.rows].sort((a, b) => order(a.type) - order(b.type) || countOf(b) - countOf(a));
    const typeTotal = (code) => rows.filter((r) => r.type === code).reduce((s, r) => s + countOf(r), 0);
    const ref = typeTotal('REF');
    const asy = typeTotal('ASY');
    const gap = tl.total - ref - asy;
    const cards = h('div', { class: 'figures', id: 'figures' },
      h('div', { class: 'figure', 'data-figure': 'total' }, h('span', { class: 'value' }, num(tl.total)), h('span', { class: 'label' }, t('dash.total'))),
      rows.map((r) => h('div', { class: ['figure', !['REF', 'ASY'].includes(r.type) && 'gap'], 'data-figure': `${r.type}-${r.location_type}` },
        h('span', { class: 'value' }, num(countOf(r))),
        h('span', { class: 'label' }, `${dimLabel('type', r.type)} · ${dimLabel('location_type', r.location_type)}`))));
    const main = table([
      { label: t('dash.type'), cell: (r) => (r.total ? t('common.total') : dimLabel('type', r.type)), th: true },
      { label: t('dash.location_type'), cell: (r) => (r.total ? '' : dimLabel('location_type', r.location_type)) },
      { label: t('common.count'), cell: (r) => (r.total ? r.count : countOf(r)), num: true },
      { label: t('dash.share'), cell: (r) => (tl.total ? `${num((100 * (r.total ? r.count : countOf(r))) / tl.total, { maximumFractionDigits: 1 })} %` : ''), num: true },
    ], [...rows, { total: true, count: tl.total }], {
      caption: t('dash.as_of_caption', { date: date(d) }),
      rowClass: (r) => (r.total ? 'total' : !['REF', 'ASY'].includes(r.type) ? 'gap' : undefined),
    });
    const note = gap > 0 ? h('div', { class: 'alert warn', id: 'gap-note' },
      t('dash.gap_note', { total: tl.total, ref: ref, asy: asy, sum: ref + asy, gap })) : null;

    const chartOf = (res, dim, name) => {
      const sorted = [...res.rows].sort((a, b) => countOf(b) - countOf(a));
      return h('section', { class: 'card' }, h('h3', {}, t(`dash.by_${dim}`)),
        barChart(sorted.map((r) => ({ label: dimLabel(dim, r[dim]), value: countOf(r) })), { title: t(`dash.by_${dim}`), width: 420, labelWidth: 140 }),
        table([
          { label: t(`dash.${dim}`), cell: (r) => dimLabel(dim, r[dim]), th: true },
          { label: t('common.count'), cell: (r) => countOf(r), num: true },
        ], sorted),
        csvButton(name, sorted, [dim]));
    };

    const bands = ['0-4', '5-11', '12-17', '18-59', '60+', 'unknown'];
    const sexes = ['F', 'M', 'X'].filter((s) => sexAge.rows.some((r) => r.sex === s && countOf(r)));
    const cell = (s, b) => sexAge.rows.filter((r) => r.sex === s && r.age_band === b).reduce((x, r) => x + countOf(r), 0);
    const demo = h('section', { class: 'card' }, h('h3', {}, t('dash.by_sex_age')),
      table([
        { label: t('dash.age_band'), cell: (b) => dimLabel('age_band', b), th: true },
        ...sexes.map((s) => ({ label: codeLabel('sex', s), cell: (b) => cell(s, b), num: true })),
        { label: t('common.total'), cell: (b) => sexes.reduce((x, s) => x + cell(s, b), 0), num: true },
      ], bands.filter((b) => sexes.some((s) => cell(s, b)))),
      barChart(bands.flatMap((b) => sexes.map((s) => ({ label: `${dimLabel('age_band', b)} · ${codeLabel('sex', s)}`, value: cell(s, b), kind: s === 'F' ? 'alt' : undefined }))).filter((x) => x.value),
        { title: t('dash.by_sex_age') }),
      csvButton('population-sex-age', sexAge.rows, ['sex', 'age_band']));

    replace(out, cards,
      h('h2', {}, t('dash.article_table')), main, note,
      h('div', { class: 'actions' }, csvButton('population-type-location', tl.rows, ['type', 'location_type'])),
      h('div', { class: 'chart-grid' }, chartOf(gov, 'governorate', 'population-governorate'), chartOf(origin, 'origin', 'population-origin')),
      demo);
  }

  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
