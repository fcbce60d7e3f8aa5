// SPDX-License-Identifier: Apache-2.0
//
// One visa application: the applicant and request, the screening and risk
// summary, linked applications (the patient of an escort, the escorts of a
// patient), the history, and the actions its state allows (review, approve,
// refuse with a coded reason, issue; then the visa). Approving a patient
// offers to take an escort's application linked to it.
//
// API: GET  /api/v1/visa-applications/{id}
//      POST /api/v1/visa-applications/{id}/{review|approve|refuse|withdraw|discontinue|issue}

import { h, replace, ltr } from '../dom.js';
import { t, date } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, timeEl, badge, pairs, loadError, errorText } from '../ui.js';
import { listOf, codeLabel } from './common.js';
import { stateBadge, applicantName } from './visa_queue.js';

export const REFUSALS = ['false_document', 'purpose_not_justified', 'insufficient_means', 'stay_exceeded', 'watchlist_alert',
  'security_threat', 'no_insurance', 'unreliable_information', 'return_doubtful', 'medical_not_justified', 'patient_not_approved'];

// POST to the action route, whichever way this server spells it.
export async function act(id, action, body = {}) {
  const base = `/api/v1/visa-applications/${encodeURIComponent(id)}`;
  const direct = `/api/v1/visa-applications/{id}/${action}`;
  if (api.hasRoute('POST', direct)) return api.post(`${base}/${action}`, body);
  if (api.hasRoute('POST', '/api/v1/visa-applications/{id}/decision') && action !== 'issue') {
    return api.post(`${base}/decision`, { action, ...body });
  }
  if (api.hasRoute('POST', '/api/v1/visa-applications/{id}/actions')) return api.post(`${base}/actions`, { action, ...body });
  return api.post(`${base}/${action}`, body);
}

