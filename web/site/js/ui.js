// Shared pieces of the views: page headings, messages, the cart's state.

import { h, replace } from './dom.js';
import * as api from './api.js';
import * as auth from './auth.js';

// page starts a view: sets the title and returns the heading (focused after render).
export function heading(main, title, ...extra) {
  document.title = `${title} · Microshop`;
  const h1 = h('h1', { tabindex: '-1' }, title, ...extra);
  main.append(h1);
  return h1;
}

// message is a region for a view's messages: status (polite) or alert (errors).
export function messages() {
  const el = h('div', { class: 'messages' });
  el.status = (text) => replace(el, h('p', { class: 'notice', role: 'status' }, text));
  el.error = (text) => {
    replace(el, h('p', { class: 'error', role: 'alert' }, text));
  };
  el.clear = () => replace(el);
  return el;
}

// signInFirst renders a prompt to sign in (returning here afterwards) and returns true when
// nobody is signed in.
export function signInFirst(main, what) {
  if (auth.user()) return false;
  const next = location.pathname + location.search;
  heading(main, 'Please sign in');
  main.append(
    h('p', {}, `Sign in to ${what}.`),
    h('p', {}, h('a', { href: `/signin?next=${encodeURIComponent(next)}`, class: 'button' }, 'Sign in'),
      ' or ', h('a', { href: `/signup?next=${encodeURIComponent(next)}` }, 'create an account')),
  );
  return true;
}

// The signed-in customer's cart, shared by the header's count and the views.
let cart = null;
const cartListeners = new Set();

export function onCart(fn) {
  cartListeners.add(fn);
}

export function setCart(c) {
  cart = c;
  cartListeners.forEach((fn) => fn(cart));
}

export function cachedCart() {
  return cart;
}

// loadCart fetches the cart (null when signed out).
export async function loadCart(signal) {
  if (!auth.user()) {
    setCart(null);
    return null;
  }
  const c = await api.request('GET', '/cart', { signal });
  setCart(c);
  return c;
}

// addToCart adds quantity of product id to the cart (the API sets a line's quantity).
export async function addToCart(id, quantity) {
  const c = cart || (await loadCart());
  const line = c && c.items.find((i) => i.productId === id);
  const next = await api.request('PUT', `/cart/items/${encodeURIComponent(id)}`, {
    body: { quantity: (line ? line.quantity : 0) + quantity },
  });
  setCart(next);
  return next;
}

export function cartCount(c) {
  return c ? c.items.reduce((n, i) => n + i.quantity, 0) : 0;
}

// productImage is the product's picture, or the shop's placeholder.
export function productImage(p, size) {
  return h('img', {
    src: p.imageUrl || '/img/placeholder.svg', alt: '', width: size, height: size, loading: 'lazy', decoding: 'async',
  });
}

// The order checkout just placed, handed to the order page so it shows at once (PENDING)
// while the page polls for what happens next.
let placed = null;

export function handOver(order) {
  placed = order;
}

export function takeOver(id) {
  const o = placed && placed.id === id ? placed : null;
  placed = null;
  return o;
}
