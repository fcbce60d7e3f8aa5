// SPDX-License-Identifier: Apache-2.0
//
// The scenarios, in order (they share one browser and one server, so later
// ones may rely on what earlier ones did). Each: name, the API routes it
// needs ("METHOD /path" as in the OpenAPI document; absent = SKIP), and
// run(t) with t = {tap, server, routes, page, context, base}.

import { screenshot } from './lib.mjs';

// ---- helpers ----

export async function login(t, user, password) {
  const { page } = t;
  await page.context().clearCookies();
  await page.goto(`${t.base}/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${t.base}/`);
  await page.locator('input[name=username]').fill(user);
  await page.locator('input[name=password]').fill(password ?? t.server.passwords[user]);
  await page.locator('input[name=password]').press('Enter');
  await page.locator('#logout').waitFor();
}

export async function setLang(t, code) {
  const cur = await t.page.evaluate(() => document.documentElement.lang);
  if (cur !== code) {
    await t.page.locator('#lang-toggle').click();
    await t.page.waitForFunction((c) => document.documentElement.lang === c, code);
  }
}

async function text(loc) { return (await loc.innerText()).trim(); }

// ---- scenarios ----

export const scenarios = [
  {
    name: 'login',
    async run(t) {
      const { page, tap } = t;
      await page.goto(`${t.base}/`);
      await page.locator('input[name=username]').waitFor();
      tap.eq(await page.evaluate(() => document.documentElement.dir), 'ltr', 'login: the page starts in English, left to right');
      tap.ok(await page.evaluate(() => document.activeElement && document.activeElement.name === 'username'),
        'login: the username field has the focus');
      await screenshot(page, 'login');

      await page.keyboard.type('admin');
      await page.keyboard.press('Tab');
      await page.keyboard.type('not-the-password');
      await page.keyboard.press('Enter');
      const err = page.locator('[data-field=password] .field-error');
      await err.waitFor();
      tap.ok(/wrong username or password/i.test(await text(err)), 'login: a wrong password is reported beside the password field');
      tap.eq(await page.locator('input[name=password]').getAttribute('aria-invalid'), 'true',
        'login: the password field is marked invalid for assistive technology');
      await screenshot(page, 'login-error');

      await page.locator('input[name=password]').fill(t.server.passwords.admin);
      await page.keyboard.press('Enter');
      await page.locator('#logout').waitFor();
      tap.ok(/welcome, admin/i.test(await text(page.locator('main h1'))), 'login: admin lands on the home screen');
      tap.eq(await text(page.locator('#who-role')), 'Administrator', 'login: the top bar shows the role');
      const cookies = await page.context().cookies();
      tap.ok(cookies.some((c) => c.name === 'ubur_session' && c.httpOnly), 'login: the session is an HttpOnly cookie');
      tap.ok(await page.evaluate(() => !document.cookie.includes('ubur_session')), 'login: scripts cannot read the session token');
      await screenshot(page, 'home-admin');

      await page.reload();
      await page.locator('#logout').waitFor();
      tap.ok(true, 'login: the session survives a reload (CSRF token fetched again)');
    },
  },
  {
    name: 'admin users',
    needs: ['GET /api/v1/users', 'POST /api/v1/users'],
    async run(t) {
      const { page, tap } = t;
      await page.keyboard.press('Alt+U');
      await page.waitForURL('**/admin/users');
      await page.locator('#users-list table').waitFor();
      tap.ok((await page.locator('#users-list tbody tr').count()) >= 6, 'users: the demo users are listed');

      const form = page.locator('#user-add');
      await form.locator('input[name=username]').fill('Bad Name!');
      await form.locator('select[name=role]').selectOption('analyst');
      await form.locator('button[type=submit]').click();
      const err = form.locator('[data-field=username] .field-error');
      await err.waitFor();
      tap.ok(/may hold only/i.test(await text(err)), 'users: the server\'s error is shown beside the username field');
      await screenshot(page, 'users-error');

      await form.locator('input[name=username]').fill('e2e.analyst');
      await form.locator('button[type=submit]').click();
      await page.locator('#new-password').waitFor();
      const pw = await text(page.locator('#new-password'));
      tap.ok(pw.length >= 12, 'users: a generated password is shown once');
      await page.locator('#users-list td', { hasText: 'Analyst' }).first().waitFor();
      tap.ok(await page.locator('#users-list th', { hasText: 'e2e.analyst' }).count() === 1, 'users: the new user is listed');
      const r = await t.server.api('POST', '/api/v1/session', { username: 'e2e.analyst', password: pw });
      tap.eq(r.status, 201, 'users: the new user can log in with the password shown');
      await screenshot(page, 'users');
    },
  },
  {
    name: 'audit log',
    needs: ['GET /api/v1/audit', 'GET /api/v1/audit/verify'],
    async run(t) {
      const { page, tap } = t;
      await page.keyboard.press('Alt+A');
      await page.waitForURL('**/admin/audit');
      await page.locator('main table').waitFor();
      tap.ok(await page.locator('main td', { hasText: 'user.create' }).count() >= 1, 'audit: user creations are in the log');
      await page.locator('#audit-verify').click();
      await page.locator('#audit-verdict').waitFor();
      tap.ok(/intact/i.test(await text(page.locator('#audit-verdict'))), 'audit: the hash chain verifies as intact');
      await screenshot(page, 'audit');
      await page.reload();
      await page.locator('#audit-verify').waitFor();
      tap.ok(page.url().endsWith('/admin/audit'), 'audit: a reload stays on the same screen');
    },
  },
  {
    name: 'arabic right to left',
    async run(t) {
      const { page, tap } = t;
      await page.goto(`${t.base}/admin/audit`);
      await page.locator('#lang-toggle').click();
      await page.waitForFunction(() => document.documentElement.lang === 'ar');
      tap.eq(await page.evaluate(() => document.documentElement.dir), 'rtl', 'arabic: the page is right to left');
      const nav = await page.locator('nav.sidenav').boundingBox();
      const main = await page.locator('main').boundingBox();
      tap.ok(nav.x > main.x, 'arabic: the navigation moves to the right of the content (layout mirrored)', JSON.stringify({ nav, main }));
      const h1 = await text(page.locator('main h1'));
      tap.ok(/[\u0600-\u06FF]/.test(h1), `arabic: the heading is in Arabic (${h1})`);
      const cols = await page.evaluate(() => Array.from(document.querySelectorAll('main thead th')).slice(0, 2)
        .map((th) => th.getBoundingClientRect().left));
      tap.ok(cols.length === 2 && cols[0] > cols[1], 'arabic: the first table column is the rightmost', JSON.stringify(cols));
      await page.locator('#audit-verify').click();
      await page.locator('#audit-verdict').waitFor();
      tap.ok(/سليم/.test(await text(page.locator('#audit-verdict'))), 'arabic: the chain verdict is in Arabic');
      await screenshot(page, 'audit-ar');

      await page.locator('#digits-toggle').check();
      await page.locator('#audit-verify').click();
      await page.waitForFunction(() => /[٠-٩]/.test(document.querySelector('main tbody td').innerText));
      tap.ok(true, 'arabic: Eastern Arabic digits can be switched on');
      await screenshot(page, 'audit-ar-digits');
      await page.reload();
      await page.locator('#logout').waitFor();
      tap.eq(await page.evaluate(() => document.documentElement.dir), 'rtl', 'arabic: the language choice survives a reload');
      await page.locator('#digits-toggle').uncheck();
      await page.locator('#lang-toggle').click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      tap.eq(await page.evaluate(() => document.documentElement.dir), 'ltr', 'arabic: switching back gives English, left to right');
    },
  },
  {
    name: 'role navigation',
    async run(t) {
      const { page, tap } = t;
      await page.locator('#logout').click();
      await page.locator('input[name=username]').waitFor();
      await login(t, 'officer');
      tap.eq(await text(page.locator('#who-role')), 'Border officer', 'roles: the border officer is logged in');
      const links = await page.locator('nav.sidenav a').allInnerTexts();
      tap.ok(!links.some((l) => /users|audit/i.test(l)), 'roles: a border officer sees no admin screens', links.join(', '));
      await page.goto(`${t.base}/admin/users`);
      await page.locator('main h1').waitFor();
      tap.ok(/not found/i.test(await text(page.locator('main h1'))), 'roles: an admin screen opened by its address is refused');
      await screenshot(page, 'officer-no-admin');
    },
  },
];
