// The storefront's entry point: loads the config, wires the routes and keeps the header in
// step with the session and the cart.

import * as config from './config.js';
import * as auth from './auth.js';
import * as router from './router.js';
import { h, replace } from './dom.js';
import * as ui from './ui.js';
import * as api from './api.js';

const lazy = (file, name) => async (ctx) => (await import(`./views/${file}.js`))[name](ctx);

router.route('/', lazy('catalog', 'catalogView'));
router.route('/products/:id', lazy('product', 'productView'));
router.route('/cart', lazy('cart', 'cartView'));
router.route('/checkout', lazy('checkout', 'checkoutView'));
router.route('/orders', lazy('orders', 'ordersView'));
router.route('/orders/:id', lazy('order', 'orderView'));
router.route('/signin', lazy('account', 'signInView'));
router.route('/signup', lazy('account', 'signUpView'));
router.route('/confirm', lazy('account', 'confirmView'));
router.route('/admin', lazy('admin', 'adminProductsView'));
router.route('/admin/products/new', lazy('admin', 'adminProductView'));
router.route('/admin/products/:id', lazy('admin', 'adminProductView'));
router.route('/admin/orders', lazy('admin', 'adminOrdersView'));
router.route('/.*', notFound);

function notFound({ main }) {
  ui.heading(main, 'Page not found');
  main.append(h('p', {}, 'There is nothing at this address. ', h('a', { href: '/' }, 'Back to the shop')));
}

let firstRender = true;
router.onRender((path) => {
  for (const a of document.querySelectorAll('#nav a')) {
    const here = a.pathname === path || (a.pathname !== '/' && path.startsWith(`${a.pathname}/`));
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Move focus to the new page's heading so keyboard and screen-reader users start there;
  // not on the first load, where the browser's own start is expected.
  if (!firstRender) {
    const h1 = document.querySelector('#main h1');
    if (h1) h1.focus();
  }
  firstRender = false;
});

function renderNav() {
  const u = auth.user();
  const nav = document.getElementById('nav');
  const count = ui.cartCount(ui.cachedCart());
  const items = [
    h('li', {}, h('a', { href: '/' }, 'Shop')),
    h('li', {}, h('a', { href: '/cart', id: 'nav-cart' }, 'Cart',
      count ? h('span', { class: 'count' }, ' (', h('span', { id: 'cart-count' }, count), h('span', { class: 'visually-hidden' }, ' items'), ')') : null)),
  ];
  if (u) {
    items.push(h('li', {}, h('a', { href: '/orders' }, 'Orders')));
    if (u.admin) items.push(h('li', {}, h('a', { href: '/admin' }, 'Admin')));
    items.push(h('li', { class: 'who' }, h('span', { class: 'email' }, u.email),
      h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: signOut }, 'Sign out')));
  } else {
    items.push(h('li', {}, h('a', { href: '/signin' }, 'Sign in')));
  }
  replace(nav, items);
  const path = location.pathname;
  for (const a of nav.querySelectorAll('a')) {
    if (a.pathname === path || (a.pathname !== '/' && path.startsWith(`${a.pathname}/`))) a.setAttribute('aria-current', 'page');
  }
}

async function signOut() {
  await auth.signOut();
  ui.setCart(null);
  router.go('/');
}

async function start() {
  try {
    await config.load();
  } catch (err) {
    const main = document.getElementById('main');
    replace(main, h('h1', {}, 'The shop is not available'),
      h('p', { role: 'alert', class: 'error' }, 'The shop could not load its settings. Please try again later.'));
    throw err;
  }
  auth.onChange(() => renderNav());
  ui.onCart(() => renderNav());
  renderNav();
  router.render();
  if (auth.user()) {
    ui.loadCart().catch((err) => {
      if (!(err instanceof api.APIError)) throw err;
    });
  }
}

start();
