// SPDX-License-Identifier: Apache-2.0
//
// The border officer's check screen, built for a queue at a counter:
// the MRZ box has the focus and takes a document scanner's keyboard input
// (two or three lines, each ended by Enter); as soon as the lines make a
// complete MRZ (2x44, 2x36, 3x30, or one run of 88, 72 or 90 characters)
// the check is sent, without a click. The decision shows at once, in words,
// an icon and colour, with each reason; Enter confirms it (the record is
// made), "Override" asks for the other decision and a reason. Then the box
// is cleared and focused for the next traveller. Escape starts over.
// Ctrl+Enter sends a typed MRZ that is not complete yet (the server says
// what is wrong with it). The crossing and direction stay for the shift
// (localStorage); recent checks of this session are listed beneath.
//
// API: POST /api/v1/border/checks {crossing_id, direction, mrz | document, visa_number? | seal?,
//      cargo?, returnee?}
//      POST /api/v1/border/checks/{id}/confirm {decision?, reason?}
//      GET  /api/v1/crossings
//      (links to /travellers/{traveller_id}/movements, GET /api/v1/travellers/{id}/movements)

import { h, replace, ltr } from '../dom.js';
import { t, tMaybe, date, normDigits } from '../i18n.js';
import * as api from '../api.js';
import { field, showError, clearErrors, busy, heading, table, timeEl, badge, errorText, personName } from '../ui.js';
import { crossingName, listOf, loadCrossings, codeLabel } from './common.js';

const ICON = { admit: '✓', refer: '⚠', refuse: '✕' };
const RECENT_KEY = 'ubur.check.recent';
const MOVEMENTS_ROUTE = ['GET', '/api/v1/travellers/{id}/movements'];

// Lines of a scanned or typed MRZ, normalised: uppercase, « as <, no spaces.
export function mrzLines(text) {
  const clean = text.toUpperCase().replace(/«/g, '<').replace(/[ \t]/g, '');
  const lines = clean.split(/\r?\n/).filter(Boolean);
  if (lines.length === 1) {
    const s = lines[0];
    if (s.length === 88) return [s.slice(0, 44), s.slice(44)];
    if (s.length === 72) return [s.slice(0, 36), s.slice(36)];
    if (s.length === 90) return [s.slice(0, 30), s.slice(30, 60), s.slice(60)];
  }
  return lines;
}

export function mrzComplete(lines) {
  if (lines.length === 2) return (lines[0].length === 44 && lines[1].length === 44) || (lines[0].length === 36 && lines[1].length === 36);
  if (lines.length === 3) return lines.every((l) => l.length === 30);
  return false;
}

export function decisionBadge(d) {
  return badge(d, [ICON[d] || '', ' ', tMaybe(`decision.${d}`) || d]);
}

export function reasonText(r) {
  return tMaybe(`reason.${r.code}`) || r.message || r.code;
}

