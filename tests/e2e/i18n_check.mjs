// SPDX-License-Identifier: Apache-2.0
//
// Static checks of the interface's translations, in TAP: Arabic and English
// hold the same keys with the same {placeholders}; plural values have the
// forms each language needs; every key the code names (t('x'), tMaybe('x'),
// a screen's title and its '.about') exists; every dynamic family the code
// builds (t(`role.${r}`)) has members; and no file under web/ sets an inline
// style attribute or an inline script, which the server's CSP would block.
//
// Usage: node tests/e2e/i18n_check.mjs (run.mjs runs these checks first, too)

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Tap, ROOT } from './lib.mjs';

export async function i18nChecks(tap) {
const WEB = path.join(ROOT, 'web');
const en = (await import(pathToFileURL(path.join(WEB, 'js/lang/en.js')))).default;
const ar = (await import(pathToFileURL(path.join(WEB, 'js/lang/ar.js')))).default;

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out); else out.push(p);
  }
  return out;
}
const files = walk(WEB);
const code = files.filter((f) => f.endsWith('.js') && !f.includes(`${path.sep}lang${path.sep}`))
  .map((f) => [path.relative(ROOT, f), fs.readFileSync(f, 'utf8')]);

const placeholders = (v) => new Set((typeof v === 'object' ? Object.values(v).join(' ') : v)
  .match(/\{\w+\}/g) || []);
const sameSet = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));

const enKeys = Object.keys(en);
const arKeys = Object.keys(ar);
const missingAr = enKeys.filter((k) => !(k in ar));
const missingEn = arKeys.filter((k) => !(k in en));
tap.ok(missingAr.length === 0, `every English string has an Arabic translation (${enKeys.length} keys)`, missingAr.join('\n'));
tap.ok(missingEn.length === 0, 'every Arabic string has an English one', missingEn.join('\n'));

const badPh = enKeys.filter((k) => k in ar && !sameSet(placeholders(en[k]), placeholders(ar[k]))
  // An Arabic plural form may spell the number out ("قيدان") and drop {n}.
  && !(typeof ar[k] === 'object' && sameSet(new Set([...placeholders(en[k])].filter((p) => p !== '{n}')),
    new Set([...placeholders(ar[k])].filter((p) => p !== '{n}')))));
tap.ok(badPh.length === 0, 'Arabic and English use the same placeholders', badPh.join('\n'));

const badPlural = enKeys.filter((k) => typeof en[k] === 'object'
  && !(en[k].one && en[k].other && typeof ar[k] === 'object' && ['one', 'two', 'few', 'many', 'other'].every((c) => ar[k][c])));
tap.ok(badPlural.length === 0, 'plurals have English one/other and Arabic one/two/few/many/other', badPlural.join('\n'));

const empty = [...enKeys.filter((k) => en[k] === ''), ...arKeys.filter((k) => ar[k] === '')];
tap.ok(empty.length === 0, 'no string is empty', empty.join('\n'));

const untranslated = arKeys.filter((k) => typeof ar[k] === 'string' && /[A-Za-z]{4,}/.test(ar[k].replace(/\{\w+\}|CSV|UTC|MRZ|ICAO|PDF|Alt\+\w|ubur|SVG|PNG/g, ''))
  && !/[\u0600-\u06FF]/.test(ar[k]));
tap.ok(untranslated.length === 0, 'no Arabic string is left in English', untranslated.join('\n'));

const used = new Map();
const families = new Map();
for (const [file, src] of code) {
  for (const m of src.matchAll(/\b(?:t|tMaybe)\(\s*'([^']+)'/g)) used.set(m[1], file);
  for (const m of src.matchAll(/\btitle:\s*'([a-z_]+\.[a-z_.]+)'/g)) {
    used.set(m[1], file);
    used.set(`${m[1]}.about`, file);
  }
  for (const m of src.matchAll(/\b(?:t|tMaybe)\(\s*`([a-z_.]+)\$\{/g)) families.set(m[1], file);
  for (const m of src.matchAll(/\blabelKey:\s*'([^']+)'/g)) used.set(m[1], file);
  for (const m of src.matchAll(/\b(?:codeLabel)\(\s*'([a-z_]+)'/g)) families.set(`${m[1]}.`, file);
}
const unknown = [...used].filter(([k]) => !(k in en)).map(([k, f]) => `${f}: ${k}`);
tap.ok(unknown.length === 0, `every key the code uses exists (${used.size} keys)`, unknown.join('\n'));
const emptyFam = [...families].filter(([p]) => !enKeys.some((k) => k.startsWith(p))).map(([p, f]) => `${f}: ${p}*`);
tap.ok(emptyFam.length === 0, `every dynamic key family has members (${families.size} families)`, emptyFam.join('\n'));

const inline = [];
for (const f of files.filter((x) => /\.(html|js|svg)$/.test(x))) {
  const src = fs.readFileSync(f, 'utf8');
  const rel = path.relative(ROOT, f);
  if (/\sstyle\s*=/.test(src) || /'style'\s*[,:]/.test(src) || /setAttribute\(\s*'style'/.test(src)) inline.push(`${rel}: style attribute`);
  if (/<script(?![^>]*\bsrc=)[^>]*>/.test(src)) inline.push(`${rel}: inline <script>`);
  if (/\son[a-z]+\s*=\s*"/.test(src) && rel.endsWith('.html')) inline.push(`${rel}: inline event handler`);
  if (/innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write/.test(src)) inline.push(`${rel}: HTML parsing from strings`);
  if (/https?:\/\/(?!www\.w3\.org\/)/.test(src)) inline.push(`${rel}: an absolute URL (nothing may be fetched from elsewhere)`);
}
tap.ok(inline.length === 0, 'no inline style or script, no HTML parsed from strings, no outside URL under web/', inline.join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const tap = new Tap();
  await i18nChecks(tap);
  process.exit(tap.done());
}
