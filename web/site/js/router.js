// A small history-API router: links inside the site change the view without a reload; the
// host answers every path with index.html (CloudFront's SPA fallback, devcloud's site server).

const routes = [];
let current = null; // {controller}
let renderHook = () => {};

// route adds a view for a path pattern such as /products/:id.
export function route(pattern, view) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; })}/?$`);
  routes.push({ re, keys, view });
}

// onRender registers fn(path) to run after each view renders (header state, focus).
export function onRender(fn) {
  renderHook = fn;
}

// go navigates to url (path and query) inside the site.
export function go(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

// render shows the view for the current location in main. A view gets ({params, query,
// signal, main}); signal aborts when the user leaves the view, stopping its polling.
export async function render() {
  if (current) current.controller.abort();
  const controller = new AbortController();
  current = { controller };
  const main = document.getElementById('main');
  const url = new URL(location.href);
  for (const r of routes) {
    const m = url.pathname.match(r.re);
    if (!m) continue;
    const params = {};
    r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
    main.replaceChildren();
    try {
      await r.view({ params, query: url.searchParams, signal: controller.signal, main });
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      throw err;
    }
    if (!controller.signal.aborted) renderHook(url.pathname);
    return;
  }
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[href]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (/\.(svg|json|png)$/.test(a.pathname)) return;
  ev.preventDefault();
  if (a.pathname + a.search !== location.pathname + location.search) go(a.pathname + a.search);
  else render();
});

window.addEventListener('popstate', () => render());
