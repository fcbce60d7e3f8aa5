// SPDX-License-Identifier: Apache-2.0
//
// Group and convoy checks: a pilgrim group or a repatriation convoy in one
// request. The officer scans every member's document into one box (a blank
// line, or simply the next scan, separates documents); the answer has one
// decision per person and a group summary; then one step records every
// admitted and refused member; referrals stay pending for secondary
// inspection, each then resolved here (admit or refuse, with a reason).
//
// API: POST /api/v1/border/checks {crossing_id, direction, group:{kind, name}, travellers:[{mrz}]}
//      POST /api/v1/border/groups/{id}/confirm
//      POST /api/v1/border/checks/{id}/confirm {decision, reason} (a referred member)

import { h, replace, ltr } from '../dom.js';
import { t, num } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, progress, errorText } from '../ui.js';
import { listOf, loadCrossings, crossingName, codeLabel } from './common.js';
import { decisionBadge, reasonText, mrzComplete } from './check.js';

// Splits scanned text into documents: by blank lines, else by complete MRZs.
export function splitDocuments(text) {
  const lines = text.toUpperCase().replace(/«/g, '<').replace(/[ \t]/g, '').split(/\r?\n/);
  const docs = [];
  let cur = [];
  for (const l of lines) {
    if (!l) { if (cur.length) docs.push(cur); cur = []; continue; }
    cur.push(l);
    if (mrzComplete(cur)) { docs.push(cur); cur = []; }
  }
  if (cur.length) docs.push(cur);
  return docs.map((d) => d.join('\n'));
}

// The server's kinds (border_check.c); any other is a 400.
export const GROUP_KINDS = ['pilgrims', 'convoy', 'delegation', 'family', 'other'];

