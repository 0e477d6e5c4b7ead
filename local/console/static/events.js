// The Events page: the EventBridge event log, live, with each event's matched rules and targets.
import { live, el } from './console.js';

const tbody = document.querySelector('#events tbody');
const count = document.getElementById('count');
const form = document.getElementById('filter');
let stream;

function targetName(arn) {
  const i = Math.max(arn.lastIndexOf(':'), arn.lastIndexOf('/'));
  return arn.slice(i + 1);
}

function render({ events }) {
  count.textContent = `${events.length} event${events.length === 1 ? '' : 's'} (newest first)`;
  tbody.replaceChildren(...events.flatMap((e) => {
    const detail = el('tr', { hidden: true, class: 'detail' }, el('td', { colspan: 5 }, el('pre', {}, JSON.stringify(e.event, null, 2))));
    const row = el('tr', { class: 'clickable', 'data-event-id': e.eventId, onclick: () => { detail.hidden = !detail.hidden; } },
      el('td', { class: 'mono' }, new Date(e.received).toLocaleTimeString(), el('br'), el('span', { class: 'muted' }, e.eventId)),
      el('td', {}, e.bus),
      el('td', {}, e.source),
      el('td', {}, e.detailType),
      el('td', {}, e.matches.length === 0 ? el('span', { class: 'muted' }, 'no rule matched') :
        e.matches.map((m) => el('div', { class: 'match' }, el('span', { class: 'tag' }, m.rule), ' → ',
          m.targets.map((t) => el('span', { class: 'tag', title: t.arn }, targetName(t.arn)))))));
    return [row, detail];
  }));
}

function start() {
  if (stream) stream.close();
  const q = new FormData(form).get('q');
  stream = live('events/stream' + (q ? '?q=' + encodeURIComponent(q) : ''), render);
}

form.addEventListener('input', start);
form.addEventListener('submit', (ev) => { ev.preventDefault(); start(); });
start();
