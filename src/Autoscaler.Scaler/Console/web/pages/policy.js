// Policy: the effective policy as `autoscaler validate` prints it, the dry-run state, each metric's query and value, exports.
import { h, fmt } from '../app.js';

export default {
  title: 'Policy',
  async mount(el, ctx) {
    const base = `/api/v1/services/${encodeURIComponent(ctx.service)}`;
    const dryRun = h('span', { testid: 'dry-run-state' });
    const queries = h('tbody');
    const text = h('pre', { testid: 'policy-text', class: 'json' });
    const exports = h('p', { class: 'row' });
    el.append(
      h('h1', {}, 'Policy'),
      h('p', {}, 'Dry run: ', dryRun),
      h('h2', {}, 'Metrics'),
      h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Metric', 'Query', 'Value now'].map((t) => h('th', {}, t)))), queries)),
      h('h2', {}, 'Export'), exports,
      h('h2', {}, 'Effective policy'), text);
    ctx.poll(async () => {
      const p = await ctx.api(`${base}/policy`);
      dryRun.textContent = p.dryRun ? 'on (decisions are logged, never applied)' : 'off';
      text.textContent = p.policy;
      queries.replaceChildren(...p.metrics.map((m) => h('tr', { testid: 'query-row', 'data-metric': m.name },
        h('td', {}, m.name), h('td', {}, h('code', {}, m.query)),
        h('td', {}, m.value === null ? h('span', { class: 'error' }, m.error || 'not read yet') : `${fmt.num(m.value, 4)} at ${fmt.time(m.time)}`))));
      exports.replaceChildren(link('export-hpa', 'HorizontalPodAutoscaler', p.hpa), link('export-keda', 'KEDA ScaledObject', p.keda));
    }, 10000);
  },
};

// The link is there either way (a test or a user finds it); without an export it says why, and is not a link.
function link(testid, label, exported) {
  return exported.url
    ? h('a', { testid, href: exported.url, target: '_blank' }, label)
    : h('span', { testid, class: 'muted', title: exported.problem }, `${label}: ${exported.problem}`);
}
