// The Queues page: every queue with its counts, live; a queue's messages (read without
// receiving them), its dead-letter queue, redrive and purge. The queue shown is the one the
// URL names (queues?queue=NAME); the URL follows the queue picked.
import { api, live, el, param, keepParam } from './console.js';

const tbody = document.querySelector('#queues tbody');
const section = document.getElementById('queue');
const status = document.getElementById('queue-status');
const redrive = document.getElementById('redrive');
const purge = document.getElementById('purge');
const missing = document.getElementById('queue-missing');
let selected = param('queue');
let looked = false; // whether the queue the URL names was looked for in the list
let detailStream;

function link(name) {
  return el('a', { href: '?queue=' + encodeURIComponent(name), onclick: (ev) => { ev.preventDefault(); select(name); } }, name);
}

function renderList({ queues }) {
  if (!looked) {
    looked = true;
    if (queues.some((q) => q.name === selected)) {
      select(selected);
    } else if (selected) {
      missing.hidden = false;
      missing.textContent = `No queue named “${selected}” in this stack: pick one below.`;
      selected = '';
    }
  }
  tbody.replaceChildren(...queues.map((q) => el('tr', { 'data-queue': q.name, class: q.name === selected ? 'selected' : null },
    el('td', {}, link(q.name), q.sources.length ? el('span', { class: 'tag bad' }, 'DLQ') : null),
    el('td', { class: 'num' }, q.waiting), el('td', { class: 'num' }, q.inFlight), el('td', { class: 'num' }, q.delayed),
    el('td', {}, q.deadLetterQueue ? [link(q.deadLetterQueue), el('span', { class: 'muted' }, ` after ${q.maxReceiveCount} receives`)] : ''))));
}

function renderQueue({ queue, messages, moveTasks }) {
  section.hidden = false;
  document.getElementById('queue-name').textContent = queue.name;
  const info = [`${queue.waiting} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed`];
  if (queue.sources.length) info.push(`dead-letter queue of ${queue.sources.join(', ')}`);
  if (queue.deadLetterQueue) info.push(`dead-letter queue: ${queue.deadLetterQueue}`);
  document.getElementById('queue-info').textContent = info.join(' · ');
  redrive.hidden = queue.sources.length === 0;
  redrive.disabled = messages.length === 0;
  document.getElementById('tasks').replaceChildren(...moveTasks.slice(0, 3).map((t) => el('p', { class: 'muted task' },
    `Redrive ${t.status.toLowerCase()} ${new Date(t.started).toLocaleTimeString()}: ${t.moved} of ${t.toMove} moved`,
    t.failureReason ? el('span', { class: 'bad' }, ' — ' + t.failureReason) : '')));
  document.querySelector('#messages tbody').replaceChildren(...messages.map((m) => el('tr', { 'data-message-id': m.messageId },
    el('td', { class: 'mono' }, m.messageId, m.deadLetterSourceArn ? el('div', { class: 'muted' }, 'from ' + m.deadLetterSourceArn.split(':').pop()) : ''),
    el('td', {}, m.state), el('td', { class: 'num' }, m.receiveCount),
    el('td', { class: 'mono' }, new Date(m.sentAt).toLocaleTimeString()),
    el('td', { class: 'mono' }, new Date(m.visibleAt).toLocaleTimeString()),
    el('td', {}, el('pre', { class: 'body' }, pretty(m.body)),
      Object.keys(m.attributes).length ? el('pre', { class: 'muted' }, JSON.stringify(m.attributes, null, 1)) : ''))));
}

function pretty(body) {
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

function select(name) {
  selected = name;
  keepParam('queue', name);
  missing.hidden = true;
  status.textContent = '';
  purge.textContent = 'Purge…';
  purge.dataset.armed = '';
  for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.queue === name);
  if (detailStream) detailStream.close();
  detailStream = live('queues/' + encodeURIComponent(name) + '/stream', renderQueue);
}

redrive.addEventListener('click', async () => {
  status.textContent = 'Redriving…';
  try {
    const d = await api('queues/' + encodeURIComponent(selected) + '/redrive', { method: 'POST', body: '{}' });
    renderQueue(d);
    const t = d.moveTasks[0];
    status.textContent = t ? `Redrive ${t.status.toLowerCase()}: ${t.moved} message${t.moved === 1 ? '' : 's'} moved` : 'Redrive started';
  } catch (err) {
    status.textContent = err.message;
  }
});

// Purging asks for a second click: the first arms the button.
purge.addEventListener('click', async () => {
  if (!purge.dataset.armed) {
    purge.dataset.armed = 'yes';
    purge.textContent = `Really delete every message of ${selected}?`;
    return;
  }
  purge.dataset.armed = '';
  purge.textContent = 'Purge…';
  try {
    renderQueue(await api('queues/' + encodeURIComponent(selected) + '/purge', { method: 'POST', body: JSON.stringify({ confirm: selected }) }));
    status.textContent = 'Purged';
  } catch (err) {
    status.textContent = err.message;
  }
});

live('queues/stream', renderList);
