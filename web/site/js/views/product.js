// One product: its picture, description, price, and a quantity to add to the cart.

import { h, field, uid, busy } from '../dom.js';
import * as api from '../api.js';
import * as auth from '../auth.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';
import { go } from '../router.js';

export async function productView({ main, params, signal }) {
  let p;
  try {
    p = await api.request('GET', `/products/${encodeURIComponent(params.id)}`, { signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    ui.heading(main, 'Product not available');
    const msgs = ui.messages();
    main.append(msgs, h('p', {}, h('a', { href: '/' }, 'Back to the shop')));
    msgs.error(err.status === 404 ? 'This product is no longer in the shop.' : api.describe(err, 'load this product'));
    return;
  }
  const back = h('p', { class: 'crumbs' }, h('a', { href: `/?category=${encodeURIComponent(p.category)}` }, `← ${p.category}`));
  main.append(back);
  ui.heading(main, p.name);
  const msgs = ui.messages();
  const qty = h('input', { id: uid('qty'), name: 'quantity', type: 'number', min: '1', max: '99', value: '1', inputmode: 'numeric', required: true });
  const form = h('form', { class: 'add-form', novalidate: true }, field('Quantity', qty), h('button', { type: 'submit' }, 'Add to cart'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!auth.user()) {
      go(`/signin?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    const n = Number.parseInt(qty.value, 10);
    if (!(n >= 1 && n <= 99)) {
      msgs.error('Enter a quantity from 1 to 99.');
      qty.focus();
      return;
    }
    await busy(form, async () => {
      try {
        await ui.addToCart(p.id, n);
        msgs.clear();
        msgs.append(h('p', { class: 'notice', role: 'status' }, `Added ${n} × ${p.name} to your cart. `, h('a', { href: '/cart' }, 'View cart')));
      } catch (err) {
        msgs.error(api.describe(err, `add ${p.name} to your cart`));
      }
    });
  });
  main.append(h('div', { class: 'product' },
    ui.productImage(p, 320),
    h('div', { class: 'details' },
      h('p', { class: 'price big' }, fmt.money(p.price)),
      p.description ? h('p', {}, p.description) : null,
      p.tags && p.tags.length ? h('ul', { class: 'tags', 'aria-label': 'Tags' }, p.tags.map((t) => h('li', {}, t))) : null,
      form, msgs)));
}
