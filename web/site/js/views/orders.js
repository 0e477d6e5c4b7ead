// The customer's orders, newest first, with each order's payment and shipment.

import { h } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';
import { hasSides, sideOf, paymentText, shipmentText } from './order.js';

export async function ordersView({ main, signal }) {
  if (ui.signInFirst(main, 'see your orders')) return;
  ui.heading(main, 'Your orders');
  const msgs = ui.messages();
  const list = h('ol', { class: 'orders', 'aria-label': 'Orders' });
  const more = h('p', {});
  main.append(msgs, list, more);
  const load = async (cursor) => {
    const q = new URLSearchParams({ limit: '10' });
    if (cursor) q.set('cursor', cursor);
    let page;
    try {
      page = await api.request('GET', `/orders?${q}`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      msgs.error(api.describe(err, 'load your orders'));
      return;
    }
    if (!cursor && page.orders.length === 0) {
      list.replaceWith(h('p', {}, 'You have no orders yet. ', h('a', { href: '/' }, 'Browse the shop')));
      return;
    }
    list.append(...(await Promise.all(page.orders.map((o) => entry(o, signal)))));
    more.replaceChildren();
    if (page.nextCursor) {
      more.append(h('button', { type: 'button', class: 'secondary', onclick: () => load(page.nextCursor) }, 'Show older orders'));
    }
  };
  await load('');
}

async function entry(o, signal) {
  const li = h('li', { class: 'order', 'data-id': o.id },
    h('h2', {}, h('a', { href: `/orders/${encodeURIComponent(o.id)}` }, `Order ${fmt.shortID(o.id)}`)),
    h('p', {}, h('span', { class: `badge ${o.status.toLowerCase()}` }, fmt.statusText(o.status)), ' · ', fmt.money(o.total), ' · ', fmt.date(o.createdAt)),
    h('p', { class: 'meta' }, o.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')));
  if (o.status === 'FAILED') li.append(h('p', { class: 'meta' }, `Failed: ${fmt.reasonText(o.failureReason)}`));
  if (hasSides(o.status)) {
    try {
      const [p, s] = await Promise.all([sideOf('payments', o.id, signal), sideOf('shipments', o.id, signal)]);
      li.append(h('dl', { class: 'sides' }, h('dt', {}, 'Payment'), h('dd', {}, paymentText(p)), h('dt', {}, 'Shipment'), h('dd', {}, shipmentText(s))));
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      li.append(h('p', { class: 'error' }, api.describe(err, 'load this order’s payment and shipment')));
    }
  }
  return li;
}
