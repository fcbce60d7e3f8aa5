// SPDX-License-Identifier: Apache-2.0
//
// An issued visa as a printable page: holder, number, validity, entries,
// length of stay, the MRZ lines and the Visible Digital Seal as a DataMatrix
// (the server renders it; the image is fetched from the API with the
// session cookie). Print uses the print stylesheet (only the visa page).
// From here the seal can be verified at once.
//
// API: GET /api/v1/visas/{id}; GET /api/v1/visas/{id}/seal.svg|.png (optional)

import { h, replace, ltr } from '../dom.js';
import { t, date } from '../i18n.js';
import * as api from '../api.js';
import { heading, pairs, loadError, badge } from '../ui.js';
import { codeLabel, listOf } from './common.js';
import { applicantName } from './visa_queue.js';

export async function render(ctx) {
  const id = ctx.params.id;
  const box = h('div', {});
  ctx.main.append(heading(t('nav.visa_print')), box);
  let v;
  try {
    const r = await api.get(`/api/v1/visas/${encodeURIComponent(id)}`);
    v = r.visa || r;
  } catch (e) {
    replace(box, loadError(e));
    return;
  }
  const seal = v.seal || v.seal_hex || '';
  const sealPath = api.firstRoute('GET', '/api/v1/visas/{id}/seal.svg', '/api/v1/visas/{id}/seal.png', '/api/v1/visas/{id}/seal');
  const pagePath = api.hasRoute('GET', '/api/v1/visas/{id}/page') ? `/api/v1/visas/${encodeURIComponent(id)}/page` : null;
  const sealImg = pagePath && !sealPath ? h('p', { class: 'muted' }, t('visa.seal_on_page')) : sealPath
    ? h('img', { src: sealPath.replace('{id}', encodeURIComponent(id)), alt: t('visa.seal_alt'), id: 'visa-seal-img' })
    : h('p', { class: 'muted' }, t('visa.seal_no_image'));
  const mrz = Array.isArray(v.mrz) ? v.mrz : String(v.mrz || '').split('\n');
  const state = v.state || 'issued';
  const page = h('article', { class: 'visa-page', id: 'visa-page', 'aria-label': t('nav.visa_print') },
    h('header', {}, h('strong', {}, t('visa.visa_of', { state: codeLabel('state', v.issuing_state) })),
      h('span', {}, ltr(v.visa_number || v.number, 'mono'), ' ', badge(state, codeLabel('vstate', state)))),
    h('div', {}, pairs([
      [t('visa.holder'), ltr(applicantName(v.holder || v.person || v))],
      [t('traveller.name_ar'), (v.holder || v.person || {}).name_ar ? h('bdi', { lang: 'ar' }, (v.holder || v.person).name_ar) : ''],
      [t('traveller.document'), ltr(v.passport_number || '', 'mono')],
      [t('visa.purpose'), codeLabel('purpose', v.purpose)],
      [t('visa.valid_from'), date(v.valid_from)],
      [t('visa.valid_until'), date(v.valid_until)],
      [t('visa.entries'), v.entries === 0 ? t('visa.entries_multiple') : v.entries],
      [t('visa.days'), v.days ?? v.stay_days ?? v.duration_days],
      [t('visa.hospital'), v.hospital || ''],
      [t('visa.escort_of'), v.patient_visa_number ? ltr(v.patient_visa_number, 'mono') : ''],
    ])),
    h('div', { class: 'seal' }, sealImg),
    h('div', { class: 'mrz-lines', dir: 'ltr', id: 'visa-mrz' }, mrz.join('\n')));
  const verify = h('button', { type: 'button', id: 'visa-verify-here', onclick: () => ctx.navigate(`/visas/verify?seal=${encodeURIComponent(seal)}`) }, t('visa.verify_seal'));
  replace(box, pagePath ? h('figure', { class: 'visa-official', id: 'visa-official' },
    h('img', { src: pagePath, alt: t('visa.page_alt'), id: 'visa-page-img' }), h('figcaption', { class: 'muted no-print' }, t('visa.page_caption'))) : null,
  page,
    h('div', { class: 'actions no-print' }, h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, t('common.print')),
      seal && api.hasRoute('POST', '/api/v1/visas/verify') ? verify : null,
      v.application_id ? h('a', { class: 'button', href: `/visas/applications/${encodeURIComponent(v.application_id)}` }, t('visa.open_application')) : null),
    seal ? h('details', { class: 'no-print' }, h('summary', {}, t('visa.seal_hex')), h('p', {}, h('code', { id: 'visa-seal-hex', dir: 'ltr', class: 'secret' }, seal))) : null,
    listOf(v.escorts).length ? h('p', {}, t('visa.escorts'), ': ', listOf(v.escorts).map((e) => ltr(e.visa_number || e.number || '', 'mono'))) : null);
}
