// SPDX-License-Identifier: Apache-2.0
//
// One traveller's movements, for the officer at the counter after a check:
// who he is (name, nationality, birth date, documents), his open stay (since
// when, on what, until when, days over), and his entries, exits and refusals,
// newest first, each with its time, crossing, direction, decision, reasons,
// visa, document and officer. Reached from the check screen's result or by
// its address; the server logs each read in the audit log.
//
// API: GET /api/v1/travellers/{id}/movements

import { h, replace, ltr } from '../dom.js';
import { t, date, num } from '../i18n.js';
import * as api from '../api.js';
import { heading, pairs, table, timeEl, loadError, loading, badge, personName } from '../ui.js';
import { listOf, loadCrossings, crossingName, codeLabel } from './common.js';
import { decisionBadge, reasonText } from './check.js';

export async function render(ctx) {
  const id = ctx.params.id;
  const box = h('div', { id: 'traveller' });
  ctx.main.append(heading(t('nav.traveller_movements')), box);
  replace(box, loading());
  let r;
  let byId = {};
  try {
    const [answer, crossings] = await Promise.all([
      api.get(`/api/v1/travellers/${encodeURIComponent(id)}/movements`),
      loadCrossings().catch(() => []),
    ]);
    r = answer;
    byId = Object.fromEntries(crossings.map((c) => [c.id, c]));
  } catch (e) {
    replace(box, loadError(e));
    return;
  }
  const place = (cid) => crossingName(byId[cid]) || (cid ? ltr(cid, 'mono') : '');
  const p = r.traveller || {};
  const docs = listOf(r, 'documents');
  const moves = listOf(r, 'movements');
  const open = listOf(r, 'stays').find((s) => !s.exit_date);
  const who = pairs([
    [t('traveller.name'), personName([p.surname, p.given_names].filter(Boolean).join(', '))],
    [t('traveller.nationality'), p.nationality ? ltr(p.nationality) : ''],
    [t('traveller.birth_date'), date(p.birth_date)],
    [t('traveller.documents'), docs.length ? docs.map((d, i) => [i ? ', ' : '', ltr(d.document_number, 'mono'),
      d.nationality && d.nationality !== p.nationality ? [' (', ltr(d.nationality), ')'] : null]) : ''],
  ]);
  const stay = open
    ? pairs([
      [t('traveller.basis'), [codeLabel('basis', open.basis), open.visa_number ? [' ', ltr(open.visa_number, 'mono')] : null,
        open.purpose ? ` · ${codeLabel('purpose', open.purpose)}` : '']],
      [t('overstays.entered'), [date(open.entry_date), open.entry_crossing_id ? [' · ', place(open.entry_crossing_id)] : null]],
      [t('traveller.authorised_until'), open.authorised_until ? date(open.authorised_until) : t('traveller.unlimited')],
      [t('overstays.days'), open.overstay_days ? badge('refuse', num(open.overstay_days)) : ''],
    ])
    : h('p', { class: 'muted' }, t('traveller.no_open_stay'));
  replace(box,
    who,
    h('section', { id: 'traveller-stay', 'data-open': open ? 'yes' : 'no' }, heading(t('traveller.open_stay'), 2), stay),
    h('section', { id: 'traveller-movements' }, heading(t('nav.movements'), 2),
      h('p', { class: 'muted' }, t('traveller.movement_count', { n: moves.length })),
      table([
        { label: t('audit.at'), cell: (m) => timeEl(m.at) },
        { label: t('check.crossing'), cell: (m) => place(m.crossing_id) },
        { label: t('movement.kind'), cell: (m) => [codeLabel('movement', m.kind),
          m.kind === 'refusal' && m.direction ? [' · ', t(`direction.${m.direction}`)] : null] },
        { label: t('check.decision'), cell: (m) => [decisionBadge(m.decision),
          m.override_reason ? [' ', badge('warn', t('check.overridden'))] : null] },
        { label: t('check.reasons'), cell: (m) => [listOf(m.reasons).map((x) => h('div', { 'data-code': x.code }, reasonText(x))),
          m.override_reason ? h('div', { class: 'reason-detail' }, h('bdi', {}, m.override_reason)) : null] },
        { label: t('traveller.visa'), cell: (m) => (m.visa_number ? ltr(m.visa_number, 'mono') : '') },
        { label: t('traveller.document'), cell: (m) => ltr(m.document_number || '', 'mono') },
        { label: t('audit.user'), cell: (m) => ltr(m.officer || '') },
      ], moves, { empty: t('traveller.no_movements'), rowClass: (m) => `movement-${m.kind}` })));
}
