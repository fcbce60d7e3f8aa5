// SPDX-License-Identifier: Apache-2.0
//
// Screening a name against the watchlists: a name in any script, with date
// of birth, nationality and sex as evidence; hits by score with the
// explanation of which parts matched and how.
//
// API: POST /api/v1/screenings {name, dob?, nationality?, sex?}

import { h, replace, ltr } from '../dom.js';
import { t, pct, num, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table } from '../ui.js';
import { listOf, codeLabel } from './common.js';
import { explanation } from './cases.js';

export async function render(ctx) {
  const name = field({ name: 'name', label: t('screen.name'), required: true, hint: t('screen.name_hint'), attrs: { autocomplete: 'off', dir: 'auto' } });
  const dob = field({ name: 'dob', label: t('reg.birth_date'), ltr: true, hint: t('wl.dob_hint') });
  const nat = field({ name: 'nationality', label: t('traveller.nationality'), ltr: true, attrs: { maxlength: 3 } });
  const sex = field({ name: 'sex', label: t('reg.sex'), value: '', options: [['', '—'], ['F', t('sex.F')], ['M', t('sex.M')]] });
  const go = h('button', { type: 'submit', class: 'primary' }, t('screen.send'));
  const out = h('section', { 'aria-live': 'polite', id: 'screen-result' });
  const f = h('form', { novalidate: true }, h('div', { class: 'form-grid' }, name, dob, nat, sex), h('div', { class: 'actions' }, go));
  ctx.main.append(heading(t('nav.screen')), f, out);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    const body = { name: name.control.value.trim() };
    if (!body.name) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'name'));
    if (dob.control.value.trim()) body.dob = normDigits(dob.control.value.trim());
    if (nat.control.value.trim()) body.nationality = nat.control.value.trim().toUpperCase();
    if (sex.control.value) body.sex = sex.control.value;
    try {
      const r = await busy(go, () => api.post('/api/v1/screenings', body));
      const hits = listOf(r.hits);
      replace(out, h('p', {}, t('screen.hits', { n: hits.length }), r.elapsed_us !== undefined ? [' ', h('span', { class: 'muted' }, t('screen.elapsed', { ms: num(r.elapsed_us / 1000, { maximumFractionDigits: 2 }) }))] : null),
        table([
          { label: t('cases.score'), cell: (x) => h('span', { class: 'score' }, pct(x.score, 0)), num: true },
          { label: t('cases.entry'), cell: (x) => [h('bdi', {}, x.name || ''), x.matched_name && x.matched_name !== x.name ? [' (', h('bdi', {}, x.matched_name), ')'] : ''] },
          { label: t('wl.reference'), cell: (x) => ltr(x.reference || '', 'mono') },
          { label: t('cases.list'), cell: (x) => x.list || '' },
          { label: t('wl.action'), cell: (x) => codeLabel('wlaction', x.action) },
          { label: t('cases.explanation'), cell: (x) => ltr(explanation(x.explanation)) },
        ], hits, { empty: t('screen.no_hits') }));
    } catch (err) { showError(f, err); }
  });
  name.control.focus();
}
