// Checkout: a shipping address, a shipping quote, a test card, and the order.

import { h, field, uid, busy, formValues, replace } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';
import { go } from '../router.js';

const countries = ['US', 'CA', 'MX', 'GB', 'IE', 'DE', 'FR', 'NL', 'BE', 'ES', 'IT', 'AT', 'CH', 'SE', 'NO', 'DK', 'FI', 'PL', 'PT', 'AU', 'NZ', 'JP', 'SG', 'BR', 'IN'];

// The simulated payment tokens the payments service knows.
export const testCards = [
  { token: 'tok_visa', label: 'Test Visa card — payment succeeds' },
  { token: 'tok_chargeDeclined', label: 'Test card that is declined' },
  { token: 'tok_insufficientFunds', label: 'Test card with insufficient funds' },
];

// What was typed survives leaving checkout and coming back (not the card choice).
let draft = {};

export async function checkoutView({ main, signal }) {
  if (ui.signInFirst(main, 'check out')) return;
  ui.heading(main, 'Checkout');
  const msgs = ui.messages();
  main.append(msgs);
  let cart;
  try {
    cart = await ui.loadCart(signal);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    msgs.error(api.describe(err, 'load your cart'));
    return;
  }
  if (!cart.items.length) {
    main.append(h('p', {}, 'Your cart is empty. ', h('a', { href: '/' }, 'Browse the shop')));
    return;
  }
  const items = cart.items.reduce((n, i) => n + i.quantity, 0);
  const input = (name, label, attrs = {}) => {
    const el = h('input', { id: `ship-${name}`, name, value: draft[name] || '', ...attrs });
    el.addEventListener('input', () => { draft[name] = el.value; });
    return field(label, el);
  };
  const country = h('select', { id: 'ship-country', name: 'country', required: true, autocomplete: 'country' },
    countries.map((c) => h('option', { value: c, selected: (draft.country || 'US') === c }, fmt.country(c))));
  const quoteOut = h('output', { id: 'quote', for: 'ship-country', 'aria-live': 'polite' }, 'Getting a shipping quote…');
  const totalOut = h('output', { id: 'order-total', 'aria-live': 'polite' }, '');
  let quote = null;
  const showTotals = () => {
    if (!quote) {
      replace(totalOut, fmt.money(cart.total), ' plus shipping');
      return;
    }
    replace(totalOut, fmt.money({ amount: cart.total.amount + quote.price.amount, currency: cart.total.currency }));
  };
  let quoteSeq = 0;
  const getQuote = async () => {
    const seq = ++quoteSeq;
    quote = null;
    replace(quoteOut, 'Getting a shipping quote…');
    showTotals();
    try {
      const q = await api.request('POST', '/shipping/quote', { body: { country: country.value, items }, signal });
      if (seq !== quoteSeq) return;
      quote = q;
      replace(quoteOut, `${fmt.money(q.price)} to ${fmt.country(q.country)} for ${items} ${items === 1 ? 'item' : 'items'}`);
    } catch (err) {
      if (err.name === 'AbortError' || seq !== quoteSeq) return;
      replace(quoteOut, api.describe(err, 'get a shipping quote'));
    }
    showTotals();
  };
  country.addEventListener('change', () => { draft.country = country.value; getQuote(); });

  const cards = h('fieldset', { class: 'cards' },
    h('legend', {}, 'Payment ', h('strong', { class: 'badge test' }, 'Test cards only')),
    h('p', { class: 'hint', id: 'cards-hint' }, 'This is a demo shop: no real card is charged. Pick how the simulated payment should go.'),
    testCards.map((c, i) => h('div', { class: 'radio' },
      h('input', { type: 'radio', name: 'paymentToken', id: `card-${c.token}`, value: c.token, checked: i === 0, 'aria-describedby': 'cards-hint' }),
      h('label', { for: `card-${c.token}` }, c.label, ' ', h('code', {}, c.token)))));

  const form = h('form', { id: 'checkout-form', novalidate: true },
    h('fieldset', {},
      h('legend', {}, 'Shipping address'),
      input('name', 'Full name', { required: true, autocomplete: 'name', maxlength: '100' }),
      input('line1', 'Address', { required: true, autocomplete: 'address-line1', maxlength: '100' }),
      input('line2', 'Address line 2 (optional)', { autocomplete: 'address-line2', maxlength: '100' }),
      input('city', 'City', { required: true, autocomplete: 'address-level2', maxlength: '100' }),
      input('postalCode', 'Postal code', { required: true, autocomplete: 'postal-code', maxlength: '20' }),
      field('Country', country)),
    cards,
    h('section', { class: 'summary', 'aria-labelledby': 'summary-h' },
      h('h2', { id: 'summary-h' }, 'Order summary'),
      h('ul', { class: 'summary-lines' }, cart.items.map((i) => h('li', {}, `${i.quantity} × ${i.name}`, h('span', {}, fmt.money(i.lineTotal))))),
      h('dl', {},
        h('dt', {}, 'Items'), h('dd', {}, fmt.money(cart.total)),
        h('dt', {}, 'Shipping'), h('dd', {}, quoteOut),
        h('dt', {}, 'Total'), h('dd', {}, totalOut))),
    h('button', { type: 'submit', id: 'place-order' }, 'Place order'));

  // One key per attempt at this order: a retry after a lost answer is not a second order.
  let key = api.newKey();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const missing = ['name', 'line1', 'city', 'postalCode'].filter((k) => !v[k]);
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    if (missing.length) {
      missing.forEach((k) => form.elements[k].setAttribute('aria-invalid', 'true'));
      const names = missing.map((k) => form.elements[k].labels[0].textContent.toLowerCase());
      msgs.error(`Please fill in your ${names.join(', ')}.`);
      form.elements[missing[0]].focus();
      return;
    }
    await busy(form, async () => {
      let order;
      try {
        order = await api.request('POST', '/orders', {
          headers: { 'Idempotency-Key': key },
          body: {
            shippingAddress: { name: v.name, line1: v.line1, line2: v.line2, city: v.city, postalCode: v.postalCode, country: v.country },
            paymentToken: v.paymentToken,
            lines: cart.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
          },
        });
      } catch (err) {
        if (err.status >= 400 && err.status < 500) key = api.newKey(); // refused: the next try is a new request
        msgs.error(api.describe(err, 'place your order'));
        return;
      }
      draft = {};
      ui.handOver(order);
      try {
        // The order has the cart's lines; the cart service does not empty itself for it.
        await api.request('DELETE', '/cart');
        ui.setCart({ items: [], total: { amount: 0, currency: cart.total.currency } });
      } catch {
        // The order stands; the cart keeps its lines and says so on the cart page.
      }
      go(`/orders/${encodeURIComponent(order.id)}`);
    });
  });
  main.append(form);
  getQuote();
}
