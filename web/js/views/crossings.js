// SPDX-License-Identifier: Apache-2.0
//
// Crossing points in pairs (one on each side), with the operating mode in
// force now and the changes scheduled for later dates; a supervisor (or
// whoever the route table allows) schedules a change: a mode from a date.
//
// API: GET /api/v1/crossings; GET /api/v1/crossings/{id} (schedule, optional)
//      POST /api/v1/crossings/{id}/schedule {mode, from, hours?, categories?, note?}

import { h, replace, ltr } from '../dom.js';
import { t, dateTime, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, badge, loadError, loading } from '../ui.js';
import { listOf, loadCrossings, localName, codeLabel } from './common.js';

export const MODES = ['open', 'closed', 'humanitarian', 'cargo', 'groups', 'restricted_hours'];

export function modeBadge(m) {
  const kind = m === 'open' ? 'open' : m === 'closed' ? 'closed' : 'restricted';
  return badge(kind, codeLabel('mode', m));
}

export async function render(ctx) {
  const out = h('div', { id: 'crossings' }, loading());
  const formBox = h('div', {});
  ctx.main.append(heading(t('nav.crossings')), out, formBox);
  let list;
  try {
    list = await loadCrossings(true);
  } catch (e) {
    replace(out, loadError(e));
    return;
  }
  const byId = Object.fromEntries(list.map((c) => [c.id, c]));
  const canSchedule = api.roleMay(ctx.session.user.role, 'POST', '/api/v1/crossings/{id}/schedule');
  replace(out, table([
    { label: t('crossing.name'), cell: (c) => localName(c), th: true },
    { label: t('crossing.state'), cell: (c) => codeLabel('state', c.state) },
    { label: t('crossing.governorate'), cell: (c) => localName(c, 'governorate') },
    { label: t('crossing.partner'), cell: (c) => (byId[c.partner_id || (c.partner && c.partner.id)] ? localName(byId[c.partner_id || c.partner.id]) : localName(c.partner || {})) },
    { label: t('crossing.mode'), cell: (c) => [modeBadge(c.mode), c.hours ? [' ', ltr(c.hours, 'mono')] : null, c.mode_since ? h('div', { class: 'muted' }, t('crossing.since', { date: dateTime(c.mode_since) })) : null] },
    { label: t('crossing.next'), cell: (c) => {
      const next = c.next_change || listOf(c.schedule || c.scheduled).find((s) => new Date(s.from || s.effective_from) > new Date());
      return next ? [modeBadge(next.mode), ' ', t('crossing.from'), ' ', dateTime(next.from || next.effective_from)] : '';
    } },
    { label: t('crossing.coordinates'), cell: (c) => (c.latitude !== undefined && c.latitude !== null ? ltr(`${Number(c.latitude).toFixed(4)}, ${Number(c.longitude).toFixed(4)}`, 'mono') : '') },
  ], list));
  if (!canSchedule) return;
  // Only the crossings this user may schedule: his own state's (an admin: every one).
  const user = ctx.session.user;
  const mine = list.filter((c) => user.role === 'admin' || !user.state || c.state === user.state);
  const which = field({ name: 'crossing_id', label: t('crossing.name'), options: mine.map((c) => [c.id, localName(c)]) });
  const mode = field({ name: 'mode', label: t('crossing.mode'), options: MODES.map((m) => [m, codeLabel('mode', m)]) });
  // The times shown on this screen are UTC; so is the one typed here.
  const from = field({ name: 'from', label: t('crossing.from_utc'), type: 'datetime-local', required: true, ltr: true });
  const hours = field({ name: 'hours', label: t('crossing.hours'), hint: t('crossing.hours_hint'), ltr: true,
    attrs: { placeholder: '08:00-16:00', autocomplete: 'off', spellcheck: 'false' } });
  const cats = field({ name: 'categories', label: t('crossing.categories'), hint: t('crossing.categories_hint'), ltr: true, wide: true,
    attrs: { autocomplete: 'off', spellcheck: 'false' } });
  const note = field({ name: 'note', label: t('crossing.note'), wide: true });
  const showHours = () => { hours.hidden = mode.control.value === 'closed'; cats.hidden = mode.control.value === 'closed'; };
  mode.control.addEventListener('change', showHours);
  showHours();
  const go = h('button', { type: 'submit', class: 'primary' }, t('crossing.schedule'));
  const f = h('form', { novalidate: true, id: 'schedule-form' }, h('fieldset', {}, h('legend', {}, t('crossing.schedule_title')),
    h('div', { class: 'form-grid' }, which, mode, from, hours), cats, note, h('div', { class: 'actions' }, go)));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    const v = normDigits(from.control.value);
    if (!v) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'from'));
    const body = { mode: mode.control.value, from: `${v.length === 16 ? `${v}:00` : v}Z` };
    if (mode.control.value !== 'closed') {
      const hv = normDigits(hours.control.value.trim());
      const cv = cats.control.value.trim();
      if (hv) body.hours = hv;
      if (cv) body.categories = cv;
    }
    if (note.control.value.trim()) body.note = note.control.value.trim();
    try {
      await busy(go, () => api.post(`/api/v1/crossings/${encodeURIComponent(which.control.value)}/schedule`, body));
      ctx.navigate('/crossings', { replace: true });
    } catch (err) { showError(f, err); }
  });
  replace(formBox, f);
}
