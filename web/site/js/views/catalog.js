// The catalog: products by category, a page at a time (the API pages with cursors).

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as auth from '../auth.js';
import * as fmt from '../format.js';
import * as ui from '../ui.js';
import { go } from '../router.js';

export const pageSize = 12;

// The cursors of pages seen, by category: "page 3 of kitchen" needs page 2's next cursor.
const cursors = new Map();
let categories = null;

function categoryName(slug) {
  return slug.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

function pageURL(category, page) {
  const q = new URLSearchParams();
  if (category) q.set('category', category);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

async function loadCategories(signal) {
  if (categories) return categories;
  // The API has no list of categories: they are read off the newest products.
  const page = await api.request('GET', '/products?limit=100', { signal });
  categories = [...new Set(page.items.map((p) => p.category))].sort();
  return categories;
}

export async function catalogView({ main, query, signal }) {
  const category = query.get('category') || '';
  let page = Math.max(1, Number.parseInt(query.get('page') || '1', 10) || 1);
  const key = category || '*';
  if (!cursors.has(key)) cursors.set(key, ['']);
  const known = cursors.get(key);
  if (page > known.length) page = 1; // a reload forgets later pages' cursors: start over
  const title = category ? categoryName(category) : 'All products';
  ui.heading(main, title);
  const msgs = ui.messages();
  const catNav = h('nav', { 'aria-label': 'Categories', class: 'categories' });
  const list = h('ul', { class: 'products', 'aria-label': 'Products' });
  const pager = h('nav', { 'aria-label': 'Pages', class: 'pager' });
  main.append(catNav, msgs, list, pager);

  const q = new URLSearchParams({ limit: String(pageSize) });
  if (category) q.set('category', category);
  if (known[page - 1]) q.set('cursor', known[page - 1]);
  let result;
  try {
    [result] = await Promise.all([
      api.request('GET', `/products?${q}`, { signal }),
      loadCategories(signal).then((cats) => {
        catNav.append(h('ul', {},
          h('li', {}, h('a', { href: '/', 'aria-current': category ? null : 'page' }, 'All')),
          cats.map((c) => h('li', {}, h('a', { href: pageURL(c, 1), 'aria-current': c === category ? 'page' : null }, categoryName(c))))));
      }),
    ]);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    msgs.error(api.describe(err, 'load the products'));
    return;
  }
  if (result.nextCursor) known[page] = result.nextCursor;
  if (result.items.length === 0) list.replaceWith(h('p', {}, 'No products here yet.'));
  for (const p of result.items) list.append(card(p, msgs));
  replace(pager,
    page > 1 ? h('a', { href: pageURL(category, page - 1), rel: 'prev' }, '← Previous page') : null,
    h('span', { class: 'page-no' }, `Page ${page}`),
    result.nextCursor ? h('a', { href: pageURL(category, page + 1), rel: 'next' }, 'Next page →') : null,
  );
}

function card(p, msgs) {
  const add = h('button', { type: 'button', class: 'add', 'aria-label': `Add ${p.name} to cart` }, 'Add to cart');
  add.addEventListener('click', async () => {
    if (!auth.user()) {
      go(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    add.disabled = true;
    try {
      await ui.addToCart(p.id, 1);
      msgs.status(`Added ${p.name} to your cart.`);
    } catch (err) {
      msgs.error(api.describe(err, `add ${p.name} to your cart`));
    } finally {
      add.disabled = false;
    }
  });
  return h('li', {}, h('article', { class: 'card' },
    h('a', { href: `/products/${encodeURIComponent(p.id)}`, class: 'card-link' },
      ui.productImage(p, 160),
      h('h2', {}, p.name)),
    h('p', { class: 'price' }, fmt.money(p.price)),
    add));
}
