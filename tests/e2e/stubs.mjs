// SPDX-License-Identifier: Apache-2.0
//
// A smoke test of the screens whose API has not landed, against stubbed
// answers (Playwright intercepts the page's requests): the screens must draw
// in English and Arabic without a script error or a CSP violation, and the
// keyboard flows must work. The answers follow the shapes in the issues;
// the real scenarios in scenarios.mjs test the real API as soon as it lands,
// and a stub is used only for routes the server does not have.

import { screenshot } from './lib.mjs';
import { td3, daysFromNow } from './mrz.mjs';

const op = (roles) => ({ 'x-roles': roles, responses: {} });
const ALL = ['admin', 'supervisor', 'border_officer', 'consular_officer', 'registration_officer', 'analyst'];

const crossings = [
  { id: 'c-waleed', name: 'Al-Waleed', name_ar: 'الوليد', state: 'IRQ', governorate: 'Anbar', partner_id: 'c-tanf', mode: 'open', latitude: 33.4332, longitude: 38.9374 },
  { id: 'c-tanf', name: 'Al-Tanf', name_ar: 'التنف', state: 'SYR', governorate: 'Homs', partner_id: 'c-waleed', mode: 'open',
    schedule: [{ mode: 'closed', from: `${daysFromNow(20)}T00:00:00Z` }] },
  { id: 'c-bukamal', name: 'Albu Kamal', name_ar: 'البوكمال', state: 'SYR', governorate: 'Deir ez-Zor', partner_id: 'c-qaim', mode: 'humanitarian' },
];

const population = {
  'type,location_type': [
    { type: 'REF', location_type: 'U', count: 18817 }, { type: 'ASY', location_type: 'U', count: 18664 },
    { type: 'ASY', location_type: 'C', count: 7879 }, { type: 'OOC', location_type: 'U', count: 58 }],
  governorate: [{ governorate: 'Damascus', count: 11040 }, { governorate: 'Al-Hasakah', count: 34378 }],
  origin: [{ origin: 'IRQ', count: 40112 }, { origin: 'AFG', count: 2011 }, { origin: 'SOM', count: 3295 }],
  'sex,age_band': [['F', '0-4', 3102], ['M', '0-4', 3250], ['F', '5-11', 4800], ['M', '5-11', 4950], ['F', '12-17', 2600], ['M', '12-17', 2700],
    ['F', '18-59', 11200], ['M', '18-59', 10900], ['F', '60+', 910], ['M', '60+', 1006]].map(([sex, age_band, count]) => ({ sex, age_band, count })),
};

export function stubRoutes(real) {
  const stub = {
    'POST /api/v1/border/checks': { roles: ['border_officer', 'supervisor'], answer: (body) => {
      const expired = /A7712345/.test(body.mrz);
      return { status: 201, body: { id: expired ? 'chk-2' : 'chk-1', decision: expired ? 'refuse' : 'admit',
        reasons: expired ? [{ code: 'document_expired', message: 'the passport expired' }] : [],
        document: { surname: expired ? 'AL JUBOURI' : 'AL HALABI', given_names: expired ? 'KHALID' : 'OMAR', document_number: expired ? 'A7712345' : 'N0457123',
          nationality: expired ? 'IRQ' : 'SYR', birth_date: '1985-03-14', expiry_date: expired ? daysFromNow(-40) : daysFromNow(900) } } };
    } },
    'POST /api/v1/border/checks/{id}/confirm': { roles: ['border_officer', 'supervisor'], answer: () => ({ status: 201, body: { record_id: 'rec-1', recorded_at: new Date().toISOString() } }) },
    'GET /api/v1/crossings': { roles: ALL, answer: () => ({ status: 200, body: crossings }) },
    'GET /api/v1/stats/population': { roles: ['analyst', 'supervisor', 'admin'], answer: (body, url) => ({ status: 200, body: { rows: population[url.searchParams.get('by')] || [] } }) },
    'POST /api/v1/households': { roles: ['registration_officer', 'supervisor'], answer: () => ({ status: 409, body: { error: { code: 'conflict', message: 'likely duplicates found', field: 'members' },
      candidates: [{ score: 0.93, person: { id: 'ind-7', individual_number: 'SYR-21-000457', given_name: 'Abdulrahman', family_name: 'Al-Dulaimi', given_name_ar: 'عبد الرحمن', family_name_ar: 'الدليمي', birth_date: '1978-04-02', origin: 'IRQ' } }] } }) },
    'POST /api/v1/individuals/candidates': { roles: ['registration_officer', 'supervisor'], answer: () => ({ status: 200, body: { candidates: [
      { score: 0.91, person: { id: 'ind-7', individual_number: 'SYR-21-000457', given_name: 'Abdulrahman', family_name: 'Al-Dulaimi', given_name_ar: 'عبد الرحمن', family_name_ar: 'الدليمي', birth_date: '1978-04-02', origin: 'IRQ' } }] } }) },
  };
  const active = Object.fromEntries(Object.entries(stub).filter(([k]) => !real.has(k)));
  return active;
}

