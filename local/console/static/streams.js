// The Streams page: a table's DynamoDB stream records, newest first, refreshed every 2 s. The
// table is the one the URL names (streams?table=NAME), else the first with a stream; the URL
// follows the table picked.
import { api, el, param, keepParam } from './console.js';
import { plainItem } from './ddbjson.js';

const form = document.getElementById('pick');
const sel = document.getElementById('table');
const count = document.getElementById('count');
const tbody = document.querySelector('#records tbody');

// say writes the page's status line; bad marks a problem rather than a count.
function say(text, bad = false) {
  count.textContent = text;
  count.className = bad ? 'bad' : 'muted';
}

const show = (img) => (img ? el('pre', {}, JSON.stringify(plainItem(img), null, 1)) : '');

let asked = 0; // the latest request: answers to earlier ones are dropped

async function refresh() {
  if (!sel.value) return;
  const mine = ++asked;
  try {
    const { records } = await api('streams/' + encodeURIComponent(sel.value));
    if (mine !== asked) return;
    const q = new FormData(form).get('q');
    const kept = q ? records.filter((r) => JSON.stringify(r).includes(q)) : records;
    say(`${kept.length} record${kept.length === 1 ? '' : 's'} (newest first)`);
    tbody.replaceChildren(...kept.map((r) => el('tr', {},
      el('td', { class: 'mono' }, new Date(r.dynamodb.ApproximateCreationDateTime * 1000).toLocaleTimeString(), el('br'),
        el('span', { class: 'muted' }, r.dynamodb.SequenceNumber)),
      el('td', {}, el('span', { class: r.eventName === 'REMOVE' ? 'tag bad' : 'tag' }, r.eventName)),
      el('td', {}, show(r.dynamodb.Keys)), el('td', {}, show(r.dynamodb.NewImage)), el('td', {}, show(r.dynamodb.OldImage)))));
  } catch (err) {
    say(err.message, true);
  }
}

const { streams } = await api('streams');
sel.replaceChildren(...streams.map((s) => el('option', { value: s.table }, `${s.table} (${s.viewType})`)));
const wanted = param('table');
if (streams.some((s) => s.table === wanted)) {
  sel.value = wanted;
} else if (wanted) {
  sel.value = ''; // no option: nothing is picked until the user picks a table
  say(`No table named “${wanted}” has a stream in this stack: pick one of the ${streams.length} that do.`, true);
} else if (!streams.length) {
  say('No table of this stack has a stream.');
}
sel.addEventListener('change', () => {
  keepParam('table', sel.value);
  tbody.replaceChildren(); // the other table's records are not this one's
  say('Reading the stream…');
});
form.addEventListener('change', refresh);
form.addEventListener('input', refresh);
form.addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
refresh();
setInterval(refresh, 2000);
