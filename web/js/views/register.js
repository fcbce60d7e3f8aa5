// SPDX-License-Identifier: Apache-2.0
//
// Registering a household or a case (registration officer): where it lives,
// then each member with names in Arabic script and in Latin, sex, date of
// birth (possibly estimated), origin, citizenship, population type and
// relationship to the focal point. While the officer types, each member is
// compared with the registry and likely duplicates are listed beside the
// member with their scores ("live duplicate candidates"). The server checks
// again on submission: when it finds likely duplicates it registers nothing
// and answers 409; the officer then opens the candidates, or confirms that
// these are new people and registers anyway.
//
// API: POST /api/v1/households {kind, location, registered_on, members[], check_duplicates}
//      POST /api/v1/individuals/candidates (optional; live candidates)
//      GET  /api/v1/locations (optional)

import { h, replace, ltr } from '../dom.js';
import { t, normDigits, pct, date } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, errorText } from '../ui.js';
import { listOf, localName, codeLabel } from './common.js';

export const POPTYPES = ['REF', 'ROC', 'ASY', 'OIP', 'IDP', 'IOC', 'STA', 'OOC', 'HST', 'RET', 'RST', 'NAT', 'RDP'];
export const RELATIONS = ['focal_point', 'spouse', 'child', 'parent', 'sibling', 'grandchild', 'grandparent', 'other_relative', 'unrelated'];
const NAMES = ['given_name', 'father_name', 'grandfather_name', 'family_name'];

export function candidatesRoute() {
  return api.firstRoute('POST', '/api/v1/individuals/candidates', '/api/v1/registry/candidates', '/api/v1/individuals/duplicates');
}

export async function loadLocations() {
  if (!api.hasRoute('GET', '/api/v1/locations')) return null;
  try { return listOf(await api.get('/api/v1/locations'), 'locations'); } catch { return null; }
}

export function locationOptions(locs) {
  return locs.map((l) => [l.pcode || l.id, `${'· '.repeat(['country', 'governorate', 'district', 'site'].indexOf(l.level) + 1 || 1)}${localName(l)}`]);
}

export function fullName(p, ar = false) {
  const s = ar ? '_ar' : '';
  return NAMES.map((n) => p[n + s]).filter(Boolean).join(' ') || (ar ? p.name_ar : p.name) || '';
}

