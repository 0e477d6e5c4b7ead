// Functions page: live per-function figures; one function's last invocations (event, result,
// log lines), searchable, each re-invocable with an edited event.
import { api, live, el, ms } from './console.js';

const tbody = document.querySelector('#functions tbody');
const detail = document.getElementById('detail');
let selected = detail.dataset.function ? decodeURIComponent(detail.dataset.function) : '';

live('functions/live', (body) => {
  tbody.replaceChildren(...body.functions.map((f) => el('tr', { 'data-function': f.function, 'aria-current': f.function === selected ? 'true' : null },
    el('td', {}, el('a', { href: '/_console/functions/' + encodeURIComponent(f.function) }, f.function)),
    el('td', { class: 'invocations' }, f.invocations),
    el('td', { class: f.errors ? 'bad' : '' }, f.errors),
    el('td', {}, f.throttles),
    el('td', {}, f.coldStarts),
    el('td', {}, f.invocations ? ms(f.p50Ms) : ''),
    el('td', {}, f.invocations ? ms(f.p99Ms) : ''),
    el('td', { title: `${f.idle} idle, ${f.busy} busy, ${f.queued} queued` }, f.warm))));
});

function pretty(v) {
  return v === undefined || v === null ? '' : JSON.stringify(v, null, 2);
}

function invocationItem(inv) {
  const editor = el('div', { class: 'reinvoke', hidden: true },
    el('label', {}, 'Event', el('textarea', { class: 'event-editor', spellcheck: 'false' }, pretty(inv.event))),
    el('button', { type: 'button', class: 'invoke', onclick: () => reinvoke(editor) }, 'Invoke'),
    el('pre', { class: 'invoke-result', hidden: true }));
  return el('details', { class: 'invocation', id: inv.requestId, 'data-request-id': inv.requestId, open: location.hash === '#' + inv.requestId },
    el('summary', {},
      el('span', {}, new Date(inv.start).toLocaleTimeString()),
      el('span', { class: 'mono' }, inv.requestId),
      el('span', {}, ms(inv.durationMs)),
      el('span', { class: 'badge' }, inv.trigger),
      inv.initMs ? el('span', { class: 'badge' }, `cold start ${ms(inv.initMs)}`) : '',
      inv.error ? el('span', { class: 'bad' }, inv.error) : el('span', { class: 'ok' }, 'ok')),
    el('h3', {}, 'Log'), el('pre', { class: 'logs' }, (inv.logs || []).join('\n')),
    el('h3', {}, 'Result'), el('pre', { class: 'result' }, pretty(inv.result)),
    el('h3', {}, 'Event'), el('pre', { class: 'event' }, pretty(inv.event)),
    el('button', { type: 'button', class: 'secondary edit', onclick: () => { editor.hidden = !editor.hidden; } }, 'Re-invoke with an edited event…'),
    editor);
}

async function reinvoke(editor) {
  const out = editor.querySelector('.invoke-result');
  out.hidden = false;
  try {
    const res = await api(`functions/${encodeURIComponent(selected)}/invoke`, { method: 'POST', body: editor.querySelector('textarea').value });
    out.className = 'invoke-result ' + (res.error ? 'bad' : 'ok');
    out.textContent = `${res.requestId} · ${ms(res.durationMs)}${res.error ? ' · ' + res.error : ''}\n${pretty(res.result)}`;
    out.dataset.requestId = res.requestId; // recorded like any other: search finds it
  } catch (e) {
    out.className = 'invoke-result error';
    out.textContent = e.message;
  }
}

const search = el('input', { id: 'inv-q', type: 'search', size: 30, placeholder: 'request id, order id, text in a log line…' });
const list = el('div', { id: 'invocations' });

async function load() {
  const body = await api(`functions/${encodeURIComponent(selected)}/invocations?q=${encodeURIComponent(search.value.trim())}`);
  list.replaceChildren(body.invocations.length ? '' : el('p', { class: 'muted' }, 'No recorded invocation matches.'),
    ...body.invocations.map(invocationItem));
}

if (selected) {
  document.querySelector('#functions').closest('.scroll').before(detail); // the function first, then the others
  detail.replaceChildren(el('h2', {}, 'Invocations of ', el('span', { class: 'mono' }, selected)),
    el('form', { class: 'inline', role: 'search', onsubmit: (ev) => { ev.preventDefault(); load(); } },
      el('label', {}, 'Search', search), el('button', { type: 'submit' }, 'Search')),
    list);
  load().catch((e) => list.replaceChildren(el('p', { class: 'error' }, e.message)));
}
