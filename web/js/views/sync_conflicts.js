// SPDX-License-Identifier: Apache-2.0
//
// Records from border posts that central could not apply as they came
// (docs/internals/sync.md): the same record with other content, a record
// central changed since the post last saw it, or one the owning module
// refused. The supervisor reads both versions and applies the post's event
// or discards it, with a note (both audited).
//
// API: GET /api/v1/sync/conflicts?status=open -> {conflicts: [{id, post, seq, type, op,
//      record_id, kind, detail, event, central_version, opened_at}]}
//      POST /api/v1/sync/conflicts/{id}/resolve {action: apply|discard, note}

import { h, replace, ltr } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { busy, heading, table, timeEl, loadError, loading, errorText, field } from '../ui.js';
import { listOf } from './common.js';

function versions(c) {
  const show = (v) => h('pre', { dir: 'ltr', class: 'mono' }, v ? JSON.stringify(v, null, 2) : '—');
  return h('details', {}, h('summary', {}, t('syncc.versions')),
    h('div', { class: 'form-grid' },
      h('div', {}, h('h3', {}, t('syncc.post_version')), show(c.event && c.event.payload)),
      h('div', {}, h('h3', {}, t('syncc.central_version')), show(c.central_version))));
}

export async function render(ctx) {
  const out = h('div', { id: 'sync-conflicts' });
  const msg = h('div', { 'aria-live': 'polite' });
  ctx.main.append(heading(t('nav.sync_conflicts')), h('p', { class: 'muted' }, t('syncc.intro')), msg, out);
  async function load() {
    replace(out, loading());
    try {
      const rows = listOf(await api.get('/api/v1/sync/conflicts?status=open'), 'conflicts');
      replace(out, table([
        { label: t('audit.at'), cell: (c) => timeEl(c.opened_at) },
        { label: t('syncc.post'), cell: (c) => ltr(`${c.post} #${c.seq}`) },
        { label: t('syncc.kind'), cell: (c) => t(`syncc.kind.${c.kind}`) },
        { label: t('syncc.record'), cell: (c) => [ltr(`${c.type} ${c.op}`), h('br'), ltr(c.record_id, 'mono')] },
        { label: t('syncc.detail'), cell: (c) => [h('span', { dir: 'ltr' }, c.detail || ''), versions(c)] },
        { label: t('common.actions'), cell: (c) => actions(c) },
      ], rows, { empty: t('syncc.none') }));
    } catch (e) { replace(out, loadError(e)); }
  }
  function actions(c) {
    const note = field({ name: 'note', label: t('syncc.note'), required: true });
    const form = h('form', { novalidate: true, class: 'inline-form' }, note,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'success', onclick: (e) => resolve(e.currentTarget, c, 'apply', note) }, t('syncc.apply')),
        h('button', { type: 'button', class: 'danger', onclick: (e) => resolve(e.currentTarget, c, 'discard', note) }, t('syncc.discard'))));
    form.addEventListener('submit', (e) => e.preventDefault());
    return form;
  }
  async function resolve(button, c, action, note) {
    const text = note.control.value.trim();
    if (!text) {
      replace(msg, h('div', { class: 'alert error', role: 'alert' }, t('syncc.note_required')));
      note.control.focus();
      return;
    }
    try {
      await busy(button, () => api.post(`/api/v1/sync/conflicts/${encodeURIComponent(c.id)}/resolve`,
        { action, note: text }));
      replace(msg, h('div', { class: 'alert ok', role: 'status' }, t(action === 'apply' ? 'syncc.applied' : 'syncc.discarded')));
      await load();
    } catch (err) {
      replace(msg, h('div', { class: 'alert error', role: 'alert' }, errorText(err)));
    }
  }
  await load();
}
