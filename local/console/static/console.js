// Shared helpers of the console's pages (plain ES module, no dependencies).

// api fetches a console API path (relative to /_console/api/) and returns its JSON, throwing
// an Error carrying the API's error message on a non-2xx answer.
export async function api(path, init = {}) {
  const res = await fetch('/_console/api/' + path, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init.headers || {}) },
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    throw new Error(body && body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  }
  return body;
}

// live calls render with each JSON snapshot the server-sent-events stream at path (relative
// to /_console/api/) sends; it returns the EventSource so a page can close it.
export function live(path, render) {
  const es = new EventSource('/_console/api/' + path);
  es.onmessage = (ev) => render(JSON.parse(ev.data));
  return es;
}

// param is the value of name in the page's URL query ("" when it has none): the state a
// link into a page carries, such as the table of streams?table=NAME.
export function param(name) {
  return new URLSearchParams(location.search).get(name) || '';
}

// keepParam keeps the page's URL in step with its state: name=value in the query, dropped
// when value is "". It replaces the history entry rather than adding one, so a reload or a
// copied link shows what the page shows and Back still leaves the page.
export function keepParam(name, value) {
  const q = new URLSearchParams(location.search);
  if (value) q.set(name, value); else q.delete(name);
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? '?' + s : '') + location.hash);
}

// el builds an element: el('td', {class: 'mono'}, 'text', child, ...).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

// ms formats a duration in milliseconds.
export function ms(v) {
  return v === undefined || v === null ? '' : `${Number(v).toFixed(v < 10 ? 2 : 1)} ms`;
}
