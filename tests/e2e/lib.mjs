// SPDX-License-Identifier: Apache-2.0
//
// The browser-test harness: TAP output, a real `ubur serve` on a free
// loopback port with `ubur demo` data in a throwaway directory (as
// tests/integration/harness.py does for the HTTP tests), and Debian's
// chromium driven by playwright-core with a fresh profile, every background
// service off, and every request that is not to the test server refused and
// counted (the UI must fetch nothing from anywhere else).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts', 'e2e');

export class Tap {
  constructor() { this.n = 0; this.failed = 0; }
  ok(cond, name, detail) {
    this.n += 1;
    console.log(`${cond ? 'ok' : 'not ok'} ${this.n} - ${name}`);
    if (!cond) {
      this.failed += 1;
      if (detail !== undefined) String(detail).split('\n').slice(0, 20).forEach((l) => console.log(`#   ${l}`));
    }
    return !!cond;
  }
  eq(got, want, name) {
    return this.ok(got === want, name, `got:  ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
  }
  skip(name, why) {
    this.n += 1;
    console.log(`ok ${this.n} - ${name} # SKIP ${why}`);
  }
  diag(msg) { String(msg).split('\n').forEach((l) => console.log(`# ${l}`)); }
  done() {
    console.log(`1..${this.n}`);
    return this.failed ? 1 : 0;
  }
}

function run(bin, args) {
  const p = spawnSync(bin, args, { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`ubur ${args.join(' ')} failed (${p.status}): ${p.stderr}`);
  return p;
}

export class Server {
  constructor(bin, { state = 'SYR', demo = true } = {}) {
    this.bin = path.resolve(bin);
    this.state = state;
    this.demo = demo;
  }

  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubur-e2e-'));
    this.db = path.join(this.dir, 'ubur.db');
    this.pwfile = path.join(this.dir, 'passwords.txt');
    const db = ['--db', this.db];
    run(this.bin, [...db, 'init', '--state', this.state, '--password-file', this.pwfile]);
    if (this.demo) run(this.bin, [...db, 'demo', '--password-file', this.pwfile]);
    this.passwords = {};
    for (const line of fs.readFileSync(this.pwfile, 'utf8').split('\n')) {
      const [u, p] = line.trim().split(/\s+/);
      if (u && p) this.passwords[u] = p;
    }
    this.logPath = path.join(this.dir, 'server.log');
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(this.bin, [...db, 'serve', '--listen', '127.0.0.1:0', '--web', path.join(ROOT, 'web')],
      { stdio: ['ignore', log, 'pipe'] });
    this.url = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${buf}`)), 15000);
      this.proc.stderr.on('data', (d) => {
        const s = d.toString();
        fs.appendFileSync(this.logPath, s);
        if (this.url) return;
        buf += s;
        const m = /listening on (\S+)/.exec(buf);
        if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
      });
      this.proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${buf}`)); });
    });
    this.host = new URL(this.url).host;
    return this;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await new Promise((r) => { this.proc.once('exit', r); setTimeout(r, 5000); });
    }
    if (this.dir && !process.env.UBUR_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(n = 30) {
    try { return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
  }

  // Direct API calls (setup and cross-checks), with a bearer token.
  async api(method, p, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(this.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: json ?? text };
  }

  async token(user) {
    const r = await this.api('POST', '/api/v1/session', { username: user, password: this.passwords[user] });
    if (r.status !== 201) throw new Error(`login ${user}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token;
  }

  async routes() {
    const r = await this.api('GET', '/api/v1/openapi.json');
    const set = new Set();
    for (const [p, ops] of Object.entries(r.body.paths || {})) {
      for (const m of Object.keys(ops)) set.add(`${m.toUpperCase()} ${p}`);
    }
    return set;
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider',
];

// A fresh profile in a temporary directory; returns {context, page, profile, external, problems}.
export async function launchBrowser(server) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ubur-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.UBUR_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    acceptDownloads: true,
  });
  const external = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.host === server.host) return route.continue();
    external.push(u.href);
    return route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // A failed API call the test provoked on purpose is logged as a resource error; CSP
    // violations and script errors are what this catches.
    if (/Failed to load resource: the server responded with a status of (4\d\d)/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  return { context, page, profile, external, problems };
}

export async function closeBrowser(b) {
  if (!b) return;
  await b.context.close().catch(() => {});
  fs.rmSync(b.profile, { recursive: true, force: true });
}

let shotSeq = 0;
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  shotSeq += 1;
  const file = path.join(ARTIFACTS, `${String(shotSeq).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
