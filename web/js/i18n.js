// SPDX-License-Identifier: Apache-2.0
//
// Languages, digits and dates. Every string the interface shows comes from
// t(key) and the dictionaries in lang/en.js and lang/ar.js, which hold the
// same keys (tests/e2e/i18n_check.mjs fails the suite when one lacks a key
// the other has, or when the code uses a key neither has). A value may be a
// plural object {zero, one, two, few, many, other} chosen by Intl.PluralRules,
// which Arabic needs.
//
// Direction: <html lang dir> is set from the language, and the stylesheet
// uses logical properties only (margin-inline-start, inset-inline-end, ...),
// so the whole layout mirrors without a second stylesheet. Text that must stay
// left to right (MRZ, document numbers, ISO codes) is wrapped in <bdi dir=ltr>.
//
// Digits: Western (0-9) by default in both languages; Eastern Arabic digits
// (٠-٩) are a preference. Input accepts both (normDigits). Dates are shown with
// the month as a word and a four-digit year, never 03/04/05, in the UTC zone
// the server records them in, with the ISO form in the <time> element.

import en from './lang/en.js';
import ar from './lang/ar.js';

export const dictionaries = { en, ar };
export const languages = [
  { code: 'en', name: 'English', dir: 'ltr', locale: 'en-GB' },
  { code: 'ar', name: 'العربية', dir: 'rtl', locale: 'ar-SY' },
];

const listeners = new Set();
let lang = pickLang();
let eastern = localStorage.getItem('ubur.digits') === 'arab';

function pickLang() {
  const saved = localStorage.getItem('ubur.lang');
  if (saved && dictionaries[saved]) return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

export function getLang() { return lang; }
export function langInfo(code = lang) { return languages.find((l) => l.code === code); }
export function easternDigits() { return eastern; }
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function setLang(code) {
  if (!dictionaries[code]) return;
  lang = code;
  localStorage.setItem('ubur.lang', code);
  applyDocument();
  listeners.forEach((fn) => fn());
}

export function setEasternDigits(on) {
  eastern = !!on;
  localStorage.setItem('ubur.digits', eastern ? 'arab' : 'latn');
  applyDocument();
  listeners.forEach((fn) => fn());
}

export function applyDocument() {
  const info = langInfo();
  document.documentElement.lang = info.code;
  document.documentElement.dir = info.dir;
  document.documentElement.classList.toggle('digits-arab', eastern);
}

function lookup(dict, key) {
  return Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : undefined;
}

// t('users.created', {name: 'x'}) -> string; {n} picks the plural form.
export function t(key, vars) {
  let v = lookup(dictionaries[lang], key);
  if (v === undefined) v = lookup(en, key);
  if (v === undefined) {
    console.warn('ubur: no translation for', key);
    return key;
  }
  if (typeof v === 'object') {
    const n = vars && typeof vars.n === 'number' ? vars.n : 0;
    const cat = n === 0 && v.zero !== undefined ? 'zero' : new Intl.PluralRules(langInfo().locale).select(n);
    v = v[cat] !== undefined ? v[cat] : v.other;
  }
  if (!vars) return v;
  return v.replace(/\{(\w+)\}/g, (m, name) => {
    if (!(name in vars)) return m;
    const x = vars[name];
    return typeof x === 'number' ? num(x) : String(x);
  });
}

// Like t(), but returns undefined when there is no translation (for codes the
// server sends, such as reason codes, whose text may be the server's).
export function tMaybe(key, vars) {
  if (lookup(dictionaries[lang], key) === undefined && lookup(en, key) === undefined) return undefined;
  return t(key, vars);
}

function locale() {
  return `${langInfo().locale}-u-nu-${eastern ? 'arab' : 'latn'}`;
}

export function num(n, opts) {
  if (n === null || n === undefined || n === '') return '';
  const x = Number(n);
  if (!Number.isFinite(x)) return String(n);
  return new Intl.NumberFormat(locale(), opts).format(x);
}

export function pct(x, digits = 1) {
  return num(x, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// Digits as the user prefers, for text that is mostly digits (an MRZ is not).
export function digits(s) {
  if (!eastern) return String(s);
  return String(s).replace(/[0-9]/g, (d) => '٠١٢٣٤٥٦٧٨٩'[d]);
}

// Eastern Arabic (and Persian) digits typed into a field become 0-9.
export function normDigits(s) {
  return String(s ?? '')
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

// "2021-12-05" or a full timestamp -> "5 Dec 2021" / "٥ كانون الأول ٢٠٢١".
export function date(iso) {
  if (!iso) return '';
  const s = String(iso);
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(s);
  if (m && !m[3]) {
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, 1));
    return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
  }
  const d = new Date(m ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(d.getTime())) return s;
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d);
}

// A timestamp -> "5 Dec 2021, 14:05 UTC" (24-hour clock).
export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const f = new Intl.DateTimeFormat(locale(), {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23', timeZone: 'UTC',
  }).format(d);
  return `${f} ${t('time.utc')}`;
}
