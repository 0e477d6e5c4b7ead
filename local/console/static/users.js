// The Users page: each user pool's users and groups; create a confirmed user, add one to a
// group, sign in and copy the ID and access tokens.
import { api, el } from './console.js';

let pools = [];

async function load() {
  ({ pools } = await api('users'));
  document.getElementById('pools').replaceChildren(...pools.map((p) => el('section', { class: 'pool', 'data-pool': p.id },
    el('h2', {}, `${p.name} `, el('span', { class: 'muted mono' }, p.id)),
    el('p', { class: 'muted' }, `Groups: ${p.groups.join(', ') || 'none'} · app clients: ${p.clients.map((c) => c.name).join(', ')}`),
    el('div', { class: 'scroll' }, el('table', { class: 'users' },
      el('thead', {}, el('tr', {}, ['email', 'username', 'status', 'groups', 'created'].map((h) => el('th', {}, h)))),
      el('tbody', {}, p.users.map((u) => el('tr', { 'data-email': u.attributes.email || '' },
        el('td', {}, u.attributes.email || ''), el('td', { class: 'mono' }, u.username),
        el('td', { class: u.status === 'CONFIRMED' ? 'ok' : '' }, u.status + (u.enabled ? '' : ' (disabled)')),
        el('td', {}, u.groups.map((g) => el('span', { class: 'tag' }, g))),
        el('td', { class: 'mono' }, new Date(u.created * 1000).toLocaleString())))))))));
  for (const sel of document.querySelectorAll('select.pool')) {
    const keep = sel.value;
    sel.replaceChildren(...pools.map((p) => el('option', { value: p.id }, p.name)));
    if (keep) sel.value = keep;
    fillGroups(sel.form);
  }
}

function fillGroups(form) {
  const pool = pools.find((p) => p.id === form.elements.poolId.value);
  const sel = form.querySelector('select.group');
  if (!sel || !pool) return;
  const none = sel.required ? [] : [el('option', { value: '' }, 'none')];
  sel.replaceChildren(...none, ...pool.groups.map((g) => el('option', { value: g }, g)));
}

function handle(id, run) {
  const form = document.getElementById(id);
  const status = document.getElementById(id + '-status');
  form.elements.poolId.addEventListener('change', () => fillGroups(form));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.textContent = '…';
    try {
      status.textContent = await run(Object.fromEntries(new FormData(form)));
    } catch (err) {
      status.textContent = err.message;
    }
  });
}

handle('create', async (f) => {
  const u = await api('users', { method: 'POST', body: JSON.stringify(f) });
  await load();
  return `Created ${u.email} (${u.status})`;
});
handle('add', async (f) => {
  await api('users/groups', { method: 'POST', body: JSON.stringify(f) });
  await load();
  return `Added ${f.username} to ${f.group}`;
});
handle('signin', async (f) => {
  const t = await api('users/tokens', { method: 'POST', body: JSON.stringify(f) });
  document.getElementById('tokens').replaceChildren(...[['ID token', t.idToken], ['Access token', t.accessToken]].map(([name, value]) =>
    el('div', { class: 'token' }, el('strong', {}, name), el('code', { 'data-token': name }, value),
      el('button', { type: 'button', class: 'secondary', onclick: async (ev) => {
        try { await navigator.clipboard.writeText(value); ev.target.textContent = 'Copied'; } catch { ev.target.textContent = 'Select and copy'; }
      } }, 'Copy'))));
  return `Signed in: tokens valid ${t.expiresIn} s`;
});

await load();
