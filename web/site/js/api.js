// The shop's HTTP API: JSON in and out, the signed-in user's token as bearer, and every failure
// turned into an APIError whose text a person can act on.

import * as config from './config.js';
import * as auth from './auth.js';

// APIError is a refused or failed request. status 0 means the API could not be reached.
export class APIError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.name = 'APIError';
    this.status = status;
    this.code = code;
    this.requestId = requestId || '';
  }
}

// request sends method path with body (JSON) and extra headers; it resolves to the decoded
// JSON body (null for 204). A 401 while signed in renews the tokens once and retries.
export async function request(method, path, { body, headers = {}, signal, retried = false } = {}) {
  const h = { ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const token = auth.accessToken();
  if (token) h.Authorization = `Bearer ${token}`;
  let resp;
  try {
    resp = await fetch(config.get().apiUrl + path, {
      method, headers: h, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new APIError(0, 'network', 'We could not reach the shop. Check your connection and try again.');
  }
  // Read every body, even a 204's: a response left unread is reported as aborted.
  const text = await resp.text();
  if (resp.status === 204) return null;
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (resp.ok) return data;
  if (resp.status === 401 && token && !retried) {
    if (await auth.refresh()) return request(method, path, { body, headers, signal, retried: true });
    auth.forget();
  }
  const e = (data && data.error) || {};
  throw new APIError(resp.status, e.code || '', e.message || (data && data.message) || '', data && data.requestId);
}

// describe says err in words for a person; what names the thing being done ("save the product").
export function describe(err, what = 'do that') {
  if (!(err instanceof APIError)) return `Something went wrong while trying to ${what}. Please try again.`;
  const detail = err.message ? ` ${sentence(err.message)}` : '';
  const ref = err.requestId ? ` (Reference: ${err.requestId})` : '';
  switch (err.status) {
    case 0:
      return err.message;
    case 400:
      return `We could not ${what} because something in the form needs fixing:${detail}`;
    case 401:
      return `Your session has ended. Please sign in again to ${what}.`;
    case 403:
      return `Your account is not allowed to ${what}.`;
    case 404:
      return `We could not ${what}: it no longer exists.${detail}`;
    case 409:
      return `We could not ${what}:${detail}`;
    case 412:
      return `Someone else changed this while you were editing, so we did not ${what}.`;
    case 413:
      return `We could not ${what}: what you sent is too large.`;
    case 422:
      return `We could not ${what}:${detail}`;
    case 429:
      return `The shop is busy right now. Wait a moment and try to ${what} again.`;
    default:
      return `Something went wrong on our side while trying to ${what}. Please try again in a moment.${ref}`;
  }
}

// sentence ends the API's message with a full stop. Its first word keeps its case: it is
// often a field's name (imageUrl) that the person can find in the form.
function sentence(s) {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

// newKey returns a random Idempotency-Key.
export function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
