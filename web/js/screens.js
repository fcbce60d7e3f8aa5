// SPDX-License-Identifier: Apache-2.0
//
// The screens of the interface, one row each: its path, its group in the
// navigation, its title key, the module that draws it, and the API route it
// stands on. A screen is offered to a user only when that route exists on
// this server and the route's roles (x-roles in the OpenAPI document, i.e.
// the server's route table) include the user's role; so navigation follows
// the server's access rules rather than repeating them, and a screen appears
// as soon as the module behind it lands. `key` is the Alt+key shortcut.

export const groups = ['border', 'consular', 'supervision', 'registry', 'analysis', 'admin'];

export const screens = [
  { path: '/', title: 'nav.home', load: () => import('./views/home.js'), always: true },

  { path: '/check', group: 'border', title: 'nav.check', key: 'c',
    load: () => import('./views/check.js'), api: ['POST', '/api/v1/border/checks'] },
  { path: '/groups', group: 'border', title: 'nav.group_check',
    load: () => import('./views/group_check.js'), api: ['POST', '/api/v1/border/groups/{id}/confirm'] },
  { path: '/crossings', group: 'border', title: 'nav.crossings',
    load: () => import('./views/crossings.js'), api: ['GET', '/api/v1/crossings'] },
  { path: '/movements', group: 'border', title: 'nav.movements',
    load: () => import('./views/movements.js'), api: ['GET', '/api/v1/border/movements'] },
  { path: '/overstays', group: 'border', title: 'nav.overstays',
    load: () => import('./views/overstays.js'), api: ['GET', '/api/v1/border/overstays'] },
  { path: '/travellers/:id/movements', title: 'nav.traveller_movements', hidden: true,
    load: () => import('./views/traveller_movements.js'), api: ['GET', '/api/v1/travellers/{id}/movements'] },

  { path: '/visas/new', group: 'consular', title: 'nav.visa_new', key: 'n',
    load: () => import('./views/visa_new.js'), api: ['POST', '/api/v1/visa-applications'] },
  { path: '/visas/queue', group: 'consular', title: 'nav.visa_queue', key: 'q',
    load: () => import('./views/visa_queue.js'), api: ['GET', '/api/v1/visa-applications'] },
  { path: '/visas/applications/:id', title: 'nav.visa_application', hidden: true,
    load: () => import('./views/visa_application.js'), api: ['GET', '/api/v1/visa-applications/{id}'] },
  { path: '/visas/issued/:id', title: 'nav.visa_print', hidden: true,
    load: () => import('./views/visa_print.js'), api: ['GET', '/api/v1/visas/{id}'] },
  { path: '/visas/verify', group: 'consular', title: 'nav.visa_verify', key: 'v',
    load: () => import('./views/visa_verify.js'), api: ['POST', '/api/v1/visas/verify'] },

  { path: '/cases', group: 'supervision', title: 'nav.cases',
    load: () => import('./views/cases.js'), api: ['GET', '/api/v1/cases'] },
  { path: '/overrides', group: 'supervision', title: 'nav.overrides',
    load: () => import('./views/overrides.js'), api: ['GET', '/api/v1/border/overrides'] },
  { path: '/sync/conflicts', group: 'supervision', title: 'nav.sync_conflicts',
    load: () => import('./views/sync_conflicts.js'), api: ['GET', '/api/v1/sync/conflicts'] },
  { path: '/watchlists', group: 'supervision', title: 'nav.watchlists',
    load: () => import('./views/watchlists.js'), api: ['GET', '/api/v1/watchlists'] },
  { path: '/screen', group: 'supervision', title: 'nav.screen',
    load: () => import('./views/screen.js'), api: ['POST', '/api/v1/screenings'] },

  { path: '/registry/new', group: 'registry', title: 'nav.register', key: 'r',
    load: () => import('./views/register.js'), api: ['POST', '/api/v1/households'] },
  { path: '/registry', group: 'registry', title: 'nav.registry_search', key: 's',
    load: () => import('./views/registry_search.js'), api: ['GET', '/api/v1/individuals'] },
  { path: '/registry/individuals/:id', title: 'nav.individual', hidden: true,
    load: () => import('./views/individual.js'), api: ['GET', '/api/v1/individuals/{id}'] },

  { path: '/dashboard', group: 'analysis', title: 'nav.dashboard', key: 'd',
    load: () => import('./views/dashboard.js'), api: ['GET', '/api/v1/stats/population'] },
  { path: '/traffic', group: 'analysis', title: 'nav.traffic',
    load: () => import('./views/traffic.js'), api: ['GET', '/api/v1/stats/crossings'] },
  { path: '/visa-figures', group: 'analysis', title: 'nav.visa_stats',
    load: () => import('./views/visa_stats.js'), api: ['GET', '/api/v1/stats/visas'] },

  { path: '/admin/users', group: 'admin', title: 'nav.users', key: 'u',
    load: () => import('./views/users.js'), api: ['GET', '/api/v1/users'] },
  { path: '/admin/audit', group: 'admin', title: 'nav.audit', key: 'a',
    load: () => import('./views/audit.js'), api: ['GET', '/api/v1/audit'] },
];

// '/visas/applications/:id' against '/visas/applications/42' -> {id: '42'} or null.
export function matchPath(pattern, path) {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return null;
  const params = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return params;
}
