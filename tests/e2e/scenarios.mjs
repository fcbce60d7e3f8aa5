// SPDX-License-Identifier: Apache-2.0
//
// The scenarios, in order (they share one browser and one server, so later
// ones may rely on what earlier ones did). Each: name, the API routes it
// needs ("METHOD /path" as in the OpenAPI document; absent = SKIP), and
// run(t) with t = {tap, server, routes, page, context, base}.

import fs from 'node:fs';
import path from 'node:path';
import { screenshot, ROOT } from './lib.mjs';
import { td3, daysFromNow } from './mrz.mjs';
import { stubScenario } from './stubs.mjs';

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

// Types an MRZ as a document scanner does: each line, then Enter.
async function scan(page, lines) {
  for (const l of lines) {
    await page.keyboard.type(l, { delay: 0 });
    await page.keyboard.press('Enter');
  }
}

const digitsOnly = (s) => s.replace(/[^0-9]/g, '');

// The traveller whose movements the border check scenario opened (for the analyst's refusal).
let checkedTraveller = null;

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

      page.once('dialog', (d) => d.accept());
      await page.locator('button[data-toggle="e2e.analyst"]').click();
      await page.locator('#users-list tr', { hasText: 'e2e.analyst' }).locator('.badge', { hasText: 'Disabled' }).waitFor();
      const r2 = await t.server.api('POST', '/api/v1/session', { username: 'e2e.analyst', password: pw });
      tap.eq(r2.status, 401, 'users: a user disabled in the UI can no longer log in');
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
  {
    name: 'every screen module loads',
    async run(t) {
      const { page, tap } = t;
      const files = fs.readdirSync(path.join(ROOT, 'web/js/views')).filter((f) => f.endsWith('.js'));
      const failed = await page.evaluate(async (list) => {
        const bad = [];
        for (const f of list) {
          try {
            const m = await import(`/js/views/${f}`);
            if (f !== 'common.js' && typeof m.render !== 'function') bad.push(`${f}: no render()`);
          } catch (e) { bad.push(`${f}: ${e.message}`); }
        }
        return bad;
      }, files);
      tap.ok(failed.length === 0, `every screen module (${files.length}) loads and exports render()`, failed.join('\n'));
    },
  },
  {
    name: 'border check',
    needs: ['POST /api/v1/border/checks', 'POST /api/v1/border/checks/{id}/confirm', 'GET /api/v1/crossings'],
    async run(t) {
      const { page, tap } = t;
      const tok = await t.server.token('officer');
      const r = await t.server.api('GET', '/api/v1/crossings', undefined, tok);
      const list = Array.isArray(r.body) ? r.body : (r.body.crossings || r.body.items || []);
      // Nationals pass open and humanitarian crossings alike; the server's state is SYR.
      const open = list.find((c) => c.state === 'SYR' && c.mode === 'open') || list.find((c) => c.state === 'SYR' && c.mode !== 'closed') || list[0];
      await login(t, 'officer');
      await page.keyboard.press('Alt+C');
      await page.waitForURL('**/check');
      await page.locator('#mrz').waitFor();
      if (open) await page.locator('select[name=crossing_id]').selectOption(open.id);
      await page.locator('select[name=direction]').selectOption('entry');
      await page.locator('#mrz').focus();
      tap.ok(await page.evaluate(() => document.activeElement.id === 'mrz'), 'check: the MRZ box has the focus');

      // A Syrian citizen coming home: admitted.
      await scan(page, td3({ state: 'SYR', surname: 'AL HALABI', given: 'OMAR', number: 'N0457123', nationality: 'SYR',
        birth: '1985-03-14', sex: 'M', expiry: daysFromNow(900) }));
      const d1 = page.locator('#decision');
      await d1.waitFor();
      tap.eq(await d1.getAttribute('data-decision'), 'admit', 'check: a citizen with a valid passport is admitted at once, without a click');
      await screenshot(page, 'check-admit');
      tap.ok(await page.evaluate(() => document.activeElement.id === 'check-confirm'), 'check: the confirm button takes the focus');
      await page.keyboard.press('Enter');
      await page.locator('#check-recorded').waitFor();
      tap.eq(await page.locator('#check-recorded').getAttribute('data-decision'), 'admit', 'check: Enter records the admission');
      tap.ok(await page.evaluate(() => document.activeElement.id === 'mrz'), 'check: the MRZ box is ready for the next traveller');

      // An expired passport: refused, with the reason.
      await scan(page, td3({ state: 'IRQ', surname: 'AL JUBOURI', given: 'KHALID', number: 'A7712345', nationality: 'IRQ',
        birth: '1979-11-02', sex: 'M', expiry: daysFromNow(-40) }));
      const d2 = page.locator('#decision');
      await d2.waitFor();
      tap.eq(await d2.getAttribute('data-decision'), 'refuse', 'check: a traveller with an expired passport is refused');
      tap.ok(await page.locator('#decision li[data-code=document_expired]').count() === 1, 'check: the refusal gives its reason (document_expired)');
      tap.ok((await text(page.locator('#decision li[data-code=document_expired]'))).includes(`expired on ${daysFromNow(-40)}`),
        'check: the reason shows the server\'s message with its date, not only a label');
      await screenshot(page, 'check-refuse');
      await page.keyboard.press('Enter');
      await page.locator('#check-recorded').waitFor();
      tap.eq(await page.locator('#check-recorded').getAttribute('data-decision'), 'refuse', 'check: the refusal is recorded');
      tap.ok(await page.locator('#recent-h + .table-wrap tbody tr').count() >= 2, 'check: recent checks list both travellers');
      await screenshot(page, 'check-recent');

      // The same passport with another birth date: referred. A referral is resolved after the
      // secondary inspection with admit or refuse and a reason, never "confirmed" as a referral.
      await scan(page, td3({ state: 'SYR', surname: 'AL HALABI', given: 'OMAR', number: 'N0457123', nationality: 'SYR',
        birth: '1985-03-15', sex: 'M', expiry: daysFromNow(900) }));
      await page.locator('#decision').waitFor();
      tap.eq(await page.locator('#decision').getAttribute('data-decision'), 'refer', 'check: a passport recorded with another birth date is referred');
      tap.ok(await page.locator('#check-confirm').count() === 0 && await page.locator('#check-resolve').count() === 1,
        'check: a referral offers its resolution, not a confirmation the server refuses');
      await page.keyboard.press('Enter');
      const choices = await page.locator('#override-form select[name=decision] option').evaluateAll((os) => os.map((o) => o.value));
      tap.eq(JSON.stringify(choices), JSON.stringify(['admit', 'refuse']), 'check: a referral is resolved by admit or refuse (refer is no outcome)');
      await page.locator('#override-form select[name=decision]').selectOption('admit');
      await page.locator('#override-form textarea[name=reason]').fill('birth date confirmed with the civil registry');
      await page.locator('#override-form button[type=submit]').click();
      await page.locator('#check-recorded').waitFor();
      tap.eq(await page.locator('#check-recorded').getAttribute('data-decision'), 'admit', 'check: the resolved referral is recorded as an admission');

      // A refusal's override offers admit only (an officer's request then waits for a supervisor).
      await scan(page, td3({ state: 'IRQ', surname: 'AL JUBOURI', given: 'KHALID', number: 'A7712345', nationality: 'IRQ',
        birth: '1979-11-02', sex: 'M', expiry: daysFromNow(-40) }));
      await page.locator('#decision').waitFor();
      await page.locator('#check-override').click();
      const alt = await page.locator('#override-form select[name=decision] option').evaluateAll((os) => os.map((o) => o.value));
      tap.eq(JSON.stringify(alt), JSON.stringify(['admit']), 'check: a refusal may be overridden to admit only');
      await page.keyboard.press('Escape');

      // Group kinds are the server's: each one is accepted.
      await page.goto(`${t.base}/groups`);
      await page.locator('select[name=kind]').waitFor();
      const kinds = await page.locator('select[name=kind] option').evaluateAll((os) => os.map((o) => o.value));
      const refused = [];
      for (const kind of kinds) {
        const g = await t.server.api('POST', '/api/v1/border/checks', { crossing_id: open ? open.id : 'semalka', direction: 'exit',
          group: { kind }, travellers: [{ document: { document_number: 'N0457123', nationality: 'SYR', birth_date: '1985-03-14', surname: 'AL HALABI' } }] }, tok);
        if (g.status !== 201) refused.push(`${kind}: ${g.status}`);
      }
      tap.ok(kinds.length >= 4 && refused.length === 0, 'groups: every group kind offered is one the server accepts', refused.join('\n'));
      // A pilgrim group with one member referred: the others are recorded, he is resolved here.
      await page.locator('select[name=crossing_id]').selectOption('yarubiyah');
      await page.locator('select[name=kind]').selectOption('pilgrims');
      await page.locator('textarea[name=travellers]').fill([
        td3({ state: 'SYR', surname: 'AL HALABI', given: 'OMAR', number: 'N0457123', nationality: 'SYR', birth: '1985-03-16', sex: 'M', expiry: daysFromNow(900) }),
        td3({ state: 'SYR', surname: 'AL HALABI', given: 'HUDA', number: 'N0457124', nationality: 'SYR', birth: '1987-06-01', sex: 'F', expiry: daysFromNow(900) }),
      ].map((l) => l.join('\n')).join('\n\n'));
      await page.locator('form button[type=submit]').click();
      await page.locator('#group-record').click();
      await page.locator('#group-recorded').waitFor();
      const forms = page.locator('#group-pending form.group-resolve');
      tap.eq(await forms.count(), 1, 'groups: the referred member is offered his resolution after the group is recorded');
      await forms.first().locator('select[name=decision]').selectOption('admit');
      await forms.first().locator('input[name=reason]').fill('identity confirmed at secondary inspection');
      await forms.first().locator('button[type=submit]').click();
      await forms.first().locator('.badge').waitFor();
      const cid = await forms.first().getAttribute('data-check');
      const chk = await t.server.api('GET', `/api/v1/border/checks/${cid}`, undefined, tok);
      tap.ok(chk.body.status === 'recorded' && chk.body.record_id, 'groups: the referred member is recorded once resolved', JSON.stringify(chk.body.status));
      // A repatriation convoy: Iraqis leaving Syria through humanitarian-only Albu Kamal pass as returnees.
      await page.goto(`${t.base}/groups`);
      await page.locator('select[name=kind]').waitFor();
      await page.locator('select[name=crossing_id]').selectOption('albukamal');
      await page.locator('select[name=direction]').selectOption('exit');
      await page.locator('select[name=kind]').selectOption('convoy');
      await page.locator('input[name=returnee]').check();
      await page.locator('textarea[name=travellers]').fill(
        td3({ state: 'IRQ', surname: 'AL DULAIMI', given: 'FARIS', number: 'A8812345', nationality: 'IRQ', birth: '1983-02-02', sex: 'M', expiry: daysFromNow(900) }).join('\n'));
      await page.locator('form button[type=submit]').click();
      await page.locator('#group-record').waitFor();
      tap.eq(await page.locator('[data-figure=admit] .value').innerText(), '1', 'groups: a convoy marked as returnees passes a humanitarian-only crossing');
      await page.goto(`${t.base}/check`);
      await page.locator('#mrz').waitFor();

      // A cargo-only crossing: a citizen is let through as the crew of a goods vehicle only.
      const admin = await t.server.token('admin');
      const now = new Date(Date.now() - 60000).toISOString().replace(/\.\d+Z$/, 'Z');
      const sc = await t.server.api('POST', '/api/v1/crossings/tanf/schedule', { mode: 'cargo', from: now, note: 'e2e' }, admin);
      tap.eq(sc.status, 201, 'check: Al-Tanf is cargo only from now');
      await page.locator('select[name=crossing_id]').selectOption('tanf');
      await page.locator('#mrz').focus();
      const driver = td3({ state: 'SYR', surname: 'AL HALABI', given: 'SAMIR', number: 'N0457555', nationality: 'SYR', birth: '1977-07-07', sex: 'M', expiry: daysFromNow(900) });
      await scan(page, driver);
      await page.locator('#decision').waitFor();
      tap.ok(await page.locator('#decision li[data-code=category_not_allowed]').count() === 1, 'check: at a cargo-only crossing a traveller is refused');
      await page.keyboard.press('Escape');
      await page.locator('input[name=cargo]').check();
      await page.locator('#mrz').focus();
      await scan(page, driver);
      await page.locator('#decision').waitFor();
      tap.eq(await page.locator('#decision').getAttribute('data-decision'), 'admit', 'check: the officer marks the lorry driver as cargo crew: admitted');
      await page.keyboard.press('Escape');
      tap.ok(!(await page.locator('input[name=cargo]').isChecked()), 'check: the cargo mark is cleared for the next traveller');
      await t.server.api('POST', '/api/v1/crossings/tanf/schedule', { mode: 'restricted_hours', hours: '08:00-16:00', from: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, admin);
      await page.locator('select[name=crossing_id]').selectOption(open ? open.id : 'semalka');

      // A passport whose zone cannot be read: its fields typed in.
      await page.locator('#typed-document summary').click();
      const typedField = (n) => page.locator(`#typed-document [name="document.${n}"]`);
      await typedField('document_number').fill('N0457999');
      await typedField('nationality').fill('zzz');
      await typedField('birth_date').fill('1990-04-04');
      await typedField('surname').fill('AL HALABI');
      await page.locator('#check-send').click();
      await page.locator('[data-field="document.nationality"] .field-error:not([hidden])').waitFor();
      tap.ok(true, 'check: a typed document with a bad nationality is refused naming the field');
      await typedField('nationality').fill('syr');
      await page.locator('#check-send').click();
      await page.locator('#decision').waitFor();
      tap.ok(await page.locator('#decision').getAttribute('data-decision') === 'admit' && /N0457999/.test(await text(page.locator('#decision'))),
        'check: a typed document is checked (a citizen, admitted)');
      await page.keyboard.press('Enter');
      await page.locator('#check-recorded').waitFor();
      tap.eq(await typedField('document_number').inputValue(), '', 'check: the typed fields are cleared for the next traveller');

      // From a check's result to the traveller's movements: the expired passport, refused above.
      await scan(page, td3({ state: 'IRQ', surname: 'AL JUBOURI', given: 'KHALID', number: 'A7712345', nationality: 'IRQ',
        birth: '1979-11-02', sex: 'M', expiry: daysFromNow(-40) }));
      await page.locator('#decision').waitFor();
      await page.locator('#decision #check-movements').click();
      await page.waitForURL('**/travellers/*/movements');
      await page.locator('#traveller-movements table').waitFor();
      checkedTraveller = decodeURIComponent(page.url().split('/').slice(-2)[0]);
      const tm = (await t.server.api('GET', `/api/v1/travellers/${checkedTraveller}/movements`, undefined, tok)).body;
      const mRows = page.locator('#traveller-movements tbody tr');
      tap.ok(tm.movements.length >= 1 && await mRows.count() === tm.movements.length,
        'movements: the check\'s result links to the traveller\'s movements, a row each as the API gives', `${await mRows.count()} vs ${tm.movements.length}`);
      const first = await text(mRows.first());
      tap.ok(await page.locator('#traveller-movements tbody tr.movement-refusal').count() === tm.movements.filter((m) => m.kind === 'refusal').length
        && /Refusal/.test(first) && await mRows.first().locator('[data-code=document_expired]').count() === 1 && /A7712345/.test(first) && /officer/.test(first),
        'movements: a refusal shows its kind, reason, document and officer', first);
      tap.ok(/A7712345/.test(await text(page.locator('#traveller'))) && await page.locator('#traveller-stay').count() === 1,
        'movements: the traveller, his documents and his open stay (or none) are shown');
      await screenshot(page, 'traveller-movements');
      await setLang(t, 'ar');
      await page.locator('#traveller-movements table').waitFor();
      tap.ok(await page.evaluate(() => document.documentElement.dir === 'rtl'
        && [...document.querySelectorAll('#traveller-movements tbody bdi.mono')].some((b) => b.dir === 'ltr' && b.textContent === 'A7712345')),
        'movements: in Arabic, right to left, the document number left to right');
      await screenshot(page, 'traveller-movements-ar');
      await setLang(t, 'en');
      await page.goto(`${t.base}/check`);
      await page.locator('#mrz').waitFor();
      // After a recorded check too.
      await scan(page, td3({ state: 'SYR', surname: 'AL HALABI', given: 'OMAR', number: 'N0457123', nationality: 'SYR',
        birth: '1985-03-14', sex: 'M', expiry: daysFromNow(900) }));
      await page.locator('#decision').waitFor();
      await page.keyboard.press('Enter');
      await page.locator('#check-recorded #check-movements').click();
      await page.locator('#traveller-movements table').waitFor();
      tap.ok(/N0457123/.test(await text(page.locator('#traveller-movements tbody tr').first())), 'movements: the recorded check links to its traveller\'s movements, the new record first');
      await screenshot(page, 'traveller-movements-recorded');
      await page.goto(`${t.base}/check`);

      await setLang(t, 'ar');
      await page.locator('#mrz').waitFor();
      tap.eq(await page.locator('#mrz').getAttribute('dir'), 'ltr', 'check: in Arabic the MRZ box stays left to right');
      await screenshot(page, 'check-ar');
      await setLang(t, 'en');
    },
  },
  {
    name: 'crossings',
    needs: ['GET /api/v1/crossings'],
    async run(t) {
      const { page, tap } = t;
      await login(t, 'supervisor');
      await page.goto(`${t.base}/crossings`);
      await page.locator('#crossings table').waitFor();
      tap.ok(await page.locator('#crossings tbody tr').count() >= 4, 'crossings: the demo crossing points are listed');
      tap.ok(/Waleed|Tanf|Qaim|Rabia|Semalka|Faysh/i.test(await text(page.locator('#crossings'))), 'crossings: the article\'s crossings are there');
      await screenshot(page, 'crossings');

      // A supervisor schedules restricted hours (which need the hours) at his own state's crossing.
      const tok = await t.server.token('supervisor');
      const all = (await t.server.api('GET', '/api/v1/crossings', undefined, tok)).body.crossings;
      const state = Object.fromEntries(all.map((c) => [c.id, c.state]));
      const offered = await page.locator('#schedule-form select[name=crossing_id] option').evaluateAll((os) => os.map((o) => o.value));
      tap.ok(offered.length > 0 && offered.every((id) => state[id] === 'SYR'), 'crossings: a Syrian supervisor is offered Syrian crossings only', offered.join(', '));
      const tanf = offered.includes('tanf') ? 'tanf' : offered[0];
      await page.locator('#schedule-form select[name=crossing_id]').selectOption(tanf);
      await page.locator('#schedule-form select[name=mode]').selectOption('restricted_hours');
      await page.locator('#schedule-form input[name=from]').fill(`${daysFromNow(30)}T06:00`);
      await page.locator('#schedule-form input[name=hours]').fill('22:00-06:00');
      await page.locator('#schedule-form input[name=categories]').fill('national,returnee');
      await page.locator('#schedule-form button[type=submit]').click();
      await page.waitForFunction(() => !document.querySelector('#schedule-form .alert'));
      let row = null;
      for (let i = 0; i < 20 && !row; i++) {
        const sh = await t.server.api('GET', `/api/v1/crossings/${tanf}`, undefined, tok);
        row = (sh.body.schedule || []).find((r) => r.effective_from === `${daysFromNow(30)}T06:00:00Z`);
        if (!row) await page.waitForTimeout(100);
      }
      tap.ok(row && row.mode === 'restricted_hours' && row.hours === '22:00-06:00' && row.categories === 'national,returnee',
        'crossings: the form schedules restricted hours with their hours and categories, from a UTC time', JSON.stringify(row));
    },
  },
  {
    name: 'override requests',
    needs: ['POST /api/v1/border/checks', 'GET /api/v1/border/overrides', 'POST /api/v1/border/overrides/{id}/decision'],
    async run(t) {
      const { page, tap } = t;
      // An officer asks to admit a refused traveller: the request waits for a supervisor.
      const tok = await t.server.token('officer');
      const c = await t.server.api('POST', '/api/v1/border/checks', { crossing_id: 'semalka', direction: 'entry',
        document: { document_number: 'A5550123', nationality: 'IRQ', birth_date: '1975-05-05', surname: 'AL OBAIDI', given_names: 'SAMIR' } }, tok);
      const o = await t.server.api('POST', `/api/v1/border/checks/${c.body.id}/confirm`, { decision: 'admit', reason: 'medical emergency' }, tok);
      tap.eq(o.status, 202, 'overrides: an officer\'s request to admit over a refusal awaits a supervisor');
      await login(t, 'officer');
      await page.goto(`${t.base}/overrides`);
      await page.locator('#overrides table').waitFor();
      tap.ok(await page.locator('#overrides tbody tr').count() >= 1 && await page.locator('#overrides button').count() === 0,
        'overrides: an officer sees the requests without approve or reject buttons he may not use');
      await login(t, 'supervisor');
      await page.goto(`${t.base}/overrides`);
      await page.locator('#overrides table').waitFor();
      tap.ok(await page.locator('#overrides button.success').count() >= 1, 'overrides: a supervisor may approve');
      const reqRow = page.locator('#overrides tbody tr', { hasText: 'A5550123' });
      tap.ok(await reqRow.count() === 1 && /officer/.test(await text(reqRow)) && await reqRow.locator('[data-code=no_valid_visa]').count() === 1,
        'overrides: the supervisor sees whose request it is, the document and the refusal\'s reasons');
      await screenshot(page, 'overrides');

      // Traffic: per crossing, per day and per nationality, as the API counts them.
      await login(t, 'analyst');
      await page.goto(`${t.base}/traffic`);
      await page.locator('#traffic-nationality table').waitFor();
      const atok = await t.server.token('analyst');
      const tr = (await t.server.api('GET', '/api/v1/stats/crossings?by=nationality', undefined, atok)).body;
      const shown = await page.locator('#traffic-nationality tbody tr').count();
      tap.ok(tr.rows.length > 0 && shown === tr.rows.length, 'traffic: a row per nationality, as the API counts', `${shown} vs ${tr.rows.length}`);
      const natCells = await page.locator('#traffic-nationality tbody th').allInnerTexts();
      tap.ok(natCells.length > 0 && natCells.every((c) => !/^(\w{3})\s+\1$/.test(c.trim())), 'traffic: a nationality without a name is shown once', natCells.join(' | '));
      await screenshot(page, 'traffic');
      if (checkedTraveller) {
        await page.goto(`${t.base}/travellers/${checkedTraveller}/movements`);
        await page.locator('main h1').waitFor();
        tap.ok(/not found/i.test(await text(page.locator('main h1'))), 'movements: an analyst may not open a traveller\'s movements (the API is for officers)');
      }

      // Overstayers on a day, as the API lists them (the demo has one: a visa-free stay).
      await page.goto(`${t.base}/overstays`);
      await page.locator('#overstays table').waitFor();
      const ov = (await t.server.api('GET', '/api/v1/border/overstays', undefined, atok)).body;
      const ovShown = await page.locator('#overstays tbody tr:not(.empty)').count();
      tap.ok(ov.overstays.length > 0 && ovShown === ov.overstays.length, 'overstays: the screen lists the overstayers the API gives', `${ovShown} vs ${ov.overstays.length}`);
      await setLang(t, 'ar');
      await page.locator('#overstays table').waitFor();
      tap.eq(await page.evaluate(() => document.documentElement.dir), 'rtl', 'overstays: in Arabic, right to left');
      await screenshot(page, 'overstays-ar');
      await setLang(t, 'en');
    },
  },
  {
    name: 'medical visa with escort',
    needs: ['POST /api/v1/visa-applications', 'GET /api/v1/visa-applications/{id}', 'GET /api/v1/visas/{id}', 'POST /api/v1/visas/verify'],
    async run(t) {
      const { page, tap } = t;
      await login(t, 'consul');
      const apply = async (person, purpose, extra) => {
        await page.goto(`${t.base}/visas/new${extra.patient ? `?purpose=medical_escort&patient=${encodeURIComponent(extra.patient)}` : ''}`);
        await page.locator('#visa-form').waitFor();
        await page.locator('textarea[name=mrz]').fill(td3(person).join('\n'));
        await page.locator('select[name=purpose]').selectOption(purpose);
        await page.locator('input[name=entry_date]').fill(daysFromNow(10));
        await page.locator('input[name=days]').fill('21');
        if (extra.hospital) {
          await page.locator('input[name=hospital]').fill(extra.hospital);
          await page.locator('input[name=medical_letter]').fill(extra.letter);
        }
        await screenshot(page, `visa-new-${purpose}`);
        await page.locator('#visa-submit').click();
        await page.waitForURL('**/visas/applications/*');
        await page.locator('#application-title').waitFor();
        return decodeURIComponent(page.url().split('/').pop());
      };
      const issue = async (label) => {
        let state = await page.locator('#application-title').getAttribute('data-state');
        if (state === 'submitted' && await page.locator('#visa-review').count()) {
          await page.locator('#visa-review').click();
          await page.waitForFunction(() => document.querySelector('#application-title')?.dataset.state !== 'submitted');
          state = await page.locator('#application-title').getAttribute('data-state');
        }
        if (state === 'submitted' || state === 'under_review') {
          await page.locator('#visa-approve').click();
          await page.waitForFunction(() => document.querySelector('#application-title')?.dataset.state === 'approved');
        }
        await screenshot(page, `visa-application-${label}`);
        await page.locator('#visa-issue').click();
        await page.waitForURL('**/visas/issued/*');
        await page.locator('#visa-page').waitFor();
        tap.ok(/\S/.test(await text(page.locator('#visa-mrz'))), `visa: the ${label}'s visa page shows its MRZ`);
        await screenshot(page, `visa-${label}`);
        return (await page.locator('#visa-seal-hex').textContent() || '').trim();
      };
      const patient = { state: 'IRQ', surname: 'AL SAADI', given: 'MAHMOUD', number: 'B3345671', nationality: 'IRQ', birth: '1961-06-20', sex: 'M', expiry: daysFromNow(1500) };
      const escort = { state: 'IRQ', surname: 'AL SAADI', given: 'HUDA', number: 'B3345672', nationality: 'IRQ', birth: '1990-01-09', sex: 'F', expiry: daysFromNow(1500) };
      const patientApp = await apply(patient, 'medical', { hospital: 'Al-Mouwasat University Hospital, Damascus', letter: 'MUH-2021-0457' });
      tap.ok(true, 'visa: the medical application is submitted and opens with its screening');
      const seal = await issue('patient');
      tap.ok(/^[0-9A-Fa-f]{40,}$/.test(seal), 'visa: the issued visa carries a seal');
      await page.goto(`${t.base}/visas/applications/${encodeURIComponent(patientApp)}`);
      await page.locator('#visa-add-escort').click();
      await page.waitForURL('**/visas/new*');
      const escortApp = await apply(escort, 'medical_escort', { patient: patientApp });
      tap.ok(escortApp !== patientApp, 'visa: the escort\'s application is linked to the patient\'s');
      await issue('escort');
      await page.goto(`${t.base}/visas/verify?seal=${encodeURIComponent(seal)}`);
      await page.locator('#verify-verdict').waitFor();
      tap.eq(await page.locator('#verify-verdict').getAttribute('data-valid'), 'true', 'visa: the patient\'s seal verifies');
      await screenshot(page, 'visa-verify');
      const bad = seal.slice(0, -4) + (seal.slice(-4) === '0000' ? '1111' : '0000');
      await page.goto(`${t.base}/visas/verify?seal=${encodeURIComponent(bad)}`);
      await page.locator('#verify-verdict, [data-field=seal] .field-error:not([hidden])').first().waitFor();
      tap.ok(await page.locator('#verify-verdict[data-valid=true]').count() === 0, 'visa: a tampered seal does not verify');
    },
  },
  {
    name: 'register household with duplicate warning',
    needs: ['POST /api/v1/households'],
    async run(t) {
      const { page, tap } = t;
      await login(t, 'registrar');
      const fill = async () => {
        await page.goto(`${t.base}/registry/new`);
        await page.locator('#register-form').waitFor();
        const loc = page.locator('[data-field=location] select, [data-field=location] input').first();
        if (await loc.evaluate((e) => e.tagName) === 'SELECT') {
          const values = await loc.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
          const pick = values.find(([, l]) => /Hol|الهول/.test(l)) || values.find(([v]) => v);
          await loc.selectOption(pick[0]);
        } else {
          await loc.fill('SY0803');
        }
        const m0 = page.locator('[data-member="0"]');
        await m0.locator('select[name=population_type]').selectOption('ASY');
        await m0.locator('select[name=sex]').selectOption('M');
        await m0.locator('input[name=birth_date]').fill('1978-04-02');
        await m0.locator('input[name=given_name_ar]').fill('عبد الرحمن');
        await m0.locator('input[name=father_name_ar]').fill('محمود');
        await m0.locator('input[name=family_name_ar]').fill('الدليمي');
        await m0.locator('input[name=given_name]').fill('Abdulrahman');
        await m0.locator('input[name=father_name]').fill('Mahmoud');
        await m0.locator('input[name=family_name]').fill('Al-Dulaimi');
        await page.locator('#add-member').click();
        const m1 = page.locator('[data-member="1"]');
        await m1.locator('select[name=relationship]').selectOption('spouse');
        await m1.locator('select[name=population_type]').selectOption('ASY');
        await m1.locator('select[name=sex]').selectOption('F');
        await m1.locator('input[name=birth_date]').fill('1982-09-15');
        await m1.locator('input[name=given_name_ar]').fill('فاطمة');
        await m1.locator('input[name=family_name_ar]').fill('الجبوري');
        await m1.locator('input[name=given_name]').fill('Fatima');
        await m1.locator('input[name=family_name]').fill('Al-Jubouri');
      };
      await fill();
      await screenshot(page, 'register-form');
      await page.locator('#register-submit').click();
      let done = page.locator('#register-done');
      await page.locator('#register-done, #dup-alert').first().waitFor();
      if (await page.locator('#dup-alert').count()) {
        // The demo registry may already hold someone like him: confirm and register.
        await page.locator('#register-anyway').click();
        await done.waitFor();
      }
      tap.ok(true, 'registry: a household of two is registered');
      await screenshot(page, 'register-done');

      await fill();
      const live = page.locator('.member-candidates .candidates');
      await page.locator('#register-submit').click();
      await page.locator('#dup-alert, .member-candidates .candidates').first().waitFor();
      tap.ok(await page.locator('#dup-alert').count() + await live.count() > 0,
        'registry: registering the same household again warns of duplicates');
      tap.ok(await page.locator('#register-done').count() === 0, 'registry: nothing is registered while duplicates are unresolved');
      await screenshot(page, 'register-duplicates');
    },
  },
  {
    name: 'population dashboard',
    needs: ['GET /api/v1/stats/population'],
    async run(t) {
      const { page, tap } = t;
      await login(t, 'analyst');
      await page.keyboard.press('Alt+D');
      await page.waitForURL('**/dashboard');
      await page.locator('#figures').waitFor();
      const figures = await page.locator('#figures .value').allInnerTexts();
      const nums = figures.map(digitsOnly);
      for (const want of ['45418', '18817', '18664', '7879', '58']) {
        tap.ok(nums.includes(want), `dashboard: the article's figure ${Number(want).toLocaleString('en')} is shown`, figures.join(' | '));
      }
      tap.ok(/45,418/.test(await text(page.locator('#dashboard'))), 'dashboard: figures are written with thousands separators');
      tap.ok(await page.locator('#gap-note').count() === 1, 'dashboard: the 58 the article leaves out are explained, not hidden');
      await screenshot(page, 'dashboard');
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-csv=population-type-location]').click()]);
      const csv = fs.readFileSync(await download.path(), 'utf8');
      tap.ok(/^type,location_type,count/.test(csv) && /REF/.test(csv), 'dashboard: the table exports as CSV');
      await setLang(t, 'ar');
      await page.locator('#figures').waitFor();
      tap.ok(/٤٥|45/.test(await text(page.locator('#figures'))), 'dashboard: the figures are there in Arabic too');
      await screenshot(page, 'dashboard-ar');
      await setLang(t, 'en');
    },
  },
  stubScenario,
];
