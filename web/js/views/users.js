// SPDX-License-Identifier: Apache-2.0
//
// Users and roles (admin): the list, a form to add a user (the server
// generates a password when none is given and shows it once), and per user a
// password reset, a role change and disabling, each of which ends that user's
// sessions.

import { h, replace, ltr } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, timeEl, badge, loadError, loading } from '../ui.js';

export const roles = ['admin', 'supervisor', 'border_officer', 'consular_officer', 'registration_officer', 'analyst'];

export async function render(ctx) {
  const listBox = h('div', { id: 'users-list' }, loading());
  const secretBox = h('div', { 'aria-live': 'polite' });
  ctx.main.append(heading(t('nav.users')), secretBox, addForm(), h('h2', {}, t('users.list')), listBox);

  async function refresh() {
    try {
      const { users } = await api.get('/api/v1/users');
      replace(listBox, table([
        { label: t('users.username'), cell: (u) => ltr(u.username), th: true },
        { label: t('users.role'), cell: (u) => t(`role.${u.role}`) },
        { label: t('users.state'), cell: (u) => (u.state ? t(`state.${u.state}`) : '') },
        { label: t('users.status'), cell: (u) => (u.disabled ? badge('bad', t('users.disabled')) : badge('ok', t('users.enabled'))) },
        { label: t('users.created'), cell: (u) => timeEl(u.created_at) },
        { label: t('common.actions'), cell: (u) => h('div', { class: 'actions' },
          h('button', {
            type: 'button', 'data-reset': u.username,
            'aria-label': t('users.reset_for', { name: u.username }),
            onclick: (e) => resetPassword(e.currentTarget, u.username),
          }, t('users.reset')),
          h('button', {
            type: 'button', 'data-toggle': u.username,
            'aria-label': t(u.disabled ? 'users.enable_for' : 'users.disable_for', { name: u.username }),
            onclick: (e) => update(e.currentTarget, u.username, { disabled: !u.disabled },
              u.disabled ? null : t('users.disable_confirm', { name: u.username })),
          }, t(u.disabled ? 'users.enable' : 'users.disable')),
          h('select', {
            'data-role': u.username, 'aria-label': t('users.role_for', { name: u.username }),
            onchange: (e) => update(e.currentTarget, u.username, { role: e.currentTarget.value },
              t('users.role_confirm', { name: u.username, role: t(`role.${e.currentTarget.value}`) })),
          }, ...roles.map((r) => h('option', { value: r, selected: r === u.role }, t(`role.${r}`))))) },
      ], users, { caption: t('users.count', { n: users.length }) }));
    } catch (e) {
      replace(listBox, loadError(e));
    }
  }

  function showSecret(username, password) {
    replace(secretBox, h('div', { class: 'alert ok', role: 'status' },
      h('p', {}, t('users.password_once', { name: username })),
      h('p', {}, h('span', { class: 'secret', id: 'new-password', dir: 'ltr' }, password))));
  }

  async function resetPassword(button, username) {
    if (!window.confirm(t('users.reset_confirm', { name: username }))) return;
    try {
      const r = await busy(button, () => api.put(`/api/v1/users/${encodeURIComponent(username)}/password`, {}));
      showSecret(username, r.password);
    } catch (e) {
      replace(secretBox, loadError(e));
    }
  }

  // A role change or disabling ends the user's sessions, so it asks first.
  async function update(control, username, body, question) {
    if (question && !window.confirm(question)) { await refresh(); return; }
    try {
      await busy(control, () => api.patch(`/api/v1/users/${encodeURIComponent(username)}`, body));
      replace(secretBox, h('div', { class: 'alert ok', role: 'status' }, t('users.updated', { name: username })));
    } catch (e) {
      replace(secretBox, loadError(e));
    }
    await refresh();
  }

  function addForm() {
    const name = field({ name: 'username', label: t('users.username'), required: true, ltr: true,
      hint: t('users.username_hint'), attrs: { autocomplete: 'off', spellcheck: 'false' } });
    const role = field({ name: 'role', label: t('users.role'), required: true, value: 'border_officer',
      options: roles.map((r) => [r, t(`role.${r}`)]) });
    const pw = field({ name: 'password', label: t('users.password_optional'), type: 'password',
      hint: t('users.password_hint'), attrs: { autocomplete: 'new-password' } });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('users.add'));
    const form = h('form', { novalidate: true, id: 'user-add' },
      h('fieldset', {}, h('legend', {}, t('users.add_title')),
        h('div', { class: 'form-grid' }, name, role, pw), h('div', { class: 'actions' }, submit)));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = { username: name.control.value.trim(), role: role.control.value };
      if (pw.control.value) body.password = pw.control.value;
      try {
        const r = await busy(submit, () => api.post('/api/v1/users', body));
        form.reset();
        if (r.password) showSecret(r.username, r.password);
        else replace(secretBox, h('div', { class: 'alert ok', role: 'status' }, t('users.created_ok', { name: r.username })));
        await refresh();
      } catch (err) {
        showError(form, err);
      }
    });
    return form;
  }

  await refresh();
}