export async function render(ctx) {
  const crossings = await loadCrossings();
  const crossing = field({ name: 'crossing_id', label: t('check.crossing'), options: crossings.map((c) => [c.id, crossingName(c)]) });
  const direction = field({ name: 'direction', label: t('check.direction'), options: [['entry', t('direction.entry')], ['exit', t('direction.exit')]] });
  const kind = field({ name: 'kind', label: t('group.kind'), options: GROUP_KINDS.map((k) => [k, codeLabel('gkind', k)]) });
  const ref = field({ name: 'name', label: t('group.reference'), hint: t('group.reference_hint') });
  const docs = field({ name: 'travellers', label: t('group.documents'), kind: 'textarea', rows: 10, ltr: true, wide: true, hint: t('group.documents_hint'),
    attrs: { class: 'mrz', spellcheck: 'false', autocomplete: 'off' } });
  const returnee = field({ name: 'returnee', label: t('group.returnees'), type: 'checkbox', inline: true });
  const cargo = field({ name: 'cargo', label: t('group.cargo'), type: 'checkbox', inline: true });
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary' }, t('group.check'));
  const out = h('section', { 'aria-live': 'polite', id: 'group-result' });
  const f = h('form', { novalidate: true }, h('div', { class: 'form-grid' }, crossing, direction, kind, ref), h('div', { class: 'form-grid' }, returnee, cargo), docs, count, h('div', { class: 'actions' }, go));
  ctx.main.append(heading(t('nav.group_check')), f, out);
  docs.control.addEventListener('input', () => replace(count, t('group.count', { n: splitDocuments(docs.control.value).length })));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    // A repatriation convoy: every member a returnee; a goods convoy: every member cargo crew.
    const flags = { ...(returnee.control.checked ? { returnee: true } : {}), ...(cargo.control.checked ? { cargo: true } : {}) };
    const travellers = splitDocuments(docs.control.value).map((mrz) => ({ mrz, ...flags }));
    if (!travellers.length) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'travellers'));
    const prog = progress(t('group.checking', { n: travellers.length }));
    replace(out, prog);
    try {
      const group = { kind: kind.control.value };
      if (ref.control.value.trim()) group.name = ref.control.value.trim();
      const body = { crossing_id: crossing.control.value, direction: direction.control.value, group, travellers };
      const r = await busy(go, () => api.post('/api/v1/border/checks', body));
      const results = listOf(r.results);
      const sum = r.summary || {};
      const record = h('button', { type: 'button', class: 'primary', id: 'group-record' }, t('group.record'));
      const recorded = h('div', { 'aria-live': 'polite' });
      record.addEventListener('click', async () => {
        try {
          const c = await busy(record, () => api.post(`/api/v1/border/groups/${encodeURIComponent(r.group_id)}/confirm`, {}));
          const cs = c.summary || {};
          record.disabled = true;
          // Each referred member is resolved on his own after the secondary inspection.
          const pending = new Set(listOf(c.pending));
          const referred = results.filter((x) => pending.has(x.id));
          replace(recorded, h('div', { class: 'alert ok', role: 'status', id: 'group-recorded' },
            t('group.recorded', { entries: cs.entries ?? 0, exits: cs.exits ?? 0, refusals: cs.refusals ?? 0, pending: cs.pending ?? 0 })),
          referred.length ? h('section', { id: 'group-pending' }, h('h3', {}, t('group.pending_title')), referred.map(resolveForm)) : null);
        } catch (err) {
          replace(recorded, h('div', { class: 'alert error', role: 'alert' }, errorText(err)));
        }
      });
      replace(out, h('div', { class: 'figures' }, ['admit', 'refer', 'refuse'].map((d) => h('div', { class: 'figure', 'data-figure': d },
        h('span', { class: 'value' }, num(sum[d] ?? results.filter((x) => x.decision === d).length)), h('span', { class: 'label' }, decisionBadge(d))))),
      table([
        { label: '#', cell: (x, i) => i + 1, num: true },
        { label: t('check.decision'), cell: (x) => decisionBadge(x.decision) },
        { label: t('traveller.document'), cell: (x) => ltr((x.document && x.document.document_number) || '', 'mono') },
        { label: t('traveller.name'), cell: (x) => ltr(x.document ? [x.document.surname, x.document.given_names].filter(Boolean).join(', ') : '') },
        { label: t('check.reasons'), cell: (x) => listOf(x.reasons).map(reasonText).join('; ') },
      ], results),
      h('p', { class: 'muted' }, t('group.record_hint')),
      h('div', { class: 'actions' }, record), recorded);
      record.focus();
    } catch (err) {
      replace(out);
      const m = /^travellers\[(\d+)\]\.(.*)$/.exec(err.field || '');
      if (m) { err.message = `${t('group.member_n', { n: Number(m[1]) + 1 })}: ${err.message}`; err.field = 'travellers'; }
      showError(f, err);
    }
  });
  docs.control.focus();
}

// One referred member's resolution: admit or refuse, with the reason (POST .../confirm).
function resolveForm(x) {
  const who = x.document ? [x.document.surname, x.document.given_names].filter(Boolean).join(', ') : '';
  const dec = field({ name: 'decision', label: t('check.override_to'), options: ['admit', 'refuse'].map((d) => [d, t(`decision.${d}`)]) });
  const why = field({ name: 'reason', label: t('check.override_reason'), required: true });
  const go = h('button', { type: 'submit' }, t('check.override_record'));
  const done = h('span', { 'aria-live': 'polite' });
  const f = h('form', { novalidate: true, class: 'group-resolve', 'data-check': x.id },
    h('fieldset', {}, h('legend', {}, ltr((x.document && x.document.document_number) || ''), ' ', ltr(who), ' · ', listOf(x.reasons).map(reasonText).join('; ')),
      h('div', { class: 'form-grid' }, dec, why), h('div', { class: 'actions' }, go, done)));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    if (!why.control.value.trim()) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'reason'));
    try {
      const rec = await busy(go, () => api.post(`/api/v1/border/checks/${encodeURIComponent(x.id)}/confirm`, { decision: dec.control.value, reason: why.control.value.trim() }));
      go.disabled = true;
      replace(done, decisionBadge((rec && rec.decision) || dec.control.value), ' ', t('group.member_recorded'));
    } catch (err) { showError(f, err); }
  });
  return f;
}
