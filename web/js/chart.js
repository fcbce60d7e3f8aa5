// SPDX-License-Identifier: Apache-2.0
//
// Charts as SVG elements built in the page (no library, no inline style:
// presentation attributes and classes only, which the CSP allows). SVG
// coordinates are physical, so in a right-to-left page the chart mirrors
// itself: bars grow from the right and labels sit on the right. Every chart
// has a <title> and is beside a table with the same figures, which is what
// a screen reader reads.

import { h } from './dom.js';
import { num, getLang } from './i18n.js';

// Horizontal bars. items: [{label, value, kind?}]; opts: {title, width}
export function barChart(items, opts = {}) {
  const rtl = getLang() === 'ar';
  const width = opts.width || 560;
  const rowH = 26;
  const labelW = opts.labelWidth || 190;
  const valueW = 70;
  const height = items.length * rowH + 10;
  const max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
  const barMax = width - labelW - valueW - 10;
  const svg = h('svg:svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': opts.title || '', class: 'bar-chart',
    preserveAspectRatio: 'xMinYMin meet',
  }, h('svg:title', {}, opts.title || ''));
  items.forEach((it, i) => {
    const y = 5 + i * rowH;
    const w = Math.max(1, Math.round(((Number(it.value) || 0) / max) * barMax));
    const labelX = rtl ? width - 4 : 4;
    const barX = rtl ? width - labelW - w : labelW;
    const valX = rtl ? width - labelW - w - 6 : labelW + w + 6;
    svg.append(
      h('svg:text', { x: labelX, y: y + 17, 'text-anchor': 'start', direction: rtl ? 'rtl' : 'ltr' }, it.label),
      h('svg:rect', { x: barX, y: y + 4, width: w, height: rowH - 8, rx: 2, class: ['bar', it.kind] }),
      h('svg:text', { x: valX, y: y + 17, 'text-anchor': rtl ? 'end' : 'start', direction: 'ltr' }, num(it.value)));
  });
  return h('figure', { class: 'chart' }, opts.caption ? h('figcaption', {}, opts.caption) : null, svg);
}

// Vertical columns over time or categories. items: [{label, value}]
export function columnChart(items, opts = {}) {
  const rtl = getLang() === 'ar';
  const width = opts.width || 560;
  const height = opts.height || 220;
  const pad = 28;
  const n = Math.max(1, items.length);
  const slot = (width - pad * 2) / n;
  const max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
  const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': opts.title || '' },
    h('svg:title', {}, opts.title || ''),
    h('svg:line', { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: 'axis' }));
  items.forEach((it, i) => {
    const idx = rtl ? n - 1 - i : i;
    const bh = Math.round(((Number(it.value) || 0) / max) * (height - pad * 2));
    const x = pad + idx * slot + slot * 0.15;
    const bw = slot * 0.7;
    svg.append(
      h('svg:rect', { x, y: height - pad - bh, width: bw, height: Math.max(bh, 0), class: ['bar', it.kind] },
        h('svg:title', {}, `${it.label}: ${num(it.value)}`)),
      n <= 24 ? h('svg:text', { x: x + bw / 2, y: height - pad + 14, 'text-anchor': 'middle' }, it.label) : null,
      n <= 12 ? h('svg:text', { x: x + bw / 2, y: height - pad - bh - 4, 'text-anchor': 'middle' }, num(it.value)) : null);
  });
  return h('figure', { class: 'chart' }, opts.caption ? h('figcaption', {}, opts.caption) : null, svg);
}

// Rows of objects -> CSV text (RFC 4180 quoting), columns: [[key, header]].
export function toCsv(rows, columns) {
  const q = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map((c) => q(c[1])).join(','), ...rows.map((r) => columns.map((c) => q(r[c[0]])).join(','))].join('\r\n') + '\r\n';
}
