// SPDX-License-Identifier: Apache-2.0
//
// The data-age indicator in the top bar (docs/internals/sync.md). On a
// border post it says how old the data from central is (watchlists, visas,
// crossings: what an offline check decides with) and how many records wait
// to go up; it turns amber after an hour and red after a day, or when the
// link has failed since. Officers who may sync click it to sync now. On
// central it tells supervisors how many sync conflicts wait for them.
// Refreshed every minute; never blocks the screen it sits above.
//
// API: GET /api/v1/sync/status -> {role: "post", data_age_seconds, pull:
//   {data_as_of, last_success_at, failures, last_error}, push: {...},
//   outbox: {pending}} | {role: "central", open_conflicts}
// API: POST /api/v1/sync/run -> {push_ok, pull_ok, pushed, pulled, error}

import { h, replace } from './dom.js';
import { t, dateTime } from './i18n.js';
import * as api from './api.js';
import { toast } from './ui.js';

const REFRESH_MS = 60000;
const HOUR = 3600;
const DAY = 86400;

// 45 -> "45 seconds", 7260 -> "2 hours" (the largest whole unit).
export function ageText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return t('sync.seconds', { n: s });
  if (s < 2 * HOUR) return t('sync.minutes', { n: Math.floor(s / 60) });
  if (s < 2 * DAY) return t('sync.hours', { n: Math.floor(s / HOUR) });
  return t('sync.days', { n: Math.floor(s / DAY) });
}

function postLevel(st) {
  const age = st.data_age_seconds;
  const failing = (st.pull && st.pull.failures > 0) || (st.push && st.push.failures > 0);
  if (age === null || age === undefined || age >= DAY) return 'bad';
  if (age >= HOUR || failing) return 'warn';
  return 'ok';
}

function postTitle(st) {
  const lines = [];
  const pull = st.pull || {};
  const push = st.push || {};
  lines.push(pull.data_as_of ? t('sync.as_of', { time: dateTime(pull.data_as_of) }) : t('sync.never'));
  lines.push(t('sync.pending', { n: (st.outbox && st.outbox.pending) || 0 }));
  if (push.last_success_at) lines.push(t('sync.last_push', { time: dateTime(push.last_success_at) }));
  const error = pull.failures ? pull.last_error : push.failures ? push.last_error : null;
  if (error) lines.push(t('sync.link_failed', { error }));
  return lines.join('\n');
}

// Returns {el, stop}: the element for the top bar (null when this user has no status to see).
export function syncBadge(session) {
  const role = session.user.role;
  if (!api.roleMay(role, 'GET', '/api/v1/sync/status')) return { el: null, stop() {} };
  const canRun = api.roleMay(role, 'POST', '/api/v1/sync/run');
  // On a post, a button (sync now); on central, a link to the conflicts screen.
  const button = h('button', { type: 'button', class: 'syncage', id: 'sync-age', 'aria-live': 'polite' });
  const link = h('a', { class: 'syncage warn', id: 'sync-conflicts-link', href: '/sync/conflicts' });
  const el = h('span', { class: 'syncbox', hidden: true });
  let stopped = false;
  let running = false;

  function draw(st) {
    if (stopped) return;
    if (st.role === 'post') {
      const age = st.data_age_seconds;
      const text = age === null || age === undefined ? t('sync.never')
        : t('sync.age', { age: ageText(age) });
      const pending = (st.outbox && st.outbox.pending) || 0;
      button.className = `syncage ${postLevel(st)}`;
      button.title = postTitle(st) + (canRun ? `\n${t('sync.click')}` : '');
      button.disabled = !canRun || running;
      replace(button, h('span', { class: 'dot', 'aria-hidden': 'true' }), text,
        pending ? h('span', { class: 'pending' }, ` · ${t('sync.pending_short', { n: pending })}`) : null);
      if (button.parentNode !== el) replace(el, button);
      el.hidden = false;
      return;
    }
    const open = st.open_conflicts || 0;
    if (!open || !api.roleMay(role, 'GET', '/api/v1/sync/conflicts')) {
      el.hidden = true;
      return;
    }
    link.title = t('sync.conflicts_title');
    replace(link, h('span', { class: 'dot', 'aria-hidden': 'true' }), t('sync.conflicts', { n: open }));
    if (link.parentNode !== el) replace(el, link);
    el.hidden = false;
  }

  async function refresh() {
    try {
      draw(await api.get('/api/v1/sync/status'));
    } catch (e) {
      /* The status is a hint: a failed refresh leaves the last one shown. */
    }
  }

  if (canRun) {
    button.addEventListener('click', async () => {
      if (running) return;
      running = true;
      button.disabled = true;
      button.classList.add('busy');
      try {
        const r = await api.post('/api/v1/sync/run', {});
        if (r.push_ok && r.pull_ok) toast(t('sync.done', { pushed: r.pushed, pulled: r.pulled }));
        else toast(t('sync.failed'), 'warn', 8000);
        if (r.status) draw(r.status);
      } catch (e) {
        toast(e.message || t('sync.failed'), 'warn', 8000);
      } finally {
        running = false;
        button.classList.remove('busy');
        refresh();
      }
    });
  }
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return { el, stop() { stopped = true; clearInterval(timer); } };
}
