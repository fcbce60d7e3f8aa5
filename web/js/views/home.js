// SPDX-License-Identifier: Apache-2.0
//
// The start screen: who is logged in, and a card for each screen this
// user's role may open on this server, grouped as in the navigation.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { heading } from '../ui.js';
import { groups } from '../screens.js';

export function render(ctx) {
  const u = ctx.session.user;
  const mine = ctx.allowed.filter((s) => !s.hidden && !s.always);
  ctx.main.append(
    heading(t('home.welcome', { name: u.username })),
    h('p', { class: 'muted' }, t('home.role', { role: t(`role.${u.role}`) })));
  if (!mine.length) {
    ctx.main.append(h('p', { class: 'alert' }, t('home.nothing')));
    return;
  }
  for (const g of groups) {
    const list = mine.filter((s) => s.group === g);
    if (!list.length) continue;
    ctx.main.append(h('h2', {}, t(`group.${g}`)), h('div', { class: 'cards' }, list.map((s) =>
      h('a', { class: 'card', href: s.path },
        h('strong', {}, t(s.title)),
        h('span', { class: 'muted' }, t(`${s.title}.about`)),
        s.key ? h('span', { class: 'muted' }, ' ', h('kbd', {}, `Alt+${s.key.toUpperCase()}`)) : null))));
  }
}