// Installs the stubs on the page: the OpenAPI document gains the stubbed
// routes, and requests to them get the stubbed answers.
export async function installStubs(page, active) {
  const toRegex = (p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`);
  await page.route('**/api/v1/**', async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    if (url.pathname === '/api/v1/openapi.json') {
      const res = await route.fetch();
      const doc = await res.json();
      for (const [k, v] of Object.entries(active)) {
        const [m, p] = k.split(' ');
        doc.paths[p] = { ...(doc.paths[p] || {}), [m.toLowerCase()]: op(v.roles) };
      }
      return route.fulfill({ response: res, json: doc });
    }
    for (const [k, v] of Object.entries(active)) {
      const [m, p] = k.split(' ');
      if (m === req.method() && toRegex(p).test(url.pathname)) {
        const a = v.answer(req.postDataJSON ? (() => { try { return req.postDataJSON(); } catch { return {}; } })() : {}, url);
        return route.fulfill({ status: a.status, json: a.body });
      }
    }
    return route.fallback();
  });
}

export const stubScenario = {
  name: 'screens with stubbed APIs',
  async run(t) {
    const { page, tap } = t;
    const active = stubRoutes(t.routes);
    if (!Object.keys(active).length) {
      tap.skip('stubbed screens', 'every API these screens use has landed; the real scenarios cover them');
      return;
    }
    tap.diag(`stubbed routes: ${Object.keys(active).join(', ')}`);
    await installStubs(page, active);
    try {
      const { login, setLang } = await import('./scenarios.mjs');
      if (active['POST /api/v1/border/checks']) {
        await login(t, 'officer');
        await page.keyboard.press('Alt+C');
        await page.locator('#mrz').waitFor();
        for (const l of td3({ state: 'SYR', surname: 'AL HALABI', given: 'OMAR', number: 'N0457123', nationality: 'SYR', birth: '1985-03-14', sex: 'M', expiry: daysFromNow(900) })) {
          await page.keyboard.type(l);
          await page.keyboard.press('Enter');
        }
        await page.locator('#decision[data-decision=admit]').waitFor();
        tap.ok(true, 'stub: a scanned MRZ is checked without a click');
        await page.keyboard.press('Enter');
        await page.locator('#check-recorded').waitFor();
        for (const l of td3({ state: 'IRQ', surname: 'AL JUBOURI', given: 'KHALID', number: 'A7712345', nationality: 'IRQ', birth: '1979-11-02', sex: 'M', expiry: daysFromNow(-40) })) {
          await page.keyboard.type(l);
          await page.keyboard.press('Enter');
        }
        await page.locator('#decision[data-decision=refuse]').waitFor();
        tap.ok(await page.locator('#decision li[data-code=document_expired]').count() === 1, 'stub: a refusal shows its reason');
        await screenshot(page, 'stub-check-refuse');
        await page.locator('#check-override').click();
        await page.locator('#override-form textarea[name=reason]').waitFor();
        await page.locator('#override-form button[type=submit]').click();
        tap.ok(await page.locator('#override-form [data-field=reason] .field-error:not([hidden])').count() === 1, 'stub: an override without a reason is stopped beside the reason field');
        await page.keyboard.press('Escape');
        await setLang(t, 'ar');
        await page.locator('#mrz').waitFor();
        await screenshot(page, 'stub-check-ar');
        await setLang(t, 'en');
      }
      if (active['GET /api/v1/crossings']) {
        await login(t, 'supervisor');
        await page.goto(`${t.base}/crossings`);
        await page.locator('#crossings table').waitFor();
        await screenshot(page, 'stub-crossings');
      }
      if (active['POST /api/v1/households']) {
        await login(t, 'registrar');
        await page.goto(`${t.base}/registry/new`);
        await page.locator('#register-form').waitFor();
        const m0 = page.locator('[data-member="0"]');
        await page.locator('[data-field=location] input, [data-field=location] select').first().fill('SY0803').catch(() => {});
        await m0.locator('select[name=sex]').selectOption('M');
        await m0.locator('input[name=given_name]').fill('Abdel Rahman');
        await m0.locator('input[name=family_name]').fill('Al Dulaimi');
        if (active['POST /api/v1/individuals/candidates']) {
          await m0.locator('.member-candidates .candidates').waitFor();
          tap.ok(true, 'stub: live duplicate candidates appear while typing');
        }
        await page.locator('#register-submit').click();
        await page.locator('#dup-alert').waitFor();
        tap.ok(true, 'stub: a 409 with candidates shows the duplicate warning');
        await screenshot(page, 'stub-register-duplicates');
        await setLang(t, 'ar');
        await screenshot(page, 'stub-register-ar');
        await setLang(t, 'en');
      }
      if (active['GET /api/v1/stats/population']) {
        await login(t, 'analyst');
        await page.keyboard.press('Alt+D');
        await page.locator('#figures').waitFor();
        const txt = await page.locator('#dashboard').innerText();
        tap.ok(['45,418', '18,817', '18,664', '7,879'].every((x) => txt.includes(x)) && !!(await page.locator('#gap-note').count()), 'stub: the dashboard draws figures, the table and the gap note');
        await screenshot(page, 'stub-dashboard');
        await setLang(t, 'ar');
        await page.locator('#figures').waitFor();
        await page.locator('#digits-toggle').check();
        await page.locator('#figures').waitFor();
        await screenshot(page, 'stub-dashboard-ar');
        await page.locator('#digits-toggle').uncheck();
        await setLang(t, 'en');
      }
    } finally {
      await page.unroute('**/api/v1/**');
    }
  },
};
