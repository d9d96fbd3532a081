// The console's shell: a hash router, the API helper, the token, polling. Each page is a module in pages/ with
// `export default { title, async mount(el, ctx) }`; see docs/configuration.md, "Web console".
const pages = ['overview', 'decisions', 'policy', 'targets', 'simulations'];
const titles = { overview: 'Overview', decisions: 'Decisions', policy: 'Policy', targets: 'Targets', simulations: 'Simulations' };
const tokenKey = 'autoscaler.token';

export const token = {
  get: () => sessionStorage.getItem(tokenKey) || '',
  set: (value) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

// fetch with the token; a non-2xx throws an Error with .status and the answer's text as .message.
export async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token.get()) headers.set('Authorization', `Bearer ${token.get()}`);
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  const response = await fetch(path, { ...init, headers });
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(typeof body === 'string' && body ? body : `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

// Small helpers the pages share.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'testid') el.dataset.testid = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export const fmt = {
  num: (v, digits = 3) => (v === null || v === undefined ? '–' : Number(v).toPrecision(digits).replace(/\.?0+$/, '')),
  time: (t) => new Date(t).toLocaleTimeString([], { hour12: false }),
  secs: (v) => (v === null || v === undefined ? '–' : v < 1 ? `${Math.round(v * 1000)} ms` : `${fmt.num(v)} s`),
};

const errorBox = document.getElementById('page-error');
let current = null; // { unmount, timers }

export function showError(error) {
  const text = error ? (error.status === 401 ? `${error.message} — enter the API token on the overview` : error.message || String(error)) : '';
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function navigate(hash) {
  location.hash = hash;
}

async function route() {
  if (current) {
    current.timers.forEach((t) => t.stop());
    current.unmount?.();
    current = null;
  }
  showError(null);
  const el = document.getElementById('page');
  el.replaceChildren();
  const match = location.hash.match(/^#\/s\/([^/]+)\/([a-z]+)/);
  const service = match ? decodeURIComponent(match[1]) : null;
  const page = match ? match[2] : null;
  document.getElementById('service-name').textContent = service || '';
  renderNav(service, page);
  const timers = [];
  const mine = { timers };
  current = mine;
  const ctx = { service, api, token, navigate, poll: (fn, ms) => timers.push(poller(fn, ms)) };
  try {
    if (!service) {
      await fleet(el, ctx);
      return;
    }
    if (!pages.includes(page)) throw new Error(`no page ${page}; the pages are ${pages.join(', ')}`);
    let module;
    try {
      module = await import(`./pages/${page}.js`);
    } catch {
      throw new Error(`the ${titles[page]} page is not part of this build`);
    }
    if (current !== mine) return; // navigated away while loading
    document.title = `${module.default.title} · ${service} · Autoscaler`;
    const mounted = await module.default.mount(el, ctx);
    mine.unmount = mounted?.unmount;
  } catch (error) {
    if (current === mine) showError(error);
  }
}

function renderNav(service, page) {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...(service
    ? pages.map((p) => h('a', { href: `#/s/${encodeURIComponent(service)}/${p}`, class: p === page ? 'active' : null }, titles[p]))
    : []));
}

// Calls fn now and every ms; skips while the tab is hidden; one call at a time; errors go to the page's error line.
function poller(fn, ms) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try {
        await fn();
        showError(null);
      } catch (error) {
        if (!stopped) showError(error);
      }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return { stop: () => { stopped = true; clearTimeout(timer); } };
}

// #/ : one row per service; with exactly one, straight to its overview.
async function fleet(el, ctx) {
  document.title = 'Autoscaler';
  const services = await ctx.api('/api/v1/services');
  if (services.length === 1) {
    ctx.navigate(`#/s/${encodeURIComponent(services[0].name)}/overview`);
    return;
  }
  const body = h('tbody');
  const table = h('table', { testid: 'fleet-table' },
    h('thead', {}, h('tr', {}, ['Service', 'Current', 'Desired', 'Paused', 'Dry run', 'Last error'].map((t) => h('th', {}, t)))), body);
  el.append(h('h1', {}, 'Services'), table);
  const render = (list) => body.replaceChildren(...list.map((s) => h('tr', {
    testid: 'fleet-row', 'data-service': s.name, class: 'link', onclick: () => ctx.navigate(`#/s/${encodeURIComponent(s.name)}/overview`),
  }, h('td', {}, s.name), h('td', {}, s.currentReplicas ?? '–'), h('td', {}, s.desiredReplicas ?? '–'),
  h('td', {}, s.paused ? 'yes' : 'no'), h('td', {}, s.dryRun ? 'yes' : 'no'), h('td', { class: 'error' }, s.lastError || ''))));
  render(services);
  ctx.poll(async () => render(await ctx.api('/api/v1/services')), 5000);
}

window.addEventListener('hashchange', route);
route();
