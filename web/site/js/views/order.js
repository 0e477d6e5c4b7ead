// One order: its status, followed without reloading until it is final, its payment and
// shipment, and a cancel button while cancelling is allowed.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';

const final = new Set(['CONFIRMED', 'DELIVERED', 'FAILED', 'CANCELLED']);
const cancellable = new Set(['PENDING', 'CONFIRMED']);

// wait resolves after ms, or rejects when signal aborts.
function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('left the page', 'AbortError')); }, { once: true });
  });
}

// paymentText and shipmentText say a payment and a shipment in words; null: there is none.
export function paymentText(p) {
  if (!p) return 'No payment was taken.';
  const what = { SUCCEEDED: 'Paid', DECLINED: 'Declined', REFUNDED: 'Refunded', VOIDED: 'Voided' }[p.status] || p.status;
  return `${what}: ${fmt.money(p.amount)}${p.reason ? ` — ${fmt.reasonText(p.reason)}` : ''}`;
}

export function shipmentText(s) {
  if (!s) return 'Not shipped.';
  const what = { CREATED: 'Ready to ship', DELIVERED: 'Delivered', CANCELLED: 'Cancelled' }[s.status] || s.status;
  return `${what}${s.trackingNumber ? `, tracking number ${s.trackingNumber}` : ''}`;
}

// sideOf fetches an order's payment or shipment; a 404 means it has none.
export async function sideOf(kind, id, signal) {
  try {
    return await api.request('GET', `/${kind}/${encodeURIComponent(id)}`, { signal });
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

// hasSides reports whether an order in status s has been charged (and so has a payment and
// a shipment to show); a FAILED order's reason says why nothing was charged.
export function hasSides(s) {
  return s === 'CONFIRMED' || s === 'DELIVERED' || s === 'CANCELLED';
}

export async function orderView({ main, params, signal }) {
  if (ui.signInFirst(main, 'see your order')) return;
  const id = params.id;
  ui.heading(main, `Order ${fmt.shortID(id)}`);
  const msgs = ui.messages();
  const status = h('p', { class: 'status-line' }, 'Status: ', h('output', { id: 'order-status', 'aria-live': 'polite', 'data-status': '' }, '…'));
  const reason = h('div', {});
  const body = h('div', {});
  const sides = h('dl', { class: 'sides' });
  const actions = h('p', { class: 'actions' });
  main.append(status, reason, msgs, actions, sides, body);

  let order;
  let cancelling = false;
  const show = (o) => {
    order = o;
    const out = document.getElementById('order-status');
    out.dataset.status = o.status;
    replace(out, h('span', { class: `badge ${o.status.toLowerCase()}` }, fmt.statusText(o.status)),
      o.status === 'PENDING' ? ' — we are reserving stock and taking the payment…' : '');
    replace(reason, o.status === 'FAILED'
      ? h('p', { class: 'error', role: 'alert', id: 'failure-reason' }, `This order failed: ${fmt.reasonText(o.failureReason)}. Nothing was charged.`)
      : null);
    replace(body,
      h('div', { class: 'table-wrap' }, h('table', { class: 'lines' },
        h('caption', { class: 'visually-hidden' }, 'Items in this order'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num unit' }, 'Price'), h('th', { scope: 'col', class: 'num' }, 'Quantity'), h('th', { scope: 'col', class: 'num' }, 'Total'))),
        h('tbody', {}, o.lines.map((l) => h('tr', {}, h('th', { scope: 'row' }, l.name), h('td', { class: 'num unit' }, fmt.money(l.unitPrice)), h('td', { class: 'num' }, String(l.quantity)), h('td', { class: 'num' }, fmt.money(l.lineTotal))))),
        h('tfoot', {},
          h('tr', {}, h('th', { scope: 'row', colspan: '3' }, 'Shipping'), h('td', { class: 'num' }, fmt.money(o.shipping))),
          h('tr', {}, h('th', { scope: 'row', colspan: '3' }, 'Total'), h('td', { class: 'num', id: 'order-total' }, fmt.money(o.total)))))),
      h('h2', {}, 'Shipping to'),
      h('address', {}, [o.shippingAddress.name, o.shippingAddress.line1, o.shippingAddress.line2, `${o.shippingAddress.postalCode} ${o.shippingAddress.city}`, fmt.country(o.shippingAddress.country)]
        .filter(Boolean).flatMap((t, i) => (i ? [h('br'), t] : [t]))),
      h('p', { class: 'meta' }, `Placed ${fmt.date(o.createdAt)}`));
    replace(actions, cancellable.has(o.status) && !cancelling
      ? h('button', { type: 'button', class: 'danger', id: 'cancel-order', onclick: cancel }, 'Cancel order')
      : null);
  };
  const showSides = async () => {
    if (!hasSides(order.status)) {
      replace(sides);
      return null;
    }
    const [p, s] = await Promise.all([sideOf('payments', id, signal), sideOf('shipments', id, signal)]);
    replace(sides, h('dt', {}, 'Payment'), h('dd', { id: 'payment' }, paymentText(p)),
      h('dt', {}, 'Shipment'), h('dd', { id: 'shipment' }, shipmentText(s)));
    return { p, s };
  };
  const settled = (x) => {
    if (!x) return true;
    // After a cancel the refund and the shipment's cancellation follow from events.
    if (order.status === 'CANCELLED') return (!x.p || x.p.status !== 'SUCCEEDED') && (!x.s || x.s.status !== 'CREATED');
    return true;
  };
  async function cancel() {
    cancelling = true;
    show(order);
    msgs.status('Cancelling your order…');
    try {
      show(await api.request('POST', `/orders/${encodeURIComponent(id)}/cancel`, { headers: { 'Idempotency-Key': api.newKey() } }));
      msgs.status('Your order is cancelled. Any payment is refunded.');
    } catch (err) {
      cancelling = false;
      msgs.error(err.status === 409
        ? 'This order can no longer be cancelled: it has already been delivered or has finished.'
        : api.describe(err, 'cancel your order'));
      try {
        show(await api.request('GET', `/orders/${encodeURIComponent(id)}`, { signal }));
      } catch { /* the error above says enough */ }
      return;
    }
    cancelling = false;
    poll();
  }
  // poll follows the order until it is final and its payment and shipment have settled.
  async function poll() {
    let pause = 300;
    if (order && !final.has(order.status)) {
      try {
        await wait(pause, signal); // shown as placed: ask again a moment later
      } catch {
        return;
      }
    }
    for (let tries = 0; ; tries += 1) {
      try {
        const o = await api.request('GET', `/orders/${encodeURIComponent(id)}`, { signal });
        show(o);
        if (final.has(o.status)) {
          const x = await showSides();
          if (settled(x) || tries > 60) return;
        }
      } catch (err) {
        if (err.name === 'AbortError') return;
        msgs.error(api.describe(err, 'load this order'));
        if (err.status >= 400 && err.status < 500) return;
      }
      try {
        await wait(pause, signal);
      } catch {
        return;
      }
      pause = Math.min(pause * 1.5, 2000);
    }
  }
  const placed = ui.takeOver(id);
  if (placed) show(placed);
  await poll();
}