export async function render(ctx) {
  const id = ctx.params.id;
  const box = h('div', {});
  ctx.main.append(heading(t('nav.visa_application')), box);
  let a;
  try {
    const r = await api.get(`/api/v1/visa-applications/${encodeURIComponent(id)}`);
    a = r.application || r;
  } catch (e) {
    replace(box, loadError(e));
    return;
  }
  const title = ctx.main.querySelector('.page-title');
  replace(title, t('nav.visa_application'), ' ', ltr(a.number || '', 'mono'), ' ', stateBadge(a.state));
  title.id = 'application-title';
  title.dataset.state = a.state;

  const screening = a.screening && typeof a.screening === 'string' ? safeJson(a.screening) : a.screening;
  const risk = (a.risk && typeof a.risk === 'object') ? a.risk : {};
  const visa = a.visa || null;
  const escorts = listOf(a.escorts);
  const links = listOf(a.links);
  const events = listOf(a.events || a.history);

  const actions = h('div', { class: 'actions', id: 'visa-actions' });
  const actBox = h('div', { 'aria-live': 'polite' });
  replace(box,
    h('div', { class: 'card' }, pairs([
      [t('visa.applicant'), ltr(applicantName(a))],
      [t('traveller.name_ar'), (a.applicant || a.person || {}).name_ar ? h('bdi', { lang: 'ar' }, (a.applicant || a.person).name_ar) : ''],
      [t('traveller.nationality'), ltr(a.nationality || '')],
      [t('traveller.document'), ltr((a.passport && a.passport.number) || a.passport_number || '', 'mono')],
      [t('traveller.expiry_date'), date((a.passport && a.passport.expiry_date) || a.passport_expiry)],
      [t('visa.purpose'), codeLabel('purpose', a.purpose)],
      [t('visa.entry_date'), date(a.entry_date)],
      [t('visa.days'), a.stay_days ?? a.days],
      [t('visa.entries'), a.entries === 0 ? t('visa.entries_multiple') : a.entries],
      [t('visa.hospital'), a.hospital || ''],
      [t('visa.urgent'), a.urgent ? t('common.yes') : ''],
      [t('visa.fee'), a.fee && a.fee.amount ? `${a.fee.amount} ${a.fee.currency || ''}` : ''],
      [t('visa.submitted'), timeEl(a.submitted_at)],
      [t('visa.refusal_reason'), a.refusal_reason ? codeLabel('refusal', a.refusal_reason) : ''],
    ])),
    h('h2', {}, t('visa.screening')),
    h('div', { class: 'card', id: 'visa-screening' },
      a.risk_level || risk.level ? h('p', {}, t('visa.risk'), ': ', badge((a.risk_level || risk.level) === 'high' ? 'refuse' : (a.risk_level || risk.level) === 'medium' ? 'refer' : 'admit',
        codeLabel('risk', a.risk_level || risk.level)), a.risk_score !== undefined && a.risk_score !== null ? [' ', h('span', { class: 'muted' }, `(${a.risk_score})`)] : null) : null,
      screeningList(listOf(risk.reasons).length ? risk.reasons : screening),
      a.auto_decided ? h('p', { class: 'muted' }, t('visa.auto_decided')) : null),
    a.patient_application_id ? h('p', {}, t('visa.escort_of'), ' ', h('a', { href: `/visas/applications/${encodeURIComponent(a.patient_application_id)}` }, ltr(a.patient_number || a.patient_application_id.slice(0, 8), 'mono'))) : null,
    escorts.length || links.length ? [h('h2', {}, t('visa.links')), table([
      { label: t('visa.number'), cell: (l) => { const lid = l.application_id || l.id || l.linked_id; return h('a', { href: `/visas/applications/${encodeURIComponent(lid)}` }, ltr(l.number || lid.slice(0, 8), 'mono')); } },
      { label: t('visa.relation'), cell: (l) => codeLabel('relation', l.relation || 'escort') },
      { label: t('visa.applicant'), cell: (l) => ltr(applicantName(l)) },
      { label: t('visa.state'), cell: (l) => (l.state ? stateBadge(l.state) : '') },
    ], links.length ? links : escorts.map((x) => ({ relation: 'escort', ...x })))] : null,
    visa ? h('div', { class: 'alert ok', id: 'visa-issued' }, t('visa.issued_as'), ' ', ltr(visa.visa_number || visa.number, 'mono'), ' ',
      h('a', { href: `/visas/issued/${encodeURIComponent(visa.id)}`, id: 'visa-open' }, t('visa.open_visa'))) : null,
    h('h2', {}, t('common.actions')), actions, actBox,
    events.length ? [h('h2', {}, t('visa.history')), table([
      { label: t('audit.at'), cell: (e) => timeEl(e.at) },
      { label: t('audit.action'), cell: (e) => codeLabel('vaction', e.action) },
      { label: t('visa.state'), cell: (e) => stateBadge(e.to || e.to_state || e.state) },
      { label: t('audit.user'), cell: (e) => ltr(e.username || '') },
      { label: t('visa.reason'), cell: (e) => (e.reason ? codeLabel('refusal', e.reason) : '') },
    ], events)] : null);

  const st = a.state;
  const btn = (action, cls, label) => h('button', { type: 'button', class: cls, 'data-action': action, id: `visa-${action}`,
    onclick: (e) => run(e.currentTarget, action) }, label);
  if (st === 'submitted') actions.append(btn('review', '', t('vaction.review')));
  if (st === 'submitted' || st === 'under_review') {
    actions.append(btn('approve', 'success', t('vaction.approve')), h('button', { type: 'button', class: 'danger', id: 'visa-refuse', onclick: () => refuseForm() }, t('vaction.refuse')));
  }
  if (st === 'approved') actions.append(btn('issue', 'primary', t('vaction.issue')));
  if (['submitted', 'under_review', 'approved'].includes(st)) actions.append(btn('withdraw', '', t('vaction.withdraw')));
  if ((a.purpose === 'medical' || a.purpose === 'medical_treatment') && ['approved', 'issued', 'under_review', 'submitted'].includes(st)) {
    actions.append(h('a', { class: 'button', id: 'visa-add-escort', href: `/visas/new?purpose=medical_escort&patient=${encodeURIComponent(a.id)}` }, t('visa.add_escort')));
  }
  if (!actions.childNodes.length) actions.append(h('p', { class: 'muted' }, t('visa.no_actions')));

  async function run(button, action, body = {}) {
    try {
      const r = await busy(button, () => act(id, action, body));
      if (action === 'issue') {
        const v = r.visa || r;
        if (v && v.id) return ctx.navigate(`/visas/issued/${encodeURIComponent(v.id)}`);
      }
      return ctx.navigate(`/visas/applications/${encodeURIComponent(id)}`, { replace: true });
    } catch (err) {
      return replace(actBox, h('div', { class: 'alert error', role: 'alert' }, errorText(err)));
    }
  }

  function refuseForm() {
    const reason = field({ name: 'reason', label: t('visa.refusal_reason'), required: true,
      options: REFUSALS.map((c) => [c, codeLabel('refusal', c)]) });
    const note = field({ name: 'note', label: t('visa.note'), kind: 'textarea', rows: 2 });
    const go = h('button', { type: 'submit', class: 'danger' }, t('vaction.refuse'));
    const f = h('form', { novalidate: true, id: 'refuse-form' }, h('fieldset', {}, h('legend', {}, t('vaction.refuse')), reason, note, h('div', { class: 'actions' }, go)));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const body = { reason: reason.control.value };
      if (note.control.value.trim()) body.note = note.control.value.trim();
      try {
        await busy(go, () => act(id, 'refuse', body));
        ctx.navigate(`/visas/applications/${encodeURIComponent(id)}`, { replace: true });
      } catch (err) {
        showError(f, err);
      }
    });
    replace(actBox, f);
    reason.control.focus();
  }
}

function safeJson(s) {
  try { return JSON.parse(s); } catch { return null; }
}

function screeningList(s) {
  if (!s) return h('p', { class: 'muted' }, t('visa.no_screening'));
  const facts = Array.isArray(s) ? s : listOf(s.facts || s.checks || s.findings || s.hits || []);
  if (!facts.length) return h('p', {}, t('visa.screening_clean'));
  return h('ul', {}, facts.map((f) => h('li', {}, typeof f === 'string' ? f
    : [codeLabel('screen', f.code || f.kind || ''), f.message ? `: ${f.message}` : '', f.score !== undefined ? ` (${f.score})` : ''])));
}
