// Traces page: search by order id / correlation id / any id, and one trace's causal tree as
// a timeline (GET /_console/api/traces, traces/{id}, traces/{id}/live).
import { api, live, el, ms } from './console.js';

const results = document.getElementById('results');
const traceBox = document.getElementById('trace');
const form = document.getElementById('search');
const q = document.getElementById('q');
const id = traceBox.dataset.id ? decodeURIComponent(traceBox.dataset.id) : ''; // the trace shown

function summaryTable(traces) {
  if (traces.length === 0) return el('p', { class: 'muted', id: 'no-traces' }, 'No recorded trace matches.');
  return el('div', { class: 'scroll' }, el('table', { id: 'trace-list' },
    el('thead', {}, el('tr', {}, ['Correlation id', 'First hop', 'Started', 'Hops', 'Errors', 'Duration'].map((h) => el('th', {}, h)))),
    el('tbody', {}, traces.map((t) => el('tr', {},
      el('td', { class: 'mono' }, el('a', { href: '/_console/traces/' + encodeURIComponent(t.correlationId) }, t.correlationId)),
      el('td', {}, t.root),
      el('td', {}, new Date(t.start).toLocaleTimeString()),
      el('td', {}, t.hops),
      el('td', { class: t.errors ? 'bad' : '' }, t.errors),
      el('td', {}, ms(t.durationMs)))))));
}

// search finds the traces query leads to and opens the one where it was first seen (the
// request that created an order, not the later reads of it), listing the others there.
async function search(query, open = true) {
  const body = await api('traces?q=' + encodeURIComponent(query));
  if (open && query && body.origin && body.origin !== id) {
    location.href = '/_console/traces/' + encodeURIComponent(body.origin) + '?q=' + encodeURIComponent(query);
    return;
  }
  const others = body.traces.filter((t) => t.correlationId !== id);
  if (id && others.length === 0) {
    results.replaceChildren();
    return;
  }
  if (id) { // below the trace, folded: the trace is what was asked for
    traceBox.after(results);
    results.replaceChildren(el('details', { id: 'others' },
      el('summary', {}, `${others.length} other trace${others.length === 1 ? '' : 's'} carried “${query}”`),
      summaryTable(others)));
    return;
  }
  results.replaceChildren(el('h2', {}, query ? `Traces for “${query}”` : 'Recent traces'), summaryTable(others));
}

function attrsText(n) {
  const a = n.attrs || {};
  const parts = [];
  for (const k of ['caller', 'trigger', 'status', 'rule', 'queue', 'table', 'tables', 'keys', 'detailTypes', 'coldStartMs', 'receiveCount']) {
    if (a[k]) parts.push(`${k}: ${a[k]}`);
  }
  if (n.requestId) parts.push(`request ${n.requestId}`);
  return parts.join(' · ');
}

function renderTrace(t) {
  if (!t || !t.nodes) { // the id is not (yet) recorded: say so rather than show nothing
    traceBox.replaceChildren(el('p', { class: 'muted', id: 'no-trace' },
      `No recorded hop carries “${id}” yet: its trace appears here when one does.`));
    return;
  }
  const total = Math.max(t.durationMs, 0.001);
  traceBox.replaceChildren(
    el('h2', {}, 'Trace ', el('span', { class: 'mono', id: 'trace-id' }, t.correlationId)),
    el('p', { class: 'muted' }, `${t.nodes.length} hops · ${ms(t.durationMs)}`, t.errors ? el('span', { class: 'bad' }, ` · ${t.errors} failed`) : ''),
    el('ol', { class: 'trace', id: 'hops' }, t.nodes.map((n) => el('li', {
      class: 'hop' + (n.error ? ' error' : ''), 'data-kind': n.kind, 'data-function': n.function || '',
      'data-duration-ms': n.durationMs, 'data-caller': (n.attrs || {}).caller, 'data-depth': n.depth, style: `--depth:${n.depth}`,
    },
    el('div', { class: 'what' },
      el('span', { class: 'badge ' + n.kind }, n.kind),
      n.kind === 'invoke'
        ? el('a', { href: '/_console/functions/' + encodeURIComponent(n.function) + '#' + n.requestId, class: 'name' }, n.name)
        : el('span', { class: 'name' }, n.name),
      n.kind === 'http' && n.function ? el('span', { class: 'muted' }, ' → ' + n.function) : '',
      el('div', { class: 'meta' }, attrsText(n)),
      n.error ? el('div', { class: 'bad' }, n.error) : ''),
    el('div', {},
      el('div', { class: 'bar', title: `+${ms(n.offsetMs)}` },
        el('span', { style: `left:${(100 * n.offsetMs) / total}%;width:${Math.max((100 * (n.wallMs || n.durationMs)) / total, 0.3)}%` })),
      el('span', { class: 'dur' }, `+${ms(n.offsetMs)} · ${ms(n.durationMs)}`, n.wallMs > n.durationMs + 1 ? ` (${ms(n.wallMs)} with wait and init)` : ''))))),
  );
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  search(q.value.trim()).catch((e) => results.replaceChildren(el('p', { class: 'error' }, e.message)));
});

if (id) {
  const asked = new URLSearchParams(location.search).get('q');
  q.value = asked || id;
  live('traces/' + encodeURIComponent(id) + '/live', renderTrace);
  if (asked) search(asked, false).catch((e) => results.replaceChildren(el('p', { class: 'error' }, e.message)));
} else {
  search('').catch((e) => results.replaceChildren(el('p', { class: 'error' }, e.message)));
}
