// SPDX-License-Identifier: Apache-2.0
//
// Overstayers on a day (today by default): travellers whose authorised stay
// (per visa, or N days in any M-day window for a visa-free entry) ended
// before that day and who had not left by then, longest overstay first, as
// `ubur overstays --as-of` lists them.
//
// API: GET /api/v1/border/overstays?as_of=YYYY-MM-DD

import { h, replace, ltr } from '../dom.js';
import { t, date, num, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, table, loadError, loading } from '../ui.js';
import { listOf, codeLabel } from './common.js';

export async function render(ctx) {
  const asOf = field({ name: 'as_of', label: t('overstays.as_of'), type: 'date', value: new Date().toISOString().slice(0, 10), ltr: true });
  const bar = h('form', { class: 'toolbar' }, asOf, h('button', { type: 'submit' }, t('dash.show')));
  const out = h('div', { id: 'overstays' });
  ctx.main.append(heading(t('nav.overstays')), bar, out);
  async function load() {
    replace(out, loading());
    try {
      const r = await api.get(`/api/v1/border/overstays${api.qs({ as_of: normDigits(asOf.control.value) })}`);
      const rows = listOf(r, 'overstays');
      replace(out, h('p', { class: 'muted' }, t('overstays.count', { n: rows.length, date: date(r.as_of) })), table([
        { label: t('traveller.name'), cell: (o) => ltr([o.surname, o.given_names].filter(Boolean).join(', ')), th: true },
        { label: t('traveller.nationality'), cell: (o) => ltr(o.nationality || '') },
        { label: t('traveller.document'), cell: (o) => ltr(o.document_number || '', 'mono') },
        { label: t('traveller.basis'), cell: (o) => [codeLabel('basis', o.basis), o.visa_number ? [' ', ltr(o.visa_number, 'mono')] : null] },
        { label: t('overstays.entered'), cell: (o) => date(o.entry_date) },
        { label: t('traveller.authorised_until'), cell: (o) => date(o.authorised_until) },
        { label: t('overstays.days'), cell: (o) => num(o.overstay_days), num: true },
      ], rows, { empty: t('overstays.none') }));
    } catch (e) { replace(out, loadError(e)); }
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
