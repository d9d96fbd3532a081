// Decisions: the recent decisions as a table, filtered by direction; a click shows the record as JSON.
import { h, fmt } from '../app.js';

const directionOf = (d) => (d.desiredReplicas > d.currentReplicas ? 'up' : d.desiredReplicas < d.currentReplicas ? 'down' : 'hold');

export default {
  title: 'Decisions',
  async mount(el, ctx) {
    const filter = h('select', { testid: 'direction-filter' }, ['all', 'up', 'down', 'hold'].map((d) => h('option', { value: d }, d)));
    const body = h('tbody');
    const json = h('pre', { testid: 'decision-json', class: 'json', hidden: true });
    let entries = [];
    let selected = null;
    const render = () => {
      const shown = entries.filter((e) => filter.value === 'all' || directionOf(e.decision) === filter.value);
      body.replaceChildren(...shown.map((e) => row(e, () => { selected = e; json.textContent = JSON.stringify(e, null, 2); json.hidden = false; })));
      if (!shown.length) body.append(h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'no decisions')));
    };
    filter.addEventListener('change', render);
    el.append(
      h('div', { class: 'row' }, h('h1', {}, 'Decisions'), h('label', {}, 'Direction ', filter)),
      h('div', { class: 'scroll' }, h('table', { testid: 'decisions-table' },
        h('thead', {}, h('tr', {}, ['Time', 'Trigger', 'Readings → proposals', 'Adjustments', 'Count', 'Reason', 'Action'].map((t) => h('th', {}, t)))), body)),
      json);
    ctx.poll(async () => {
      entries = await ctx.api(`/api/v1/services/${encodeURIComponent(ctx.service)}/decisions`);
      render();
      if (selected) json.textContent = JSON.stringify(selected, null, 2);
    }, 5000);
  },
};

function row(entry, onclick) {
  const d = entry.decision;
  const proposals = d.readings.map((r) => {
    const p = d.proposals.find((x) => x.metric === r.metric);
    return h('div', {}, `${r.metric} = ${r.value === null ? (r.message || 'no value') : fmt.num(r.value)}`, p ? ` → ${p.replicas ?? p.desiredReplicas ?? '–'}` : '');
  });
  const action = entry.action ? `${entry.action.succeeded ? 'ok' : 'failed'}: ${entry.action.message ?? entry.action.replicas}`
    : entry.standby ? entry.standby : d.desiredReplicas !== d.currentReplicas ? 'not applied (dry run)' : '';
  return h('tr', { testid: 'decision-row', 'data-direction': directionOf(d), class: 'link', onclick },
    h('td', {}, fmt.time(d.time)), h('td', {}, entry.trigger), h('td', {}, proposals),
    h('td', {}, (d.adjustments || []).join('; ')), h('td', {}, `${d.currentReplicas} → ${d.desiredReplicas}`),
    h('td', { testid: 'decision-reason' }, d.reason), h('td', {}, action));
}
