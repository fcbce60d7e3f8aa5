// SPDX-License-Identifier: Apache-2.0
//
// Verifying a visa: paste or scan the seal (hex of the DataMatrix content)
// or type a visa number. The answer says valid or not, and why: the seal's
// signature against the signer certificate, and, online, whether the visa
// was revoked or annulled; with the decoded fields to compare with the
// passport in hand.
//
// API: POST /api/v1/visas/verify {seal} | {visa_number}

import { h, replace, ltr } from '../dom.js';
import { t, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, pairs } from '../ui.js';
import { codeLabel, listOf } from './common.js';

export async function render(ctx) {
  const input = field({ name: 'seal', label: t('verify.input'), kind: 'textarea', rows: 3, ltr: true, wide: true,
    hint: t('verify.hint'), value: ctx.query.get('seal') || '', attrs: { class: 'mrz', spellcheck: 'false', autocomplete: 'off', id: 'verify-input' } });
  const go = h('button', { type: 'submit', class: 'primary', id: 'verify-send' }, t('verify.send'));
  const out = h('section', { 'aria-live': 'assertive', id: 'verify-result' });
  const form = h('form', { novalidate: true }, input, h('div', { class: 'actions' }, go));
  ctx.main.append(heading(t('nav.visa_verify')), form, out);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const v = normDigits(input.control.value).replace(/\s+/g, '');
    if (!v) return showError(form, new api.ApiError(400, 'required', t('error.required'), 'seal'));
    const body = /^[0-9A-Fa-f]{20,}$/.test(v) ? { seal: v } : { visa_number: v.toUpperCase() };
    try {
      const r = await busy(go, () => api.post('/api/v1/visas/verify', body), t('verify.checking'));
      const ok = r.valid === true || r.status === 'valid';
      const reasons = listOf(r.reasons || r.errors || r.problems);
      const f = r.visa || r.fields || r.decoded || {};
      replace(out, h('div', { class: ['decision', ok ? 'admit' : 'refuse'], role: 'alert', id: 'verify-verdict', 'data-valid': String(ok) },
        h('div', { class: 'verdict' }, h('span', { 'aria-hidden': 'true' }, ok ? '✓' : '✕'), ok ? t('verify.valid') : t('verify.invalid')),
        r.signature && typeof r.signature === 'object' ? h('p', { id: 'verify-signature' }, t('verify.signature'), ': ', r.signature.valid ? t('verify.signature_ok') : t('verify.signature_bad'),
          r.signature.error ? h('span', { class: 'detail', lang: 'en', dir: 'ltr' }, r.signature.error) : null) : null,
        r.status ? h('p', {}, codeLabel('vreason', r.status)) : null,
        reasons.length ? h('ul', {}, reasons.map((x) => h('li', {}, typeof x === 'string' ? codeLabel('vreason', x) : (codeLabel('vreason', x.code) || x.message)))) : null,
        pairs([
          [t('visa.number'), f.visa_number ? ltr(f.visa_number, 'mono') : ''],
          [t('visa.holder'), f.surname || f.name ? ltr([f.surname, f.given_names].filter(Boolean).join(', ') || f.name) : ''],
          [t('traveller.document'), f.passport_number ? ltr(f.passport_number, 'mono') : ''],
          [t('visa.issuing_state'), f.issuing_state || f.issuing_country ? ltr(f.issuing_state || f.issuing_country) : ''],
          [t('visa.valid_from'), date(f.valid_from)],
          [t('visa.valid_until'), date(f.valid_until)],
          [t('visa.entries'), f.entries ?? f.number_of_entries],
          [t('visa.days'), f.stay_days ?? f.duration_of_stay ?? f.duration_days],
          [t('visa.state'), f.state ? codeLabel('vstate', f.state) : (r.state ? codeLabel('vstate', r.state) : '')],
          [t('verify.mode'), r.online !== undefined ? (r.online ? t('verify.online') : t('verify.offline')) : ''],
        ])));
    } catch (err) {
      showError(form, err);
    }
  });
  if (input.control.value) form.requestSubmit(); else input.control.focus();
}
