// SPDX-License-Identifier: Apache-2.0
//
// Small pieces several screens share: reading lists out of API answers
// (a bare array or {items|<name>: [...]}) and crossing points, whose names
// exist in both scripts.

import { getLang, tMaybe } from '../i18n.js';
import * as api from '../api.js';

// The array in an API answer: r itself, r[key], or the first array member.
export function listOf(r, key) {
  if (!r) return [];
  if (Array.isArray(r)) return r;
  if (key && Array.isArray(r[key])) return r[key];
  if (Array.isArray(r.items)) return r.items;
  const first = Object.values(r).find(Array.isArray);
  return first || [];
}

let crossingsCache = null;
export async function loadCrossings(force = false) {
  if (!api.hasRoute('GET', '/api/v1/crossings')) return [];
  if (!crossingsCache || force) crossingsCache = listOf(await api.get('/api/v1/crossings'), 'crossings');
  return crossingsCache;
}

export function crossingName(c) {
  if (!c) return '';
  const ar = c.name_ar;
  const name = getLang() === 'ar' && ar ? ar : (c.name || c.name_en || c.id);
  const p = c.partner || {};
  const partner = getLang() === 'ar' && (p.name_ar || c.partner_name_ar) ? (p.name_ar || c.partner_name_ar) : (p.name || c.partner_name);
  return partner ? `${name} / ${partner}` : name;
}

// A name in the user's language when the record has both.
export function localName(o, base = 'name') {
  if (!o) return '';
  if (getLang() === 'ar' && o[`${base}_ar`]) return o[`${base}_ar`];
  return o[`${base}_en`] || o[base] || o[`${base}_ar`] || '';
}

// A code's label from the dictionary, or the code itself.
export function codeLabel(family, code) {
  if (code === null || code === undefined || code === '') return '';
  return tMaybe(`${family}.${code}`) || String(code);
}
