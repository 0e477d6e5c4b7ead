// The Mail page: what the functions sent through SES, newest first, live. An HTML body is
// shown in a sandboxed frame (no scripts, no same-origin access), a text body as text.
import { el } from './console.js';

const list = document.getElementById('messages');
const view = document.getElementById('message');
const count = document.getElementById('count');
const form = document.getElementById('filter');
let openID = null;
let shown = '';
let asked = 0; // the latest request: answers to earlier ones (a filter being typed) are dropped

function show(m) {
  openID = m.messageId;
  for (const li of list.children) li.setAttribute('aria-selected', String(li.dataset.messageId === openID));
  view.hidden = false;
  const rows = [['From', m.from], ['To', m.to.join(', ')], ['Cc', (m.cc || []).join(', ')], ['Subject', m.subject], ['Sent', new Date(m.time).toLocaleString()]]
    .filter(([, v]) => v);
  view.replaceChildren(el('h2', {}, m.subject || '(no subject)'),
    el('table', {}, rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))),
    m.html ? el('iframe', { sandbox: '', title: 'HTML body', srcdoc: m.html, referrerpolicy: 'no-referrer' }) : '',
    m.text ? el('pre', { class: 'text' }, m.text) : '',
    m.raw && !m.text && !m.html ? el('pre', { class: 'raw' }, m.raw) : '');
}

async function refresh() {
  const to = new FormData(form).get('to');
  const mine = ++asked;
  const res = await fetch('/_console/api/mail' + (to ? '?to=' + encodeURIComponent(to) : ''));
  const text = await res.text();
  if (mine !== asked || text === shown) return;
  shown = text;
  const msgs = JSON.parse(text).messages.reverse();
  count.textContent = `${msgs.length} message${msgs.length === 1 ? '' : 's'} (newest first)`;
  list.replaceChildren(...msgs.map((m) => el('li', { 'data-message-id': m.messageId, 'aria-selected': String(m.messageId === openID), tabindex: 0,
    onclick: () => show(m), onkeydown: (ev) => { if (ev.key === 'Enter') show(m); } },
  el('strong', {}, m.subject || '(no subject)'), el('br'), el('span', { class: 'muted' }, `to ${m.to.join(', ')} · ${new Date(m.time).toLocaleTimeString()}`))));
  const open = msgs.find((m) => m.messageId === openID);
  if (open) show(open); else if (msgs.length && !openID) show(msgs[0]);
}

form.addEventListener('input', () => { shown = ''; refresh(); });
form.addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
refresh();
setInterval(refresh, 1000);
