// SPDX-License-Identifier: Apache-2.0
//
// One registered individual (registration officers, supervisors): identity
// in both scripts, group, documents, specific needs, and the history of
// status, population type and location. Two kinds of update, as the registry
// distinguishes them: an event that takes effect on a date (a new status,
// type or location, with a reason), and a correction of recorded facts
// (names, sex, date of birth), which is retroactive. Opening the record is
// audited by the server.
//
// API: GET  /api/v1/individuals/{id}
//      POST /api/v1/individuals/{id}/events      (optional)
//      PATCH /api/v1/individuals/{id}            (optional; corrections)

import { h, replace, ltr } from '../dom.js';
import { t, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, badge, pairs, loadError, timeEl } from '../ui.js';
import { listOf, codeLabel } from './common.js';
import { POPTYPES, fullName } from './register.js';

export async function render(ctx) {
  const id = ctx.params.id;
  const box = h('div', {});
  ctx.main.append(heading(t('nav.individual')), box);
  let p;
  try {
    const r = await api.get(`/api/v1/individuals/${encodeURIComponent(id)}`);
    p = r.individual || r;
  } catch (e) {
    replace(box, loadError(e));
    return;
  }
  const title = ctx.main.querySelector('.page-title');
  replace(title, ltr(fullName(p) || p.individual_number), ' ', h('bdi', { lang: 'ar' }, fullName(p, true)));
  const eventPath = api.hasRoute('POST', '/api/v1/individuals/{id}/events') ? `/api/v1/individuals/${encodeURIComponent(id)}/events` : null;
  const correctPath = api.hasRoute('PATCH', '/api/v1/individuals/{id}') ? `/api/v1/individuals/${encodeURIComponent(id)}` : null;
  replace(box,
    h('div', { class: 'card' }, pairs([
      [t('reg.number'), ltr(p.individual_number || '', 'mono')],
      [t('reg.group_number'), p.group_number ? h('a', { href: `/registry?group=${encodeURIComponent(p.group_number)}` }, ltr(p.group_number, 'mono')) : ''],
      [t('reg.relationship'), codeLabel('relation', p.relationship)],
      [t('reg.sex'), codeLabel('sex', p.sex)],
      [t('reg.birth_date'), [date(p.birth_date), p.birth_date_estimated ? ` (${t('reg.estimated')})` : '']],
      [t('reg.origin'), ltr(p.origin || '')],
      [t('reg.citizenship'), ltr(p.citizenship || '')],
      [t('reg.population_type'), p.population_type ? `${p.population_type} · ${codeLabel('poptype', p.population_type)}` : ''],
      [t('reg.location'), p.location_name || p.location || ''],
      [t('reg.status'), p.status ? badge(p.status, codeLabel('rstatus', p.status)) : ''],
      [t('reg.registered_on'), date(p.registered_on)],
      [t('reg.returnee_on'), date(p.returnee_on)],
      [t('reg.merged_into'), p.merged_into ? ltr(p.merged_into, 'mono') : ''],
    ])),
    listOf(p.documents).length ? [h('h2', {}, t('reg.documents')), table([
      { label: t('reg.doc_type'), cell: (d) => codeLabel('rdoc', d.doc_type || d.type) },
      { label: t('reg.doc_number'), cell: (d) => ltr(d.number || '', 'mono') },
      { label: t('reg.doc_country'), cell: (d) => ltr(d.issuing_country || '') },
      { label: t('visa.valid_until'), cell: (d) => date(d.expires_on) },
    ], listOf(p.documents))] : null,
    listOf(p.needs).length ? [h('h2', {}, t('reg.needs')), h('ul', {}, listOf(p.needs).map((n) => h('li', {}, `${n.code} · ${codeLabel('need', n.code)}`, n.detail ? ` — ${n.detail}` : '')))] : null,
    h('h2', {}, t('reg.history')), table([
      { label: t('reg.effective_on'), cell: (x) => date(x.effective_on) },
      { label: t('reg.status'), cell: (x) => (x.status ? codeLabel('rstatus', x.status) : '') },
      { label: t('reg.population_type'), cell: (x) => ltr(x.population_type || '') },
      { label: t('reg.location'), cell: (x) => x.location || '' },
      { label: t('visa.reason'), cell: (x) => x.reason || '' },
      { label: t('reg.recorded'), cell: (x) => [timeEl(x.recorded_at), x.recorded_by ? [' · ', ltr(x.recorded_by)] : ''] },
    ], listOf(p.history)),
    eventPath ? eventForm(eventPath, p) : null,
    correctPath ? correctForm(correctPath, p) : null);

  function eventForm(path, cur) {
    const today = new Date().toISOString().slice(0, 10);
    const eff = field({ name: 'effective_on', label: t('reg.effective_on'), type: 'date', value: today, ltr: true });
    const st = field({ name: 'status', label: t('reg.status'), value: '', options: [['', t('reg.unchanged')], ...['active', 'inactive', 'closed'].map((s) => [s, codeLabel('rstatus', s)])] });
    const ty = field({ name: 'population_type', label: t('reg.population_type'), value: '', options: [['', t('reg.unchanged')], ...POPTYPES.map((c) => [c, `${c} · ${codeLabel('poptype', c)}`])] });
    const loc = field({ name: 'location', label: t('reg.location'), ltr: true, hint: t('reg.location_hint') });
    const why = field({ name: 'reason', label: t('visa.reason'), required: true });
    const go = h('button', { type: 'submit', class: 'primary' }, t('reg.record_event'));
    const f = h('form', { novalidate: true, id: 'event-form' }, h('fieldset', {}, h('legend', {}, t('reg.update')), h('div', { class: 'form-grid' }, eff, st, ty, loc, why), h('div', { class: 'actions' }, go)));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const body = { effective_on: normDigits(eff.control.value), reason: why.control.value.trim() };
      if (st.control.value) body.status = st.control.value;
      if (ty.control.value) body.population_type = ty.control.value;
      if (loc.control.value.trim()) body.location = loc.control.value.trim();
      try {
        await busy(go, () => api.post(path, body));
        ctx.navigate(`/registry/individuals/${encodeURIComponent(cur.id)}`, { replace: true });
      } catch (err) { showError(f, err); }
    });
    return f;
  }

  function correctForm(path, cur) {
    const names = ['given_name', 'father_name', 'family_name', 'given_name_ar', 'father_name_ar', 'family_name_ar'];
    const fields = names.map((n) => field({ name: n, label: t(`reg.${n}`), value: cur[n] || '', ltr: !n.endsWith('_ar'), attrs: n.endsWith('_ar') ? { lang: 'ar', dir: 'rtl' } : {} }));
    const bd = field({ name: 'birth_date', label: t('reg.birth_date'), type: 'date', value: cur.birth_date || '', ltr: true });
    const go = h('button', { type: 'submit' }, t('reg.correct'));
    const f = h('form', { novalidate: true, id: 'correct-form' }, h('details', {}, h('summary', {}, t('reg.correct_title')),
      h('p', { class: 'muted' }, t('reg.correct_hint')), h('div', { class: 'form-grid' }, fields, bd), h('div', { class: 'actions' }, go)));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const body = {};
      fields.forEach((x, i) => { const v = x.control.value.trim(); if (v !== (cur[names[i]] || '')) body[names[i]] = v; });
      if (bd.control.value && bd.control.value !== cur.birth_date) body.birth_date = normDigits(bd.control.value);
      if (!Object.keys(body).length) return;
      try {
        await busy(go, () => api.patch(path, body));
        ctx.navigate(`/registry/individuals/${encodeURIComponent(cur.id)}`, { replace: true });
      } catch (err) { showError(f, err); }
    });
    return f;
  }
}
