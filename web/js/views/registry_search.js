// SPDX-License-Identifier: Apache-2.0
//
// Searching the registry (registration officers, supervisors): by name in
// either script, individual or group number, population type, status and
// location; results open the individual's record. Every search is audited
// by the server as a read of the records it returns.
//
// API: GET /api/v1/individuals?q=&group=&population_type=&status=&location=&limit=&offset=

import { h, replace, ltr } from '../dom.js';
import { t, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, heading, table, badge, loadError, loading } from '../ui.js';
import { listOf, codeLabel } from './common.js';
import { POPTYPES, fullName } from './register.js';

const PAGE = 50;

export async function render(ctx) {
  const q = field({ name: 'q', label: t('reg.search_name'), value: ctx.query.get('q') || '', attrs: { type: 'search', autocomplete: 'off', id: 'registry-q' } });
  const group = field({ name: 'group', label: t('reg.group_number'), ltr: true, value: ctx.query.get('group') || '' });
  const type = field({ name: 'population_type', label: t('reg.population_type'), value: '', options: [['', t('common.all')], ...POPTYPES.map((c) => [c, `${c} · ${codeLabel('poptype', c)}`])] });
  const status = field({ name: 'status', label: t('reg.status'), value: 'active', options: [['', t('common.all')], ...['active', 'inactive', 'closed'].map((s) => [s, codeLabel('rstatus', s)])] });
  const bar = h('form', { class: 'toolbar', role: 'search', id: 'registry-search' }, q, group, type, status, h('button', { type: 'submit', class: 'primary' }, t('common.search')));
  const out = h('div', { id: 'registry-results' });
  const pager = h('div', { class: 'pager' });
  let offset = 0;
  ctx.main.append(heading(t('nav.registry_search')), bar, out, pager);

  async function load() {
    replace(out, loading());
    try {
      const r = await api.get(`/api/v1/individuals${api.qs({ q: normDigits(q.control.value.trim()), group: group.control.value.trim(), population_type: type.control.value, status: status.control.value, limit: PAGE, offset })}`);
      const rows = listOf(r, 'individuals');
      replace(out, table([
        { label: t('reg.number'), cell: (p) => h('a', { href: `/registry/individuals/${encodeURIComponent(p.id)}` }, ltr(p.individual_number || p.id.slice(0, 8), 'mono')), th: true },
        { label: t('reg.name'), cell: (p) => ltr(fullName(p)) },
        { label: t('reg.name_ar'), cell: (p) => h('bdi', { lang: 'ar', dir: 'rtl' }, fullName(p, true)) },
        { label: t('reg.sex'), cell: (p) => codeLabel('sex', p.sex) },
        { label: t('reg.birth_date'), cell: (p) => [date(p.birth_date), p.birth_date_estimated ? ` (${t('reg.estimated')})` : ''] },
        { label: t('reg.population_type'), cell: (p) => ltr(p.population_type || '') },
        { label: t('reg.group_number'), cell: (p) => ltr(p.group_number || '', 'mono') },
        { label: t('reg.status'), cell: (p) => badge(p.status, codeLabel('rstatus', p.status)) },
      ], rows, { onRow: (p) => ctx.navigate(`/registry/individuals/${encodeURIComponent(p.id)}`), empty: t('reg.no_results') }));
      replace(pager,
        h('button', { type: 'button', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, t('common.newer')),
        h('button', { type: 'button', disabled: rows.length < PAGE, onclick: () => { offset += PAGE; load(); } }, t('common.older')));
    } catch (e) {
      replace(out, loadError(e));
    }
  }
  bar.addEventListener('submit', (e) => { e.preventDefault(); offset = 0; load(); });
  q.control.focus();
  if (q.control.value || group.control.value) await load();
}
