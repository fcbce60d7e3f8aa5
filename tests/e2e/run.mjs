// SPDX-License-Identifier: Apache-2.0
//
// End-to-end tests of the web interface: a real `ubur serve` with the demo
// data, Debian's chromium headless, and each scenario of issue 8 driven as a
// user would (keyboard and clicks). Prints TAP. Each screen's screenshot goes
// to tests/artifacts/e2e/. A scenario whose API is not on the server yet (as
// its OpenAPI document says) reports "# SKIP" with the route it waits for,
// and runs as soon as that route lands.
//
// Usage: node tests/e2e/run.mjs [--bin build/ubur] [--only NAME]

import fs from 'node:fs';
import path from 'node:path';
import { Tap, Server, launchBrowser, closeBrowser, ROOT, ARTIFACTS } from './lib.mjs';
import { scenarios } from './scenarios.mjs';
import { i18nChecks } from './i18n_check.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const bin = opt('--bin', path.join(ROOT, 'build', 'ubur'));
const only = opt('--only', process.env.UBUR_E2E_ONLY || '');

const tap = new Tap();
let server;
let browser;
const started = Date.now();

async function main() {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await i18nChecks(tap);
  if (!fs.existsSync(process.env.UBUR_CHROMIUM || '/usr/bin/chromium')) {
    tap.ok(false, 'chromium is installed', 'install it with: make test-deps (Debian package chromium)');
    return;
  }
  server = await new Server(bin).start();
  const routes = await server.routes();
  browser = await launchBrowser(server);
  const t = {
    tap, server, routes, page: browser.page, context: browser.context, base: server.url,
  };
  for (const sc of scenarios) {
    if (only && !sc.name.includes(only)) continue;
    const missing = (sc.needs || []).filter((r) => !routes.has(r));
    if (missing.length) {
      tap.skip(sc.name, `the API has not landed yet: ${missing.join(', ')}`);
      continue;
    }
    const t0 = Date.now();
    const before = tap.failed;
    try {
      await sc.run(t);
    } catch (e) {
      tap.ok(false, `${sc.name}: runs to the end`, e.stack || e);
      await browser.page.screenshot({ path: path.join(ARTIFACTS, `failed-${sc.name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
    }
    if (tap.failed > before) tap.diag(`server log:\n${server.logTail(15)}`);
    tap.diag(`${sc.name}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  tap.ok(browser.problems.length === 0, 'no script error and no Content-Security-Policy violation in any screen',
    browser.problems.slice(0, 10).join('\n'));
  tap.ok(browser.external.length === 0, 'the interface fetched nothing from outside the ubur server',
    browser.external.slice(0, 10).join('\n'));
}

let code = 1;
try {
  await main();
} catch (e) {
  tap.ok(false, 'the e2e harness starts', e.stack || e);
} finally {
  await closeBrowser(browser);
  if (server) await server.stop();
  tap.diag(`e2e total: ${((Date.now() - started) / 1000).toFixed(1)}s; screenshots in ${path.relative(ROOT, ARTIFACTS)}/`);
  code = tap.done();
}
process.exit(code);
