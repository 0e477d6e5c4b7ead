// Stack page: the template's routes, rules, functions, queues and tables, each with its live
// figures (GET /_console/api/stack/live).
import { live, el, ms } from './console.js';

const box = document.getElementById('stack');

function column(title, id, nodes) {
  return el('section', { id }, el('h2', {}, title), nodes.length ? nodes : el('p', { class: 'muted' }, 'none'));
}

function figs(...pairs) {
  return el('div', { class: 'figs' }, pairs.filter(Boolean).map(([k, v, cls]) => el('span', { class: cls || '' }, `${k} ${v}`)));
}

live('stack/live', (s) => {
  const byQueue = {}; const byTable = {};
  for (const m of s.mappings || []) (m.kind === 'queue' ? byQueue : byTable)[m.source] = m.function;
  box.replaceChildren(
    column('HTTP routes', 'routes', (s.routes || []).map((r) => el('div', { class: 'node route' },
      el('div', { class: 'title mono' }, r.key), el('div', { class: 'to' }, `→ ${r.function}${r.auth && r.auth !== 'NONE' ? ' · ' + r.auth : ''}`)))),
    column('Rules', 'rules', (s.rules || []).map((r) => el('div', { class: 'node rule', title: r.pattern },
      el('div', { class: 'title' }, r.name), el('div', { class: 'to' }, `${r.bus} → ${(r.targets || []).join(', ')}`)))),
    column('Functions', 'stack-functions', (s.functions || []).map((f) => el('div', {
      class: 'node function' + (f.busy || f.lastMinute ? ' active' : '') + (f.errors ? ' failing' : ''), 'data-function': f.function,
    },
    el('a', { class: 'title', href: '/_console/functions/' + encodeURIComponent(f.function) }, f.function),
    figs(['last minute', f.lastMinute], ['invocations', f.invocations], ['errors', f.errors, f.errors ? 'bad' : ''], ['warm', f.warm], f.invocations ? ['p50', ms(f.p50Ms)] : null)))),
    column('Queues', 'queues', (s.queues || []).map((q) => el('div', { class: 'node queue' + (q.isDlq && q.waiting ? ' failing' : ''), 'data-queue': q.name },
      el('div', { class: 'title' }, q.name),
      el('div', { class: 'to' }, byQueue[q.name] ? `→ ${byQueue[q.name]}` : (q.isDlq ? 'dead-letter queue' : ''), q.dlq ? ` · DLQ ${q.dlq}` : ''),
      figs(['waiting', q.waiting, q.isDlq && q.waiting ? 'bad' : ''], ['in flight', q.inFlight])))),
    column('Tables', 'tables', (s.tables || []).map((t) => el('div', { class: 'node table', 'data-table': t.name },
      el('a', { class: 'title', href: '/_console/tables?table=' + encodeURIComponent(t.name) }, t.name),
      el('div', { class: 'to' }, t.stream ? [el('a', { href: '/_console/streams?table=' + encodeURIComponent(t.name) }, 'stream'),
        byTable[t.name] ? ` → ${byTable[t.name]}` : ''] : '')))),
  );
});
