// SPDX-License-Identifier: Apache-2.0
//
// A new visa application (consular officer): the applicant's passport MRZ
// (scanned or typed), the purpose with the fields its rules ask for (a
// hospital for medical treatment, the patient's application for an escort),
// the intended entry date, the length of stay, entries, supporting documents
// as references, urgency. On success the application opens, with the
// screening and risk summary the server computed on submission.
//
// API: POST /api/v1/visa-applications; GET /api/v1/visa-purposes (optional)

import { h } from '../dom.js';
import { t, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading } from '../ui.js';
import { listOf, localName, codeLabel } from './common.js';
import { mrzLines } from './check.js';

export const PURPOSES = ['tourism', 'religious_tourism', 'medical', 'medical_escort', 'official', 'business', 'family_visit', 'transit'];
export const DOC_KINDS = ['medical_letter', 'invitation', 'delegation_letter', 'hotel_booking', 'insurance', 'other'];

export async function loadPurposes() {
  const path = api.firstRoute('GET', '/api/v1/visa-purposes', '/api/v1/visas/purposes');
  if (!path) return PURPOSES.map((code) => ({ code }));
  try {
    return listOf(await api.get(path), 'purposes');
  } catch {
    return PURPOSES.map((code) => ({ code }));
  }
}

export function purposeLabel(p) {
  const code = typeof p === 'string' ? p : p.code;
  return (typeof p === 'object' && localName(p)) || codeLabel('purpose', code);
}

export async function render(ctx) {
  const purposes = await loadPurposes();
  const today = new Date().toISOString().slice(0, 10);
  const q = ctx.query;
  const mrz = field({ name: 'mrz', label: t('visa.passport_mrz'), kind: 'textarea', rows: 2, ltr: true, required: true, wide: true,
    hint: t('visa.passport_mrz_hint'), attrs: { class: 'mrz', spellcheck: 'false', autocomplete: 'off' } });
  const purpose = field({ name: 'purpose', label: t('visa.purpose'), required: true, value: q.get('purpose') || 'tourism',
    options: purposes.filter((p) => p.active !== false && p.active !== 0).map((p) => [p.code, purposeLabel(p)]) });
  const entry = field({ name: 'entry_date', label: t('visa.entry_date'), type: 'date', required: true, value: today, ltr: true });
  const days = field({ name: 'days', label: t('visa.days'), type: 'number', required: true, value: '30', attrs: { min: 1, max: 365 } });
  const entries = field({ name: 'entries', label: t('visa.entries'), value: '1',
    options: [['1', t('visa.entries_single')], ['2', t('visa.entries_double')], ['0', t('visa.entries_multiple')]] });
  const urgent = field({ name: 'urgent', label: t('visa.urgent'), type: 'checkbox', inline: true });
  const hospital = field({ name: 'hospital', label: t('visa.hospital'), hint: t('visa.hospital_hint') });
  const letter = field({ name: 'medical_letter', label: t('visa.medical_letter'), ltr: true, hint: t('visa.medical_letter_hint') });
  const patient = field({ name: 'patient_application_id', label: t('visa.patient_application'), ltr: true,
    value: q.get('patient') || '', hint: t('visa.patient_application_hint') });
  const docKind = field({ name: 'doc_kind', label: t('visa.document_kind'), options: DOC_KINDS.map((k) => [k, codeLabel('doc', k)]) });
  const docRef = field({ name: 'documents', label: t('visa.document_reference'), ltr: true });
  const medical = h('fieldset', { id: 'medical-fields' }, h('legend', {}, t('visa.medical')), h('div', { class: 'form-grid' }, hospital, letter));
  const escort = h('fieldset', { id: 'escort-fields' }, h('legend', {}, t('visa.escort')), patient);
  const submit = h('button', { type: 'submit', class: 'primary', id: 'visa-submit' }, t('visa.submit'));
  const form = h('form', { novalidate: true, id: 'visa-form' },
    h('fieldset', {}, h('legend', {}, t('visa.applicant')), mrz),
    h('fieldset', {}, h('legend', {}, t('visa.request')), h('div', { class: 'form-grid' }, purpose, entry, days, entries), urgent),
    medical, escort,
    h('fieldset', {}, h('legend', {}, t('visa.documents')), h('div', { class: 'form-grid' }, docKind, docRef)),
    h('div', { class: 'actions' }, submit));

  function sync() {
    const p = purpose.control.value;
    const rules = purposes.find((x) => x.code === p) || {};
    medical.hidden = !(p === 'medical' || rules.needs_hospital);
    escort.hidden = !(p === 'medical_escort' || rules.needs_patient);
    if (rules.max_stay_days && Number(days.control.value) > rules.max_stay_days) days.control.value = rules.max_stay_days;
    if (p === 'medical' && docKind.control.value === 'invitation') docKind.control.value = 'medical_letter';
  }
  purpose.control.addEventListener('change', sync);
  sync();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const lines = mrzLines(mrz.control.value);
    if (!lines.length) return showError(form, new api.ApiError(400, 'required', t('error.required'), 'mrz'));
    const p = purpose.control.value;
    const body = {
      passport_mrz: lines.join('\n'),
      purpose: p,
      entry_date: normDigits(entry.control.value),
      days: Number(normDigits(days.control.value)),
      entries: Number(entries.control.value),
    };
    if (urgent.control.checked) body.urgent = true;
    const docs = [];
    if (!medical.hidden) {
      if (hospital.control.value.trim()) body.hospital = hospital.control.value.trim();
      if (letter.control.value.trim()) docs.push({ kind: 'medical_letter', reference: letter.control.value.trim() });
    }
    if (!escort.hidden && patient.control.value.trim()) body.patient_application_id = patient.control.value.trim();
    if (docRef.control.value.trim()) docs.push({ kind: docKind.control.value, reference: docRef.control.value.trim() });
    if (docs.length) body.documents = docs;
    try {
      const r = await busy(submit, () => api.post('/api/v1/visa-applications', body), t('visa.submitting'));
      const app = r.application || r;
      ctx.navigate(`/visas/applications/${encodeURIComponent(app.id)}`);
    } catch (err) {
      if (err.field === 'passport_mrz') err.field = 'mrz';
      // A missing hospital letter is reported on "documents": show it by the letter's field.
      if (err.field === 'documents' && !medical.hidden && !letter.control.value.trim()) err.field = 'medical_letter';
      showError(form, err);
    }
  });

  ctx.main.append(heading(t('nav.visa_new')), form);
  mrz.control.focus();
}
