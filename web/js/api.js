// SPDX-License-Identifier: Apache-2.0
//
// Talking to the ubur API. The browser authenticates with the HttpOnly
// session cookie set at login (the page never sees the token); every write
// carries the CSRF token in X-CSRF-Token, kept in sessionStorage and fetched
// again from GET /api/v1/session after a reload. Errors come back as
// {"error":{"code","message","field"}} and are thrown as ApiError, so forms
// can show them beside the field the server names.
//
// Which features this server has is read from its OpenAPI document
// (/api/v1/openapi.json, generated from the route table): a screen appears
// only when the routes it needs exist and the user's role may call them.

const CSRF_KEY = 'ubur.csrf';

export class ApiError extends Error {
  constructor(status, code, message, field, body) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field || '';
    this.body = body || null; // the whole answer (a 409 may carry candidates)
  }
}

let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(fn) { onUnauthenticated = fn; }

async function request(method, path, body, opts = {}) {
  const headers = { Accept: opts.accept || 'application/json' };
  if (body !== undefined) headers['Content-Type'] = opts.contentType || 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined
        : (typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body)),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e.message);
  }
  return res;
}

async function errorOf(res) {
  let code = `http_${res.status}`; let message = res.statusText; let field = ''; let body = null;
  try {
    body = await res.json();
    if (body && body.error) ({ code, message, field } = { ...body.error, field: body.error.field || '' });
  } catch { /* not JSON */ }
  return new ApiError(res.status, code, message, field, body);
}

// JSON in, JSON out. Throws ApiError.
export async function api(method, path, body, opts = {}) {
  const res = await request(method, path, body, opts);
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.noAuthRedirect) onUnauthenticated(err);
    throw err;
  }
  if (res.status === 204) return null;
  const ct = res.headers.get('Content-Type') || '';
  return ct.includes('json') ? res.json() : res.text();
}

// A non-JSON answer (CSV, SVG, PNG, HTML) as text or a Blob.
export async function apiRaw(method, path, { accept = '*/*', as = 'text', body } = {}) {
  const res = await request(method, path, body, { accept });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401) onUnauthenticated(err);
    throw err;
  }
  return as === 'blob' ? res.blob() : res.text();
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body ?? {}, opts);
export const put = (path, body, opts) => api('PUT', path, body ?? {}, opts);
export const patch = (path, body, opts) => api('PATCH', path, body ?? {}, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// Query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// ---- session ----

export async function login(username, password) {
  const s = await api('POST', '/api/v1/session', { username, password }, { noAuthRedirect: true });
  sessionStorage.setItem(CSRF_KEY, s.csrf);
  return s;
}

// The current session, or null when there is none (no cookie, expired).
export async function currentSession() {
  try {
    const s = await api('GET', '/api/v1/session', undefined, { noAuthRedirect: true });
    sessionStorage.setItem(CSRF_KEY, s.csrf);
    return s;
  } catch (e) {
    if (e.status === 401) { sessionStorage.removeItem(CSRF_KEY); return null; }
    throw e;
  }
}

export async function logout() {
  try { await api('DELETE', '/api/v1/session', undefined, { noAuthRedirect: true }); } catch { /* gone already */ }
  sessionStorage.removeItem(CSRF_KEY);
}

// ---- what this server offers ----

let spec = null;

export async function loadSpec() {
  if (!spec) {
    try {
      spec = await api('GET', '/api/v1/openapi.json', undefined, { noAuthRedirect: true });
    } catch {
      spec = { paths: {} };
    }
  }
  return spec;
}

export function resetSpec() { spec = null; }

// The route's OpenAPI operation, or undefined. path as in the table: '/api/v1/users/{username}'.
export function operation(method, path) {
  const p = spec && spec.paths && spec.paths[path];
  return p && p[method.toLowerCase()];
}

export function hasRoute(method, path) { return !!operation(method, path); }

// Whether role may call the route (the server still decides).
export function roleMay(role, method, path) {
  const op = operation(method, path);
  if (!op) return false;
  const roles = op['x-roles'];
  return !roles || roles.length === 0 || roles.includes(role);
}

// The first existing path among candidates (APIs named slightly differently by version).
export function firstRoute(method, ...paths) {
  return paths.find((p) => hasRoute(method, p));
}

// Uploads a file as the raw request body (imports), reporting progress
// through onProgress(fraction) as the bytes go out; resolves with the JSON
// answer. XHR rather than fetch, because fetch cannot report upload progress.
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.upload.onload = () => onProgress && onProgress(1);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      const e = (body && body.error) || {};
      if (xhr.status === 401) onUnauthenticated();
      return reject(new ApiError(xhr.status, e.code || `http_${xhr.status}`, e.message || xhr.statusText, e.field, body));
    };
    xhr.send(file);
  });
}