export async function render(ctx) {
  const crossings = await loadCrossings();
  const saved = JSON.parse(localStorage.getItem('ubur.check.post') || '{}');
  const crossing = field({
    name: 'crossing_id', label: t('check.crossing'), required: true,
    value: saved.crossing_id || (crossings[0] && crossings[0].id),
    options: crossings.filter((c) => !ctx.session.user.state || !c.state || c.state === ctx.session.user.state || crossings.length < 3)
      .map((c) => [c.id, crossingName(c)]),
  });
  const direction = field({ name: 'direction', label: t('check.direction'), required: true, value: saved.direction || 'entry',
    options: [['entry', t('direction.entry')], ['exit', t('direction.exit')]] });
  const mrz = field({
    name: 'mrz', label: t('check.mrz'), kind: 'textarea', rows: 3, ltr: true, wide: true, hint: t('check.mrz_hint'),
    attrs: { class: 'mrz', autocomplete: 'off', autocorrect: 'off', autocapitalize: 'characters', spellcheck: 'false', id: 'mrz' },
  });
  const visa = field({ name: 'visa', label: t('check.visa'), ltr: true, hint: t('check.visa_hint'),
    attrs: { autocomplete: 'off', spellcheck: 'false' } });
  // A document without a readable zone (damaged, or the scanner down): its fields typed in.
  const typed = {
    document_number: field({ name: 'document.document_number', label: t('traveller.document'), ltr: true, attrs: { autocomplete: 'off', spellcheck: 'false' } }),
    nationality: field({ name: 'document.nationality', label: t('check.nationality_code'), ltr: true, attrs: { autocomplete: 'off', spellcheck: 'false', maxlength: 3 } }),
    birth_date: field({ name: 'document.birth_date', label: t('traveller.birth_date'), type: 'date', ltr: true }),
    expiry_date: field({ name: 'document.expiry_date', label: t('traveller.expiry_date'), type: 'date', ltr: true }),
    surname: field({ name: 'document.surname', label: t('check.surname'), ltr: true, attrs: { autocomplete: 'off' } }),
    given_names: field({ name: 'document.given_names', label: t('check.given_names'), ltr: true, attrs: { autocomplete: 'off' } }),
    sex: field({ name: 'document.sex', label: t('check.sex'), options: [['', '—'], ['F', 'F'], ['M', 'M'], ['X', 'X']] }),
  };
  const typedBox = h('details', { id: 'typed-document' }, h('summary', {}, t('check.typed')),
    h('div', { class: 'form-grid' }, Object.values(typed)));
  // What the officer sees and the document does not say: the crew of a goods vehicle, a
  // returnee (a convoy home); categories a crossing's mode may let through.
  const cargo = field({ name: 'cargo', label: t('check.cargo'), type: 'checkbox', inline: true });
  const returnee = field({ name: 'returnee', label: t('check.returnee'), type: 'checkbox', inline: true });
  const send = h('button', { type: 'submit', class: 'primary', id: 'check-send' }, t('check.send'), h('kbd', {}, 'Ctrl+Enter'));
  const form = h('form', { novalidate: true, id: 'check-form' },
    h('div', { class: 'form-grid' }, crossing, direction), mrz, h('div', { class: 'form-grid' }, cargo, returnee), typedBox, h('details', {}, h('summary', {}, t('check.more')), visa),
    h('div', { class: 'actions' }, send, h('span', { class: 'muted' }, t('check.keys'))));
  const result = h('section', { id: 'check-result', 'aria-live': 'assertive' });
  const recentBox = h('section', { 'aria-labelledby': 'recent-h' });

  ctx.main.append(heading(t('nav.check')), h('div', { class: 'check-layout' },
    h('div', {}, form, result), h('div', {}, recentBox)));
  drawRecent();

  let current = null; // the check awaiting confirmation
  let inflight = false;
  let timer = null;

  const savePost = () => localStorage.setItem('ubur.check.post', JSON.stringify({ crossing_id: crossing.control.value, direction: direction.control.value }));
  crossing.control.addEventListener('change', savePost);
  direction.control.addEventListener('change', savePost);

  mrz.control.addEventListener('input', () => {
    clearTimeout(timer);
    if (mrzComplete(mrzLines(mrz.control.value))) timer = setTimeout(() => form.requestSubmit(), 120);
  });
  mrz.control.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearTimeout(timer);
    if (inflight) return;
    const lines = mrzLines(mrz.control.value);
    clearErrors(form);
    const doc = {};
    for (const [k, f] of Object.entries(typed)) {
      const val = normDigits(f.control.value.trim());
      if (val) doc[k] = k === 'nationality' || k === 'document_number' ? val.toUpperCase() : val;
    }
    if (!lines.length && !doc.document_number) return showError(form, new api.ApiError(400, 'required', t('error.required'), 'mrz'));
    const body = { crossing_id: crossing.control.value, direction: direction.control.value };
    if (lines.length) body.mrz = lines.join('\n');
    else body.document = doc;
    if (cargo.control.checked) body.cargo = true;
    if (returnee.control.checked) body.returnee = true;
    const v = normDigits(visa.control.value.trim());
    if (v) body[/^[0-9A-Fa-f]{40,}$/.test(v) ? 'seal' : 'visa_number'] = v;
    inflight = true;
    try {
      const r = await busy(send, () => api.post('/api/v1/border/checks', body), t('check.checking'));
      current = { ...r, body, lines };
      showDecision();
    } catch (err) {
      showError(form, err);
      replace(result);
    } finally {
      inflight = false;
    }
  });

  function traveller(r) {
    const d = r.document || r.mrz || {};
    const tr = r.traveller || {};
    const surname = d.surname || tr.surname || tr.family_name;
    const given = d.given_names || tr.given_names || tr.given_name;
    return h('dl', { class: 'traveller' },
      h('dt', {}, t('traveller.name')), h('dd', {}, personName([surname, given].filter(Boolean).join(', '), tr.name_ar)),
      h('dt', {}, t('traveller.document')), h('dd', {}, ltr(d.document_number || tr.document_number || '—', 'mono')),
      h('dt', {}, t('traveller.nationality')), h('dd', {}, ltr(d.nationality || tr.nationality || '—')),
      h('dt', {}, t('traveller.birth_date')), h('dd', {}, date(d.birth_date || tr.birth_date) || '—'),
      d.expiry_date ? [h('dt', {}, t('traveller.expiry_date')), h('dd', {}, date(d.expiry_date))] : null,
      entitlement(r.entitlement || {}));
  }

  // A link to the checked traveller's entries, exits, refusals and open stay, when the
  // answer names him and this user may read them.
  function movementsLink(r) {
    if (!r.traveller_id || !api.roleMay(ctx.session.user.role, ...MOVEMENTS_ROUTE)) return null;
    return h('p', { class: 'traveller-movements' },
      h('a', { href: `/travellers/${encodeURIComponent(r.traveller_id)}/movements`, id: 'check-movements' }, t('check.traveller_movements')));
  }

  function entitlement(e) {
    return [
      e.basis ? [h('dt', {}, t('traveller.basis')), h('dd', {}, codeLabel('basis', e.basis))] : null,
      e.visa_number ? [h('dt', {}, t('traveller.visa')), h('dd', {}, ltr(e.visa_number, 'mono'), e.purpose ? ` · ${codeLabel('purpose', e.purpose)}` : '')] : null,
      e.authorised_until || e.unlimited ? [h('dt', {}, t('traveller.authorised_until')), h('dd', {}, e.unlimited ? t('traveller.unlimited') : date(e.authorised_until))] : null,
    ];
  }

  function showDecision() {
    const r = current;
    const d = r.decision;
    const reasons = listOf(r.reasons);
    // A referral is never recorded as such: after the secondary inspection the officer
    // admits or refuses, with a reason (the server answers 400 to a bare confirmation).
    const confirm = d === 'refer'
      ? h('button', { type: 'button', class: 'primary', id: 'check-resolve' }, t('check.resolve'), h('kbd', {}, 'Enter'))
      : h('button', { type: 'button', class: d === 'refuse' ? 'danger' : 'success', id: 'check-confirm' },
        t(`check.confirm_${d === 'refuse' ? 'refusal' : 'admission'}`), h('kbd', {}, 'Enter'));
    const override = d === 'refer' ? null : h('button', { type: 'button', id: 'check-override' }, t('check.override'));
    const again = h('button', { type: 'button', id: 'check-again' }, t('check.next'), h('kbd', {}, 'Esc'));
    const overrideBox = h('div', {});
    const panel = h('div', { class: ['decision', d], role: 'alert', id: 'decision', 'data-decision': d },
      h('div', { class: 'verdict' }, h('span', { 'aria-hidden': 'true' }, ICON[d] || ''), tMaybe(`decision.${d}`) || d),
      reasons.length ? h('ul', { class: 'reasons' }, reasons.map((x) => h('li', { 'data-code': x.code },
        reasonText(x), x.code ? [' ', h('span', { class: 'muted' }, '(', ltr(x.code, 'mono'), ')')] : null,
        // the server's own words: the dates, days, hours and visa that the short label leaves out
        x.message && x.message !== reasonText(x) ? h('div', { class: 'reason-detail' }, ltr(x.message)) : null)))
        : h('p', {}, t('check.no_reasons')),
      traveller(r), movementsLink(r));
    const actions = h('div', { class: 'actions' }, confirm, override, again);
    replace(result, panel, actions, overrideBox);
    confirm.focus();
    if (d === 'refer') confirm.addEventListener('click', () => replace(overrideBox, overrideForm(d)));
    else confirm.addEventListener('click', () => record(confirm, {}));
    again.addEventListener('click', reset);
    if (override) override.addEventListener('click', () => replace(overrideBox, overrideForm(d)));
  }

  // The outcome instead of the one proposed: admit or refuse (refer is not an outcome).
  function overrideForm(d) {
    const choices = ['admit', 'refuse'].filter((x) => x !== d);
    const dec = field({ name: 'decision', label: t('check.override_to'), options: choices.map((x) => [x, t(`decision.${x}`)]) });
    const why = field({ name: 'reason', label: t('check.override_reason'), kind: 'textarea', required: true, rows: 2,
      hint: d === 'refuse' ? t('check.override_supervisor') : undefined });
    const go = h('button', { type: 'submit', class: 'primary' }, t('check.override_record'));
    const f = h('form', { novalidate: true, id: 'override-form' }, h('fieldset', {}, h('legend', {}, t(d === 'refer' ? 'check.resolve' : 'check.override')), dec, why, h('div', { class: 'actions' }, go)));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(f);
      if (!why.control.value.trim()) return showError(f, new api.ApiError(400, 'required', t('error.required'), 'reason'));
      return record(go, { decision: dec.control.value, reason: why.control.value.trim() }, f);
    });
    setTimeout(() => dec.control.focus());
    return f;
  }

  async function record(button, extra, errForm) {
    const r = current;
    const id = r.id || r.check_id;
    try {
      const rec = await busy(button, () => api.post(`/api/v1/border/checks/${encodeURIComponent(id)}/confirm`, extra), t('check.recording'));
      const final = (rec && rec.decision) || extra.decision || r.decision;
      const pending = rec && (rec.pending_approval || rec.state === 'pending_approval');
      pushRecent({
        at: (rec && (rec.recorded_at || rec.at)) || new Date().toISOString(),
        decision: final, overridden: !!extra.decision, pending,
        document: (r.document && r.document.document_number) || (r.traveller && r.traveller.document_number) || '',
        name: r.document ? [r.document.surname, r.document.given_names].filter(Boolean).join(', ') : '',
        direction: r.body.direction,
      });
      reset();
      replace(result, h('div', { class: ['alert', final === 'admit' ? 'ok' : final === 'refer' ? 'warn' : 'error'], role: 'status', id: 'check-recorded', 'data-decision': final },
        t(pending ? 'check.recorded_pending' : `check.recorded_${final}`, { direction: t(`direction.${r.body.direction}`) }),
        movementsLink(r)));
    } catch (err) {
      if (errForm) { showError(errForm, err); return; }
      // Beneath the decision, which stays (with its buttons) so the officer can act on it.
      const box = result.querySelector('#check-error') || result.appendChild(h('div', { id: 'check-error' }));
      replace(box, h('div', { class: 'alert error', role: 'alert' }, errorText(err)));
    }
  }

  function reset() {
    current = null;
    mrz.control.value = '';
    visa.control.value = '';
    for (const f of Object.values(typed)) f.control.value = '';
    cargo.control.checked = false;
    returnee.control.checked = false;
    clearErrors(form);
    replace(result);
    mrz.control.focus();
  }

  function pushRecent(item) {
    const list = JSON.parse(sessionStorage.getItem(RECENT_KEY) || '[]');
    list.unshift(item);
    sessionStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, 20)));
    drawRecent();
  }

  function drawRecent() {
    const list = JSON.parse(sessionStorage.getItem(RECENT_KEY) || '[]');
    replace(recentBox, h('h2', { id: 'recent-h' }, t('check.recent')), table([
      { label: t('audit.at'), cell: (x) => timeEl(x.at) },
      { label: t('check.decision'), cell: (x) => [decisionBadge(x.decision), x.overridden ? [' ', badge('warn', t('check.overridden'))] : null, x.pending ? [' ', badge('pending', t('check.pending'))] : null] },
      { label: t('traveller.document'), cell: (x) => ltr(x.document, 'mono') },
      { label: t('traveller.name'), cell: (x) => ltr(x.name) },
    ], list, { empty: t('check.no_recent') }));
  }

  function onKey(e) {
    if (e.key === 'Escape' && !e.altKey) { e.preventDefault(); reset(); }
  }
  document.addEventListener('keydown', onKey);
  mrz.control.focus();
  return () => { document.removeEventListener('keydown', onKey); clearTimeout(timer); };
}
