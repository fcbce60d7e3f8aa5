// SPDX-License-Identifier: Apache-2.0
//
// The application shell: session, frame (top bar, navigation, main), the
// client-side router and keyboard shortcuts. Routes are real paths
// (/check, /admin/users); the server answers index.html for any path without
// an extension, so a reload or a bookmark lands on the same screen.
//
// Flow: boot() reads the OpenAPI document and the current session; without
// one it draws the login page, with one the frame and the screen for
// location.pathname. A view module exports render(ctx) and may return a
// cleanup function; ctx carries the session, the path parameters, the query,
// navigate() and the main element. Changing language or digits redraws the
// frame and the current screen.

import { h, replace } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import * as api from './api.js';
import { screens, groups, matchPath } from './screens.js';
import { field, showError, busy, heading, loadError, loading } from './ui.js';
import { syncBadge } from './sync_badge.js';

const app = {
  session: null,
  cleanup: null,
  sync: null,
  root: null,
  renderSeq: 0,
};

// The screens this user may open on this server.
export function allowedScreens(session = app.session) {
  if (!session) return [];
  return screens.filter((s) => s.always || (s.api && api.roleMay(session.user.role, s.api[0], s.api[1])));
}

function findScreen(path) {
  for (const s of allowedScreens()) {
    const params = matchPath(s.path, path);
    if (params) return { screen: s, params };
  }
  return null;
}

export function navigate(path, { replace: rep = false } = {}) {
  if (rep) history.replaceState({}, '', path);
  else history.pushState({}, '', path);
  renderRoute();
}

// ---- the frame ----

function prefsControls() {
  const other = i18n.getLang() === 'ar' ? 'en' : 'ar';
  const info = i18n.langInfo(other);
  const langBtn = h('button', {
    type: 'button', class: 'pref', id: 'lang-toggle', lang: other, dir: info.dir,
    title: t('prefs.language'), onclick: () => i18n.setLang(other),
  }, info.name);
  const dig = h('input', {
    type: 'checkbox', id: 'digits-toggle', checked: i18n.easternDigits(),
    onchange: (e) => i18n.setEasternDigits(e.target.checked),
  });
  const digLabel = h('label', { class: 'pref', for: 'digits-toggle' }, dig, t('prefs.eastern_digits'));
  return [langBtn, digLabel];
}

function navigation() {
  const mine = allowedScreens().filter((s) => !s.hidden && !s.always);
  const items = [h('li', {}, navLink(screens[0]))];
  for (const g of groups) {
    const inGroup = mine.filter((s) => s.group === g);
    if (!inGroup.length) continue;
    items.push(h('li', { class: 'group', role: 'presentation', id: `nav-group-${g}` }, t(`group.${g}`)));
    inGroup.forEach((s) => items.push(h('li', {}, navLink(s))));
  }
  return h('nav', { class: 'sidenav', 'aria-label': t('nav.label') }, h('ul', {}, items));
}

function navLink(s) {
  return h('a', {
    href: s.path, 'data-path': s.path,
    'aria-keyshortcuts': s.key ? `Alt+${s.key.toUpperCase()}` : undefined,
  }, h('span', {}, t(s.title)), s.key ? h('kbd', { 'aria-hidden': 'true' }, `Alt+${s.key.toUpperCase()}`) : null);
}

function frame() {
  const u = app.session.user;
  if (app.sync) app.sync.stop();
  app.sync = syncBadge(app.session);
  const top = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '/' }, h('img', { src: '/img/icon.svg', alt: '' }), t('app.name')),
    u.state ? h('span', { class: 'badge', title: t('app.state') }, t(`state.${u.state}`)) : null,
    app.sync.el,
    h('span', { class: 'spacer' }),
    prefsControls(),
    h('span', { class: 'who' }, h('bdi', { id: 'who-name' }, u.username), ' · ',
      h('span', { class: 'role', id: 'who-role' }, t(`role.${u.role}`))),
    h('button', { type: 'button', id: 'logout', onclick: doLogout }, t('auth.logout')));
  const main = h('main', { id: 'main', tabindex: '-1' });
  const skip = h('a', { class: 'skip', href: '#main' }, t('nav.skip'));
  replace(app.root, skip, top, h('div', { class: 'shell' }, navigation(), main));
  app.main = main;
}

async function doLogout() {
  if (app.sync) app.sync.stop();
  app.sync = null;
  await api.logout();
  app.session = null;
  history.replaceState({}, '', '/');
  drawLogin();
}

// ---- the login page ----

