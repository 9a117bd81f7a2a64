// The one fetch wrapper of the SPA. Every API call goes through `api()`:
// JSON in and out, the signed-in user's bearer token, one refresh on a 401,
// and error bodies ({"error":{"code","message","request_id","field"}})
// turned into an ApiError that the UI shows as a translated sentence
// (errorText), keeping the request id for support.

import { readSse } from './sse.js';

export const API_BASE = '/api';

export class ApiError extends Error {
  constructor({ status = 0, code = 'unknown', message = '', requestId = null, field = null } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.field = field;
  }
}

/** Builds an ApiError from a failed Response, whatever its body is. */
export async function errorFromResponse(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON (e.g. an HTML error page) */
  }
  const e = body && typeof body === 'object' ? body.error : null;
  return new ApiError({
    status: res.status,
    code: (e && typeof e.code === 'string' && e.code) || codeForStatus(res.status),
    message: (e && e.message) || '',
    requestId: (e && e.request_id) || res.headers.get('x-request-id'),
    field: (e && e.field) || null,
  });
}

export function codeForStatus(status) {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 502) return 'bad_gateway';
  if (status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'internal';
  return 'unknown';
}

/**
 * The sentence to show for an error, in the user's language: a field-specific
 * sentence for validation errors when there is one, else one per code. The
 * server's English `message` is never shown raw.
 * `context` lets a page override a code, e.g. {unauthorized: 'error.login_failed'}.
 */
export function errorText(err, t, context = {}) {
  if (!(err instanceof ApiError)) return t('error.network');
  if (context[err.code]) return t(context[err.code]);
  if (err.code === 'validation_failed' || err.code === 'bad_request') {
    if (err.field) {
      const key = `error.field.${err.field}`;
      const s = t(key);
      if (s !== key) return s;
    }
  }
  const key = `error.${err.code}`;
  const s = t(key);
  return s === key ? t('error.unknown') : s;
}

// --- tokens -----------------------------------------------------------------
// The access token (15 min) and the refresh token live in localStorage so a
// reload keeps the user signed in; logout and account deletion clear them.
const TOKENS_KEY = 'medi.tokens';
let tokens = loadTokens();
const listeners = new Set();

function loadTokens() {
  try {
    const raw = window.localStorage.getItem(TOKENS_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export function getTokens() {
  return tokens;
}

export function setTokens(next) {
  tokens = next;
  try {
    if (next) window.localStorage.setItem(TOKENS_KEY, JSON.stringify(next));
    else window.localStorage.removeItem(TOKENS_KEY);
  } catch {
    /* storage unavailable: the session lasts until reload */
  }
  for (const l of listeners) l(tokens);
}

export function onTokens(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Stores what signup, login and refresh answer. */
export function storeTokenPair(pair) {
  setTokens({ access: pair.access_token, refresh: pair.refresh_token, user: pair.user });
}

let refreshing = null;
async function refreshTokens() {
  if (!tokens?.refresh) return false;
  if (!refreshing) {
    const refresh = tokens.refresh;
    refreshing = fetch(`${API_BASE}/account/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ refresh_token: refresh }),
    })
      .then(async (res) => {
        if (!res.ok) {
          setTokens(null);
          return false;
        }
        storeTokenPair(await res.json());
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function buildUrl(path, query) {
  let url = API_BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  return url;
}

/**
 * api(path, {method, body, query, auth, stream, signal}) → parsed JSON (or
 * null for 204). With `stream`, the raw Response is returned for readSse.
 * `auth`: 'auto' (send the token when signed in; default), 'none'.
 */
export async function api(path, opts = {}) {
  const { method = 'GET', body, query, auth = 'auto', stream = false, signal } = opts;
  const send = async () => {
    const headers = { accept: stream ? 'text/event-stream' : 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth !== 'none' && tokens?.access) headers.authorization = `Bearer ${tokens.access}`;
    return fetch(buildUrl(path, query), {
      method,
      headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal,
    });
  };
  let res;
  try {
    res = await send();
    if (res.status === 401 && auth !== 'none' && tokens?.refresh) {
      if (await refreshTokens()) res = await send();
    }
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError({ status: 0, code: 'network', message: String(e?.message || e) });
  }
  if (!res.ok) throw await errorFromResponse(res);
  if (stream) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Sends a chatbot message as a stream: onTriage(triage) first, onDelta(text)
 * per piece, and resolves with the final message (the `done` event).
 */
export async function streamMessage(sessionId, payload, { onTriage, onDelta, signal } = {}) {
  const res = await api(`/chatbot/sessions/${encodeURIComponent(sessionId)}/messages`, {
    method: 'POST',
    body: payload,
    stream: true,
    signal,
  });
  const type = res.headers.get('content-type') || '';
  if (!type.includes('text/event-stream')) {
    const data = await res.json();
    onTriage?.(data.message.triage);
    onDelta?.(data.message.text);
    return data.message;
  }
  let final = null;
  await readSse(res, ({ event, data }) => {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'triage') onTriage?.(parsed);
    else if (event === 'delta') onDelta?.(parsed);
    else if (event === 'done') final = parsed.message;
    else if (event === 'error') throw new ApiError({ code: parsed?.error?.code || 'internal', requestId: parsed?.error?.request_id });
  });
  if (!final) throw new ApiError({ code: 'internal' });
  return final;
}