export async function render(ctx) {
  const locs = await loadLocations();
  const today = new Date().toISOString().slice(0, 10);
  const kind = field({ name: 'kind', label: t('reg.kind'), value: 'household', options: [['household', t('reg.household')], ['case', t('reg.case')]] });
  const location = locs
    ? field({ name: 'location', label: t('reg.location'), required: true, options: [['', '—'], ...locationOptions(locs)] })
    : field({ name: 'location', label: t('reg.location'), required: true, ltr: true, hint: t('reg.location_hint') });
  const registeredOn = field({ name: 'registered_on', label: t('reg.registered_on'), type: 'date', value: today, ltr: true });
  const membersBox = h('div', { id: 'members' });
  const addBtn = h('button', { type: 'button', id: 'add-member' }, t('reg.add_member'));
  const submit = h('button', { type: 'submit', class: 'primary', id: 'register-submit' }, t('reg.submit'));
  const dupBox = h('div', { 'aria-live': 'polite', id: 'dup-warning' });
  const form = h('form', { novalidate: true, id: 'register-form' },
    h('fieldset', {}, h('legend', {}, t('reg.group')), h('div', { class: 'form-grid' }, kind, location, registeredOn)),
    membersBox, h('div', { class: 'actions' }, addBtn), dupBox, h('div', { class: 'actions' }, submit));
  ctx.main.append(heading(t('nav.register')), form);

  const members = [];
  const candRoute = candidatesRoute();

  function memberBlock(index) {
    const m = {};
    const f = (o) => { const x = field({ ...o, name: o.name }); m[o.name] = x; return x; };
    const wrap = h('fieldset', { class: 'member', 'data-member': index },
      h('legend', {}, t('reg.member', { n: index + 1 })),
      h('div', { class: 'form-grid' },
        f({ name: 'relationship', label: t('reg.relationship'), value: index === 0 ? 'focal_point' : 'child', options: RELATIONS.map((r) => [r, codeLabel('relation', r)]) }),
        f({ name: 'population_type', label: t('reg.population_type'), value: 'REF', options: POPTYPES.map((c) => [c, `${c} · ${codeLabel('poptype', c)}`]) }),
        f({ name: 'sex', label: t('reg.sex'), required: true, value: '', options: [['', '—'], ['F', t('sex.F')], ['M', t('sex.M')], ['X', t('sex.X')]] }),
        f({ name: 'birth_date', label: t('reg.birth_date'), type: 'date', ltr: true }),
        f({ name: 'birth_date_estimated', label: t('reg.birth_estimated'), type: 'checkbox', inline: true }),
        f({ name: 'origin', label: t('reg.origin'), value: 'IRQ', ltr: true, attrs: { maxlength: 3, autocapitalize: 'characters' } }),
        f({ name: 'citizenship', label: t('reg.citizenship'), value: 'IRQ', ltr: true, attrs: { maxlength: 3, autocapitalize: 'characters' } })),
      h('div', { class: 'form-grid', lang: 'ar', dir: 'rtl' }, NAMES.map((n) => f({ name: `${n}_ar`, label: t(`reg.${n}_ar`), attrs: { lang: 'ar', dir: 'rtl', autocomplete: 'off' } }))),
      h('div', { class: 'form-grid' }, NAMES.map((n) => f({ name: n, label: t(`reg.${n}`), ltr: true, attrs: { autocomplete: 'off' } }))));
    const cand = h('div', { class: 'member-candidates', 'aria-live': 'polite' });
    wrap.append(cand);
    if (index > 0) {
      wrap.append(h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => { wrap.remove(); members.splice(members.indexOf(entry), 1); renumber(); } }, t('reg.remove_member'))));
    }
    const entry = { wrap, m, cand, timer: null, seq: 0 };
    if (candRoute) {
      wrap.addEventListener('input', () => { clearTimeout(entry.timer); entry.timer = setTimeout(() => liveCandidates(entry), 450); });
      wrap.addEventListener('change', () => { clearTimeout(entry.timer); entry.timer = setTimeout(() => liveCandidates(entry), 150); });
    }
    return entry;
  }

  function renumber() {
    members.forEach((e, i) => {
      e.wrap.dataset.member = i;
      replace(e.wrap.querySelector('legend'), t('reg.member', { n: i + 1 }));
    });
  }

  function addMember() {
    const e = memberBlock(members.length);
    members.push(e);
    membersBox.append(e.wrap);
    return e;
  }

  function person(e) {
    const p = {};
    for (const [k, c] of Object.entries(e.m)) {
      const el = c.control;
      if (el.type === 'checkbox') { if (el.checked) p[k] = true; continue; }
      const v = normDigits(el.value).trim();
      if (v) p[k] = ['origin', 'citizenship'].includes(k) ? v.toUpperCase() : v;
    }
    return p;
  }

  async function liveCandidates(e) {
    const p = person(e);
    if (!(p.given_name || p.given_name_ar) || !(p.family_name || p.family_name_ar || p.father_name || p.father_name_ar)) return;
    const seq = ++e.seq;
    try {
      const r = await api.post(candRoute, p);
      if (seq !== e.seq) return;
      showCandidates(e.cand, listOf(r, 'candidates'));
    } catch {
      /* live hints are best effort; the server checks again on submission */
    }
  }

  function showCandidates(box, list) {
    if (!list.length) return replace(box);
    return replace(box, h('div', { class: 'alert warn candidates', role: 'status' },
      h('strong', {}, t('reg.candidates', { n: list.length })),
      table([
        { label: t('reg.score'), cell: (c) => h('span', { class: 'score' }, pct(c.score, 0)) },
        { label: t('reg.number'), cell: (c) => h('a', { href: `/registry/individuals/${encodeURIComponent((c.person || c).id)}`, target: '_blank', rel: 'noopener' }, ltr((c.person || c).individual_number || (c.person || c).id.slice(0, 8), 'mono')) },
        { label: t('reg.name'), cell: (c) => [ltr(fullName(c.person || c)), ' ', h('bdi', { lang: 'ar' }, fullName(c.person || c, true))] },
        { label: t('reg.birth_date'), cell: (c) => date((c.person || c).birth_date) },
        { label: t('reg.origin'), cell: (c) => ltr((c.person || c).origin || '') },
      ], list)));
  }

  addBtn.addEventListener('click', () => { const e = addMember(); e.m.relationship.control.focus(); });
  addMember();

  async function send(checkDuplicates) {
    clearErrors(form);
    replace(dupBox);
    const body = {
      kind: kind.control.value,
      location: location.control.value.trim(),
      registered_on: normDigits(registeredOn.control.value),
      members: members.map(person),
    };
    if (!checkDuplicates) body.check_duplicates = false;
    try {
      const r = await busy(submit, () => api.post('/api/v1/households', body), t('reg.registering'));
      const g = r.group || r.household || r;
      const first = listOf(r.members || g.members)[0];
      replace(ctx.main, heading(t('reg.done_title')),
        h('div', { class: 'alert ok', role: 'status', id: 'register-done' }, t('reg.done', { number: g.group_number || g.number || '', n: body.members.length })),
        first && first.id ? h('p', {}, h('a', { href: `/registry/individuals/${encodeURIComponent(first.id)}` }, t('reg.open_focal'))) : null,
        h('p', {}, h('a', { href: '/registry/new', onclick: (ev) => { ev.preventDefault(); ctx.navigate('/registry/new', { replace: true }); } }, t('reg.another'))));
      ctx.main.querySelector('.page-title').focus();
    } catch (err) {
      if (err.status === 409 && err.code === 'conflict' && (!err.field || /member|dup|candidate/.test(err.field))) {
        const cands = listOf(err.body && (err.body.candidates || (err.body.error && err.body.error.candidates)));
        replace(dupBox, h('div', { class: 'alert warn', role: 'alert', id: 'dup-alert' },
          h('p', {}, h('strong', {}, t('reg.duplicates_found'))), h('p', {}, errorText(err)),
          cands.length ? h('div', { class: 'member-candidates' }) : null,
          h('div', { class: 'actions' }, h('button', { type: 'button', id: 'register-anyway', onclick: () => send(false) }, t('reg.register_anyway')))));
        if (cands.length) showCandidates(dupBox.querySelector('.member-candidates'), cands);
        dupBox.querySelector('#register-anyway').focus();
        return;
      }
      // A member's field: "members[1].sex" or "members.1.sex".
      const m = /^members[.[](\d+)\]?\.(\w+)$/.exec(err.field || '');
      if (m && members[Number(m[1])]) {
        err.field = m[2];
        showError(members[Number(m[1])].wrap, err);
      } else {
        showError(form, err);
      }
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); send(true); });
  location.control.focus();
}