function drawLogin(message) {
  runCleanup();
  document.title = `${t('auth.title')} · ${t('app.name')}`;
  const user = field({ name: 'username', label: t('auth.username'), required: true, ltr: true,
    attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' } });
  const pass = field({ name: 'password', label: t('auth.password'), type: 'password', required: true,
    attrs: { autocomplete: 'current-password' } });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('auth.login'));
  const form = h('form', { novalidate: true, 'aria-labelledby': 'login-title' },
    message ? h('div', { class: 'alert warn', role: 'status' }, message) : null,
    user, pass, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = user.control.value.trim();
    const password = pass.control.value;
    if (!username) return showError(form, new api.ApiError(400, 'required', t('error.required'), 'username'));
    if (!password) return showError(form, new api.ApiError(400, 'required', t('error.required'), 'password'));
    try {
      await busy(submit, async () => {
        app.session = await api.login(username, password);
      }, t('auth.logging_in'));
      afterLogin();
    } catch (err) {
      if (err.status === 401) {
        err.field = 'password';
        err.code = 'bad_credentials';
        err.message = t('error.bad_credentials');
      }
      showError(form, err);
    }
  });
  replace(app.root, h('div', { class: 'login-page' },
    h('div', { class: 'prefs' }, prefsControls()),
    h('main', { class: 'card', id: 'main' },
      h('h1', { id: 'login-title' }, h('img', { src: '/img/icon.svg', alt: '' }), t('app.name')),
      h('p', { class: 'muted' }, t('app.tagline')),
      form)));
  user.control.focus();
}

function afterLogin() {
  // Keep the query: a link such as /visas/new?purpose=medical_escort&patient=ID carries its state.
  let path = location.pathname + location.search;
  if (location.pathname === '/login') path = '/';
  history.replaceState({}, '', path);
  frame();
  renderRoute();
}

// ---- routing ----

function runCleanup() {
  if (typeof app.cleanup === 'function') {
    try { app.cleanup(); } catch (e) { console.error(e); }
  }
  app.cleanup = null;
}

async function renderRoute({ keepFocus = false } = {}) {
  if (!app.session) return drawLogin();
  runCleanup();
  const seq = ++app.renderSeq;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  markCurrent(path);
  const found = findScreen(path);
  if (!found) {
    document.title = `${t('error.not_found')} · ${t('app.name')}`;
    replace(app.main, heading(t('nav.not_found')), h('p', {}, t('nav.not_found_text')),
      h('p', {}, h('a', { href: '/' }, t('nav.home'))));
    focusMain(keepFocus);
    return;
  }
  document.title = `${t(found.screen.title)} · ${t('app.name')}`;
  replace(app.main, loading());
  let mod;
  try {
    mod = await found.screen.load();
  } catch (e) {
    replace(app.main, loadError(e));
    return;
  }
  if (seq !== app.renderSeq) return;
  replace(app.main);
  const ctx = {
    main: app.main,
    session: app.session,
    params: found.params,
    query: new URLSearchParams(location.search),
    navigate,
    screen: found.screen,
    allowed: allowedScreens(),
    isCurrent: () => seq === app.renderSeq,
  };
  try {
    app.cleanup = await mod.render(ctx);
  } catch (e) {
    console.error(e);
    if (seq === app.renderSeq) replace(app.main, heading(t(found.screen.title)), loadError(e));
  }
  if (seq === app.renderSeq) focusMain(keepFocus);
}

// aria-current on the navigation link whose path is the longest prefix of path.
function markCurrent(path) {
  let best = null;
  document.querySelectorAll('.sidenav a').forEach((a) => {
    const p = a.dataset.path;
    const hit = p === path || (p !== '/' && path.startsWith(`${p}/`));
    if (hit && (!best || p.length > best.dataset.path.length)) best = a;
    a.removeAttribute('aria-current');
  });
  if (!best && path === '/') best = document.querySelector('.sidenav a[data-path="/"]');
  if (best) best.setAttribute('aria-current', 'page');
}

// Moves focus to the new screen (its heading), unless the view focused a field.
function focusMain(keepFocus) {
  if (keepFocus) return;
  const active = document.activeElement;
  if (active && app.main.contains(active) && active !== app.main) return;
  const title = app.main.querySelector('.page-title') || app.main;
  title.focus({ preventScroll: false });
}

function onClick(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || a.getAttribute('href').startsWith('#')) return;
  e.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
}

function onKey(e) {
  if (!app.session || !e.altKey || e.ctrlKey || e.metaKey) return;
  const k = e.key.toLowerCase();
  const s = allowedScreens().find((x) => x.key === k || (x.key && e.code === `Key${x.key.toUpperCase()}`));
  if (s) {
    e.preventDefault();
    navigate(s.path);
  }
}

async function boot() {
  app.root = document.getElementById('app');
  app.root.classList.remove('boot');
  i18n.applyDocument();
  api.setUnauthenticatedHandler(() => {
    if (!app.session) return;
    app.session = null;
    drawLogin(t('auth.expired'));
  });
  i18n.onChange(() => {
    if (app.session) {
      frame();
      renderRoute({ keepFocus: true });
      const b = document.getElementById('lang-toggle');
      if (b) b.focus();
    } else {
      drawLogin();
    }
  });
  document.addEventListener('click', onClick);
  document.addEventListener('keydown', onKey);
  window.addEventListener('popstate', () => renderRoute());
  try {
    await api.loadSpec();
    app.session = await api.currentSession();
  } catch (e) {
    replace(app.root, h('main', { id: 'main' }, loadError(e)));
    return;
  }
  if (app.session) afterLogin(); else drawLogin();
}

boot();
