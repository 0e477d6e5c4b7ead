// The admin pages: products (create, edit with the version check, delete, stock) and orders
// by status (mark shipments delivered). The API enforces the admin group; these pages only
// say so sooner.

import { h, field, uid, busy, formValues, replace } from '../dom.js';
import * as api from '../api.js';
import * as auth from '../auth.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';
import { go } from '../router.js';

function adminOnly(main) {
  if (ui.signInFirst(main, 'manage the shop')) return true;
  if (auth.user().admin) return false;
  ui.heading(main, 'Admins only');
  main.append(h('p', {}, 'Your account is not a shop administrator.'));
  return true;
}

function adminNav() {
  return h('nav', { 'aria-label': 'Admin', class: 'subnav' }, h('ul', {},
    h('li', {}, h('a', { href: '/admin' }, 'Products')),
    h('li', {}, h('a', { href: '/admin/orders' }, 'Orders'))));
}

let shopCurrency = 'USD';

export async function adminProductsView({ main, query, signal }) {
  if (adminOnly(main)) return;
  main.append(adminNav());
  ui.heading(main, 'Products');
  const msgs = ui.messages();
  const body = h('div', {});
  main.append(h('p', {}, h('a', { href: '/admin/products/new', class: 'button' }, 'New product')), msgs, body);
  const q = new URLSearchParams({ limit: '25' });
  if (query.get('cursor')) q.set('cursor', query.get('cursor'));
  let page;
  try {
    page = await api.request('GET', `/products?${q}`, { signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    msgs.error(api.describe(err, 'load the products'));
    return;
  }
  if (page.items[0]) shopCurrency = page.items[0].price.currency;
  const rows = page.items.map((p) => {
    const del = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${p.name}` }, 'Delete');
    const cell = h('td', {}, h('a', { href: `/admin/products/${encodeURIComponent(p.id)}`, 'aria-label': `Edit ${p.name}` }, 'Edit'), ' ', del);
    del.addEventListener('click', () => {
      // Ask in the row rather than in a blocking dialog.
      const yes = h('button', { type: 'button', class: 'danger' }, `Yes, delete ${p.name}`);
      const no = h('button', { type: 'button', class: 'secondary' }, 'Keep it');
      replace(cell, yes, ' ', no);
      yes.focus();
      no.addEventListener('click', () => go(location.pathname + location.search, { replace: true }));
      yes.addEventListener('click', async () => {
        try {
          await api.request('DELETE', `/products/${encodeURIComponent(p.id)}`);
          msgs.status(`Deleted ${p.name}.`);
          cell.parentElement.remove();
        } catch (err) {
          msgs.error(api.describe(err, `delete ${p.name}`));
        }
      });
    });
    return h('tr', {}, h('th', { scope: 'row' }, p.name), h('td', {}, p.category), h('td', { class: 'num' }, fmt.money(p.price)), cell);
  });
  replace(body, h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Products'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col', class: 'num' }, 'Price'), h('th', { scope: 'col' }, 'Actions'))),
    h('tbody', {}, rows))),
  page.nextCursor ? h('p', {}, h('a', { href: `/admin?cursor=${encodeURIComponent(page.nextCursor)}` }, 'Next page →')) : null);
}

export async function adminProductView({ main, params, signal }) {
  if (adminOnly(main)) return;
  main.append(adminNav());
  const isNew = !params.id;
  let p = null;
  if (!isNew) {
    try {
      p = await api.request('GET', `/products/${encodeURIComponent(params.id)}`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      ui.heading(main, 'Edit product');
      const msgs = ui.messages();
      main.append(msgs);
      msgs.error(api.describe(err, 'load the product'));
      return;
    }
  }
  ui.heading(main, isNew ? 'New product' : `Edit ${p.name}`);
  const msgs = ui.messages();
  const currency = p ? p.price.currency : shopCurrency;
  const input = (name, label, attrs = {}, hint) => field(label, h('input', { id: `product-${name}`, name, ...attrs }), hint);
  let version = p ? p.version : 0;
  const form = h('form', { id: 'product-form', novalidate: true },
    input('name', 'Name', { required: true, maxlength: '200', value: p ? p.name : '' }),
    field('Description', h('textarea', { id: 'product-description', name: 'description', rows: '4', maxlength: '2000' }, p ? p.description : '')),
    input('category', 'Category', { required: true, pattern: '[a-z0-9]+(-[a-z0-9]+)*', value: p ? p.category : '' }, 'Lower case with hyphens, e.g. home-office.'),
    input('price', `Price (${currency})`, { required: true, inputmode: 'decimal', value: p ? fmt.fromMinor(p.price.amount, currency) : '' }),
    input('imageUrl', 'Image URL', { value: p ? p.imageUrl : '' }, 'A path on this site such as /img/stoneware-mug.svg, or an https URL. Optional.'),
    input('tags', 'Tags', { value: p ? p.tags.join(', ') : '' }, 'Separated by commas. Optional.'),
    h('button', { type: 'submit' }, isNew ? 'Create product' : 'Save changes'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const amount = fmt.toMinor(v.price, currency);
    if (!v.name || !v.category || Number.isNaN(amount)) {
      msgs.error(Number.isNaN(amount) && v.price
        ? `Enter the price as a number such as ${fmt.fromMinor(1250, currency)}.`
        : 'Fill in the name, the category and the price.');
      return;
    }
    const body = {
      name: v.name, description: v.description, category: v.category,
      price: { amount, currency }, imageUrl: v.imageUrl,
      tags: v.tags ? v.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
    };
    await busy(form, async () => {
      try {
        if (isNew) {
          const created = await api.request('POST', '/products', { body });
          go(`/admin/products/${encodeURIComponent(created.id)}?created=1`, { replace: true });
          return;
        }
        const saved = await api.request('PUT', `/products/${encodeURIComponent(p.id)}`, { body, headers: { 'If-Match': `"${version}"` } });
        version = saved.version;
        msgs.status(`Saved ${saved.name}: ${fmt.money(saved.price)}.`);
      } catch (err) {
        if (err.status === 412) {
          await conflict(p.id);
          return;
        }
        msgs.error(api.describe(err, isNew ? 'create the product' : 'save the product'));
      }
    });
  });
  // conflict explains a stale edit and shows the other change; the form keeps what was typed
  // and a second save, now against the latest version, replaces it.
  async function conflict(id) {
    let latest = null;
    try {
      latest = await api.request('GET', `/products/${encodeURIComponent(id)}`);
    } catch { /* explained below without the other version */ }
    replace(msgs, h('div', { class: 'error conflict', role: 'alert', id: 'conflict' },
      h('p', {}, h('strong', {}, 'Conflict: '), 'someone else changed this product after you opened it, so your changes were not saved.'),
      latest ? h('p', {}, `It now reads: ${latest.name}, ${fmt.money(latest.price)}, category ${latest.category} (version ${latest.version}).`) : null,
      h('p', {}, 'Your edits are still in the form. Press “Save changes” again to replace their version with yours, or ',
        h('a', { href: location.pathname }, 'reload the latest version'), ' to start over.')));
    if (latest) version = latest.version;
  }
  main.append(msgs, form);
  if (new URLSearchParams(location.search).get('created')) msgs.status(`Created ${p.name}.`);
  if (!isNew) main.append(await stockSection(p, signal));
}

async function stockSection(p, signal) {
  const msgs = ui.messages();
  const level = h('p', { id: 'stock-level' }, 'Loading stock…');
  const onHand = h('input', { id: 'stock-onhand', name: 'onHand', type: 'number', min: '0', inputmode: 'numeric', required: true });
  const form = h('form', { id: 'stock-form', class: 'inline', novalidate: true }, field('Units on hand', onHand), h('button', { type: 'submit' }, 'Set stock'));
  const show = (s) => {
    if (!s) {
      replace(level, 'No stock recorded yet: nothing can be ordered until you set it.');
      return;
    }
    replace(level, `${s.onHand} on hand, ${s.reserved} reserved for orders, ${s.available} available.`);
    onHand.value = String(s.onHand);
  };
  try {
    show(await api.request('GET', `/inventory/${encodeURIComponent(p.id)}`, { signal }));
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    if (err.status === 404) show(null);
    else msgs.error(api.describe(err, 'load the stock'));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const n = Number.parseInt(onHand.value, 10);
    if (!(n >= 0)) {
      msgs.error('Enter the units on hand as a whole number, 0 or more.');
      return;
    }
    await busy(form, async () => {
      try {
        show(await api.request('PUT', `/inventory/${encodeURIComponent(p.id)}`, { body: { onHand: n } }));
        msgs.status(`Stock of ${p.name} set to ${n}.`);
      } catch (err) {
        msgs.error(api.describe(err, 'set the stock'));
      }
    });
  });
  return h('section', { 'aria-labelledby': 'stock-h', class: 'stock' }, h('h2', { id: 'stock-h' }, 'Stock'), level, msgs, form);
}

const statuses = ['PENDING', 'CONFIRMED', 'DELIVERED', 'FAILED', 'CANCELLED'];

export async function adminOrdersView({ main, query, signal }) {
  if (adminOnly(main)) return;
  main.append(adminNav());
  ui.heading(main, 'Orders');
  const status = query.get('status') || '';
  const select = h('select', { id: 'orders-status', name: 'status' },
    h('option', { value: '', selected: !status }, 'All'),
    statuses.map((s) => h('option', { value: s, selected: s === status }, fmt.statusText(s))));
  const filter = h('form', { class: 'inline', role: 'search' }, field('Status', select), h('button', { type: 'submit' }, 'Show'));
  filter.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go(select.value ? `/admin/orders?status=${select.value}` : '/admin/orders');
  });
  const msgs = ui.messages();
  const body = h('div', {});
  main.append(filter, msgs, body);
  const q = new URLSearchParams({ limit: '25' });
  if (status) q.set('status', status);
  if (query.get('cursor')) q.set('cursor', query.get('cursor'));
  let page;
  try {
    page = await api.request('GET', `/admin/orders?${q}`, { signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    msgs.error(api.describe(err, 'load the orders'));
    return;
  }
  if (!page.orders.length) {
    replace(body, h('p', {}, 'No orders with this status.'));
    return;
  }
  const rows = page.orders.map((o) => {
    const action = h('td', {});
    if (o.status === 'CONFIRMED') {
      const b = h('button', { type: 'button', 'aria-label': `Mark order ${fmt.shortID(o.id)} delivered` }, 'Mark delivered');
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await api.request('POST', `/shipments/${encodeURIComponent(o.id)}/deliver`);
          replace(action, 'Delivered');
          msgs.status(`Order ${fmt.shortID(o.id)} is marked delivered.`);
        } catch (err) {
          b.disabled = false;
          msgs.error(api.describe(err, `mark order ${fmt.shortID(o.id)} delivered`));
        }
      });
      action.append(b);
    }
    return h('tr', { 'data-id': o.id },
      h('th', { scope: 'row' }, fmt.shortID(o.id)), h('td', {}, fmt.date(o.createdAt)),
      h('td', {}, h('span', { class: `badge ${o.status.toLowerCase()}` }, fmt.statusText(o.status))),
      h('td', { class: 'num' }, fmt.money(o.total)),
      h('td', {}, `${o.shippingAddress.name}, ${fmt.country(o.shippingAddress.country)}`), action);
  });
  const next = new URLSearchParams(q);
  next.delete('limit');
  if (page.nextCursor) next.set('cursor', page.nextCursor);
  replace(body, h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Orders'),
    h('thead', {}, h('tr', {}, ['Order', 'Placed', 'Status', 'Total', 'Ship to', 'Action'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows))),
  page.nextCursor ? h('p', {}, h('a', { href: `/admin/orders?${next}` }, 'Next page →')) : null);
}
