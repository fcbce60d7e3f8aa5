// SPDX-License-Identifier: Apache-2.0
//
// Watchlists (supervisor): the lists with their source and last update,
// their entries (names in every script, dates of birth, nationality, the
// action to take), a form to add an entry to the national alert list, and
// imports (UN Consolidated List XML or CSV) with upload progress.
//
// API: GET /api/v1/watchlists; GET /api/v1/watchlists/{id}/entries
//      POST /api/v1/watchlists/{id}/entries (optional)
//      POST /api/v1/watchlists/import (optional; raw body)

import { h, replace, ltr } from '../dom.js';
import { t, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, timeEl, loadError, loading, progress, errorText } from '../ui.js';
import { listOf, codeLabel } from './common.js';

export const ACTIONS = ['refuse_entry', 'arrest', 'discreet_check', 'inform_issuing_state'];

export async function render(ctx) {
  const listsBox = h('div', { id: 'watchlists' }, loading());
  const entriesBox = h('div', { id: 'watchlist-entries' });
  const addBox = h('div', {});
  const importBox = h('div', {});
  ctx.main.append(heading(t('nav.watchlists')), listsBox, importBox, entriesBox, addBox);
  let lists = [];
  async function loadLists() {
    try {
      lists = listOf(await api.get('/api/v1/watchlists'), 'watchlists');
      replace(listsBox, table([
        { label: t('wl.name'), cell: (l) => h('button', { type: 'button', class: 'link', onclick: () => openList(l) }, l.name), th: true },
        { label: t('wl.source'), cell: (l) => l.source || '' },
        { label: t('wl.owner'), cell: (l) => codeLabel('state', l.owner_state || l.owner) },
        { label: t('wl.entries'), cell: (l) => l.active_entries ?? l.entries ?? l.entry_count ?? '', num: true },
        { label: t('wl.updated'), cell: (l) => timeEl(l.updated_at || l.last_update) },
      ], lists));
    } catch (e) { replace(listsBox, loadError(e)); }
  }
  async function openList(l) {
    if (!api.hasRoute('GET', '/api/v1/watchlists/{id}/entries')) return;
    replace(entriesBox, loading());
    try {
      const rows = listOf(await api.get(`/api/v1/watchlists/${encodeURIComponent(l.id)}/entries?limit=200`), 'entries');
      replace(entriesBox, h('h2', {}, l.name), table([
        { label: t('wl.reference'), cell: (e) => ltr(e.reference || '', 'mono') },
        { label: t('wl.names'), cell: (e) => [h('bdi', {}, e.primary_name || e.name || ''), e.original_script_name ? [' · ', h('bdi', { lang: 'ar' }, e.original_script_name)] : null,
          ...listOf(e.names || e.aliases).map((a) => (typeof a === 'string' ? a : a.name)).filter((n) => n && n !== (e.primary_name || e.name)).slice(0, 3).map((n) => [' · ', h('bdi', {}, n)])] },
        { label: t('reg.birth_date'), cell: (e) => listOf(e.dobs || e.dates_of_birth).map((d) => (typeof d === 'string' ? date(d) : date(d.date || d.year))).join(', ') || date(e.dob) },
        { label: t('traveller.nationality'), cell: (e) => ltr(listOf(e.nationalities).join(', ') || e.nationality || '') },
        { label: t('wl.action'), cell: (e) => codeLabel('wlaction', e.action) },
      ], rows));
      if (api.hasRoute('POST', '/api/v1/watchlists/{id}/entries') && api.roleMay(ctx.session.user.role, 'POST', '/api/v1/watchlists/{id}/entries')) replace(addBox, addForm(l));
    } catch (e) { replace(entriesBox, loadError(e)); }
  }
  function addForm(l) {
    const name = field({ name: 'name', label: t('wl.name_primary'), required: true });
    const aliases = field({ name: 'aliases', label: t('wl.aliases'), hint: t('wl.aliases_hint') });
    const dob = field({ name: 'dob', label: t('reg.birth_date'), ltr: true, hint: t('wl.dob_hint') });
    const nat = field({ name: 'nationality', label: t('traveller.nationality'), ltr: true, attrs: { maxlength: 3 } });
    const action = field({ name: 'action', label: t('wl.action'), options: ACTIONS.map((a) => [a, codeLabel('wlaction', a)]) });
    const reason = field({ name: 'reason', label: t('visa.reason') });
    const go = h('button', { type: 'submit', class: 'primary' }, t('wl.add'));
    const f = h('form', { novalidate: true, id: 'wl-add' }, h('fieldset', {}, h('legend', {}, t('wl.add_title', { list: l.name })),
      h('div', { class: 'form-grid' }, name, aliases, dob, nat, action, reason), h('div', { class: 'actions' }, go)));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const body = { name: name.control.value.trim(), action: action.control.value };
      if (aliases.control.value.trim()) body.aliases = aliases.control.value.split(';').map((s) => s.trim()).filter(Boolean);
      if (dob.control.value.trim()) body.dob = normDigits(dob.control.value.trim());
      if (nat.control.value.trim()) body.nationality = nat.control.value.trim().toUpperCase();
      if (reason.control.value.trim()) body.reason = reason.control.value.trim();
      try {
        await busy(go, () => api.post(`/api/v1/watchlists/${encodeURIComponent(l.id)}/entries`, body));
        await openList(l);
      } catch (err) { showError(f, err); }
    });
    return f;
  }
  function importForm() {
    const file = field({ name: 'file', label: t('wl.import_file'), type: 'file', attrs: { accept: '.xml,.csv,text/xml,text/csv' } });
    const listName = field({ name: 'list', label: t('wl.import_list'), hint: t('wl.import_list_hint') });
    const go = h('button', { type: 'submit' }, t('wl.import'));
    const status = h('div', { 'aria-live': 'polite' });
    const f = h('form', { novalidate: true, id: 'wl-import' }, h('details', {}, h('summary', {}, t('wl.import_title')),
      h('div', { class: 'form-grid' }, file, listName), h('div', { class: 'actions' }, go), status));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const fl = file.control.files[0];
      if (!fl) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'file'));
      const prog = progress(t('wl.uploading'));
      replace(status, prog);
      go.disabled = true;
      try {
        const format = /\.csv$/i.test(fl.name) ? 'csv' : 'un-xml';
        const r = await api.upload(`/api/v1/watchlists/import${api.qs({ format, list: listName.control.value.trim() })}`, fl,
          (fr) => prog.set(fr, fr < 1 ? t('wl.uploading') : t('wl.importing')));
        replace(status, h('div', { class: 'alert ok', role: 'status' }, t('wl.imported', { added: r.added ?? 0, updated: r.updated ?? 0, ended: r.ended ?? r.delisted ?? 0 })));
        await loadLists();
      } catch (err) {
        replace(status, h('div', { class: 'alert error', role: 'alert' }, errorText(err)));
      } finally { go.disabled = false; }
    });
    return f;
  }
  if (api.hasRoute('POST', '/api/v1/watchlists/import') && api.roleMay(ctx.session.user.role, 'POST', '/api/v1/watchlists/import')) replace(importBox, importForm());
  await loadLists();
}
