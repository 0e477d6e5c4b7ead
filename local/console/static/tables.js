// The Tables page: query or scan any table or index through the DynamoDB API, page with
// LastEvaluatedKey, open an item's JSON, save (PutItem) or delete it after a confirmation. The
// table is the one the URL names (tables?table=NAME), else the first; the URL follows the
// table picked, and a table with a stream links to its records on the Streams page.
import { api, el, param, keepParam } from './console.js';
import { plainItem } from './ddbjson.js';

const form = document.getElementById('query');
const tableSel = document.getElementById('table');
const indexSel = document.getElementById('index');
const info = document.getElementById('result-info');
const more = document.getElementById('more');
const editor = document.getElementById('editor');
const itemJSON = document.getElementById('item-json');
const itemStatus = document.getElementById('item-status');
const confirmBox = document.getElementById('confirm');
const confirmYes = document.getElementById('confirm-yes');
const streamLink = document.getElementById('stream-link');
let tables = [];
let lastKey = null;
let current = null; // the item open in the editor
let pending = null; // the action waiting for confirmation

const table = () => tables.find((t) => t.TableName === tableSel.value);

function keySchema() {
  const t = table();
  if (!t) return [];
  const idx = [...(t.GlobalSecondaryIndexes || []), ...(t.LocalSecondaryIndexes || [])].find((i) => i.IndexName === indexSel.value);
  return (idx || t).KeySchema;
}

// say writes the result line; bad marks a problem rather than a result.
function say(text, bad = false) {
  info.textContent = text;
  info.className = bad ? 'bad' : 'muted';
}

function fillIndexes() {
  const t = table();
  streamLink.hidden = !(t.StreamSpecification && t.StreamSpecification.StreamEnabled);
  streamLink.href = 'streams?table=' + encodeURIComponent(t.TableName);
  indexSel.replaceChildren(el('option', { value: '' }, 'table'),
    ...[...(t.GlobalSecondaryIndexes || []), ...(t.LocalSecondaryIndexes || [])].map((i) => el('option', { value: i.IndexName }, i.IndexName)));
  labelKeys();
}

function labelKeys() {
  const ks = keySchema();
  const pk = ks.find((k) => k.KeyType === 'HASH');
  const sk = ks.find((k) => k.KeyType === 'RANGE');
  document.getElementById('pk-label').textContent = `Partition key (${pk ? pk.AttributeName : '?'})`;
  document.getElementById('sort').placeholder = sk ? sk.AttributeName : 'no sort key';
}

function json(text, what) {
  if (!text.trim()) return undefined;
  try { return JSON.parse(text); } catch { throw new Error(`${what} is not JSON`); }
}

async function run(page) {
  if (!table()) {
    say('Pick a table.', true);
    return;
  }
  const f = new FormData(form);
  if (!page) lastKey = null;
  try {
    const body = {
      index: f.get('index'), partition: f.get('partition'), sortOp: f.get('sortOp'), sort: f.get('sort'), sort2: f.get('sort2'),
      filter: f.get('filter'), names: json(f.get('names'), 'Names'), values: json(f.get('values'), 'Values'),
      limit: Number(f.get('limit')) || 25, startKey: page ? lastKey : undefined,
    };
    say('Querying…');
    const res = await api('tables/' + encodeURIComponent(tableSel.value) + '/query', { method: 'POST', body: JSON.stringify(body) });
    lastKey = res.lastEvaluatedKey || null;
    more.hidden = !lastKey;
    say(`${res.operation}: ${res.count} item${res.count === 1 ? '' : 's'} (${res.scannedCount} read)${lastKey ? ', more on the next page' : ''}`);
    render(res.items);
  } catch (err) {
    say(err.message, true);
  }
}

function render(items) {
  const keys = table().KeySchema.map((k) => k.AttributeName);
  const others = [...new Set(items.flatMap((i) => Object.keys(i)))].filter((k) => !keys.includes(k)).sort().slice(0, 4);
  const cols = [...keys, ...others];
  document.querySelector('#items thead').replaceChildren(el('tr', {}, cols.map((c) => el('th', {}, c)), el('th', {}, 'item')));
  document.querySelector('#items tbody').replaceChildren(...items.map((item) => {
    const p = plainItem(item);
    return el('tr', { class: 'clickable', onclick: () => open(item) },
      cols.map((c) => el('td', { class: 'mono' }, p[c] === undefined ? '' : typeof p[c] === 'object' ? JSON.stringify(p[c]) : String(p[c]))),
      el('td', {}, el('button', { class: 'secondary open', type: 'button' }, 'JSON')));
  }));
}

function open(item) {
  current = item;
  editor.hidden = false;
  itemJSON.value = JSON.stringify(item, null, 2);
  itemStatus.textContent = '';
  confirmBox.hidden = true;
  editor.scrollIntoView({ block: 'nearest' });
}

function ask(label, action) {
  pending = action;
  confirmYes.textContent = label;
  confirmBox.hidden = false;
}

document.getElementById('save').addEventListener('click', () => ask('Put this item', async () => {
  const item = json(itemJSON.value, 'The item');
  await api('tables/' + encodeURIComponent(tableSel.value) + '/items', { method: 'PUT', body: JSON.stringify({ item }) });
  itemStatus.textContent = 'Saved';
  current = item;
}));
document.getElementById('delete').addEventListener('click', () => ask('Delete this item', async () => {
  const key = Object.fromEntries(table().KeySchema.map((k) => [k.AttributeName, current[k.AttributeName]]));
  await api('tables/' + encodeURIComponent(tableSel.value) + '/items', { method: 'DELETE', body: JSON.stringify({ key, confirm: true }) });
  itemStatus.textContent = 'Deleted';
  editor.hidden = true;
  run(false);
}));
confirmYes.addEventListener('click', async () => {
  confirmBox.hidden = true;
  try { await pending(); } catch (err) { itemStatus.textContent = err.message; }
});
document.getElementById('confirm-no').addEventListener('click', () => { confirmBox.hidden = true; });

form.addEventListener('submit', (ev) => { ev.preventDefault(); run(false); });
more.addEventListener('click', () => run(true));
tableSel.addEventListener('change', () => { keepParam('table', tableSel.value); fillIndexes(); run(false); });
indexSel.addEventListener('change', labelKeys);

({ tables } = await api('tables'));
tableSel.replaceChildren(...tables.map((t) => el('option', { value: t.TableName }, `${t.TableName} (${t.ItemCount ?? '?'} items)`)));
const wanted = param('table');
if (tables.some((t) => t.TableName === wanted)) {
  tableSel.value = wanted;
} else if (wanted) {
  tableSel.value = ''; // no option: nothing is picked until the user picks a table
  say(`No table named “${wanted}” in this stack: pick one of its ${tables.length} tables.`, true);
}
if (table()) { fillIndexes(); run(false); }
