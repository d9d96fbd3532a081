// Targets: the replicas as the target knows them, and Prometheus' view of its scrape targets.
import { h, fmt } from '../app.js';

export default {
  title: 'Targets',
  async mount(el, ctx) {
    const replicas = h('tbody');
    const scrapes = h('tbody');
    const replicaNote = h('p', { class: 'muted' });
    const scrapeNote = h('p', { class: 'muted' });
    el.append(
      h('h1', {}, 'Targets'),
      h('h2', {}, 'Replicas'), replicaNote,
      h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Replica', 'Address', 'Ready', 'State', 'Requests served', 'Gateway'].map((t) => h('th', {}, t)))), replicas)),
      h('h2', {}, "Prometheus' view"), scrapeNote,
      h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Job', 'Instance', 'Health', 'Last scrape', 'Error'].map((t) => h('th', {}, t)))), scrapes)));
    ctx.poll(async () => {
      const t = await ctx.api(`/api/v1/services/${encodeURIComponent(ctx.service)}/targets`);
      replicaNote.textContent = `${t.replicas.length} replica(s) of the ${t.target} target${t.replicas.some((r) => r.state === 'in the gateway') ? ', as the gateway balances over them' : ''}`;
      replicas.replaceChildren(...t.replicas.map((r) => h('tr', { testid: 'replica-row' },
        h('td', {}, r.id), h('td', {}, r.address), h('td', {}, r.ready ? 'yes' : 'no'), h('td', {}, r.state), h('td', {}, r.requests === null ? '–' : fmt.num(r.requests, 6)),
        h('td', {}, r.gatewayInflight === null ? (t.prometheus.available ? 'not in rotation' : '–') : `in rotation, ${r.gatewayInflight} in flight`))));
      scrapeNote.textContent = t.prometheus.available ? '' : `Prometheus is not there: ${t.prometheus.reason}`;
      scrapes.replaceChildren(...t.prometheus.targets.map((s) => h('tr', { testid: 'prometheus-target-row' },
        h('td', {}, s.job), h('td', {}, s.instance), h('td', { class: s.health === 'up' ? 'ok' : 'error' }, s.health),
        h('td', {}, s.lastScrape ? fmt.time(s.lastScrape) : 'never'), h('td', { class: 'error' }, s.lastError))));
    }, 5000);
  },
};
