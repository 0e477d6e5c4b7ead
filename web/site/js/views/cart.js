// The cart: change a line's quantity, remove it, go to checkout.

import { h, uid, replace } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';

export async function cartView({ main, signal }) {
  if (ui.signInFirst(main, 'see your cart')) return;
  ui.heading(main, 'Your cart');
  const msgs = ui.messages();
  const body = h('div', {});
  main.append(msgs, body);
  let cart;
  try {
    cart = await ui.loadCart(signal);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    msgs.error(api.describe(err, 'load your cart'));
    return;
  }
  draw(body, cart, msgs);
}

function draw(body, cart, msgs) {
  if (!cart.items.length) {
    replace(body, h('p', {}, 'Your cart is empty. ', h('a', { href: '/' }, 'Browse the shop')));
    return;
  }
  const rows = cart.items.map((it) => {
    const qty = h('input', {
      id: uid('qty'), name: 'quantity', type: 'number', min: '1', max: '99', value: String(it.quantity), inputmode: 'numeric', required: true,
    });
    const form = h('form', { class: 'qty-form' },
      h('label', { for: qty.id, class: 'visually-hidden' }, `Quantity of ${it.name}`), qty,
      h('button', { type: 'submit', class: 'secondary' }, 'Update'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const n = Number.parseInt(qty.value, 10);
      if (!(n >= 1 && n <= 99)) {
        msgs.error(`Enter a quantity of ${it.name} from 1 to 99, or remove it.`);
        qty.focus();
        return;
      }
      await change(body, msgs, 'PUT', it, { quantity: n }, `change the quantity of ${it.name}`);
    });
    const remove = h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${it.name}` }, 'Remove');
    remove.addEventListener('click', () => change(body, msgs, 'DELETE', it, undefined, `remove ${it.name}`));
    return h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: `/products/${encodeURIComponent(it.productId)}` }, it.name)),
      h('td', { class: 'num unit' }, fmt.money(it.unitPrice)),
      h('td', {}, form),
      h('td', { class: 'num' }, fmt.money(it.lineTotal)),
      h('td', {}, remove));
  });
  replace(body,
    h('div', { class: 'table-wrap' }, h('table', { class: 'lines cart-lines' },
      h('caption', { class: 'visually-hidden' }, 'Items in your cart'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num unit' }, 'Price'),
        h('th', { scope: 'col' }, 'Quantity'), h('th', { scope: 'col', class: 'num' }, 'Total'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', {}, rows),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '3' }, 'Subtotal'), h('td', { class: 'num', id: 'cart-total' }, fmt.money(cart.total)), h('td', {}))))),
    h('p', { class: 'actions' }, h('a', { href: '/checkout', class: 'button', id: 'checkout' }, 'Check out')));
}

async function change(body, msgs, method, it, payload, what) {
  try {
    const cart = await api.request(method, `/cart/items/${encodeURIComponent(it.productId)}`, { body: payload });
    ui.setCart(cart);
    msgs.status(method === 'DELETE' ? `Removed ${it.name} from your cart.` : `Updated ${it.name}.`);
    draw(body, cart, msgs);
    // The redrawn table replaced the focused control: start again at the page's heading.
    document.querySelector('#main h1').focus();
  } catch (err) {
    msgs.error(api.describe(err, what));
  }
}
