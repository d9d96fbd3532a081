// Overview: the counts, each metric against its rule, traffic, two charts over the last hour, scale events, actions.
import { h, fmt, showError } from '../app.js';

const HOUR = 3600;

export default {
  title: 'Overview',
  async mount(el, ctx) {
    const base = `/api/v1/services/${encodeURIComponent(ctx.service)}`;
    const current = h('span', { testid: 'replicas-current', class: 'big' }, '–');
    const desired = h('span', { testid: 'replicas-desired', class: 'big' }, '–');
    const state = h('span', { class: 'muted' });
    const metrics = h('tbody');
    const traffic = h('dl', { class: 'traffic' });
    const demandChart = h('div', { testid: 'chart-demand', class: 'chart', 'data-points': '0' });
    const latencyChart = h('div', { testid: 'chart-latency', class: 'chart', 'data-points': '0' });
    const chartNote = h('p', { class: 'muted' });
    const events = h('ul', { class: 'events' });
    el.append(
      h('section', { class: 'counts' },
        h('div', {}, h('label', {}, 'Current'), current),
        h('div', {}, h('label', {}, 'Desired'), desired),
        state),
      h('h2', {}, 'Metrics'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Metric', 'Value', 'Rule', ''].map((t) => h('th', {}, t)))), metrics),
      h('h2', {}, 'Traffic'), traffic,
      h('h2', {}, 'Demand and replicas, last hour'), demandChart,
      h('h2', {}, 'Latency, last hour'), latencyChart, chartNote,
      h('h2', {}, 'Scale events'), events,
      actions(ctx, base));

    let policy = null;
    let history = { points: [], events: [], status: null };
    let series = { available: false };
    const charts = { demand: null, latency: null };
    const marks = eventMarks(() => history.events);

    const render = () => {
      const s = history.status;
      if (s) {
        current.textContent = s.currentReplicas ?? '–';
        desired.textContent = s.desiredReplicas ?? '–';
        state.textContent = [s.paused ? `paused (${s.paused.source})` : null, s.dryRun ? 'dry run' : null, s.lastError ? `last error: ${s.lastError}` : null]
          .filter(Boolean).join(' · ');
        metrics.replaceChildren(...s.metrics.map((m) => metricRow(m, policy)));
      }
      traffic.replaceChildren(...trafficItems(series, history));
      events.replaceChildren(...history.events.slice().reverse().map((e) => h('li', { testid: 'scale-event' },
        `${fmt.time(e.time)} ${e.from} → ${e.to} (${e.trigger}): ${e.reason}`)));
      if (!history.events.length) events.append(h('li', { class: 'muted' }, 'none in the last hour'));
      chartNote.textContent = series.available ? '' : `From the scaler's own history: ${series.reason || 'Prometheus is not there'}.`;
      charts.demand = draw(charts.demand, demandChart, demandData(series, history, policy), demandOptions(history, series, policy, marks));
      charts.latency = draw(charts.latency, latencyChart, latencyData(series, history, policy), latencyOptions(series, marks));
    };

    ctx.poll(async () => { policy = await ctx.api(`${base}/policy`); }, 30000);
    ctx.poll(async () => { history = await ctx.api(`${base}/history`); render(); }, 3000);
    ctx.poll(async () => { series = await ctx.api(`${base}/series?range=${HOUR}`); render(); }, 10000);
    const resize = () => { charts.demand?.setSize(size(demandChart)); charts.latency?.setSize(size(latencyChart)); };
    window.addEventListener('resize', resize);
    return { unmount: () => { window.removeEventListener('resize', resize); charts.demand?.destroy(); charts.latency?.destroy(); } };
  },
};

function metricRow(m, policy) {
  const spec = policy?.metrics.find((p) => p.name === m.name);
  const rule = spec?.rule;
  let text = '';
  let verdict = '';
  if (rule?.kind === 'threshold') {
    text = `up above ${rule.scaleUp}, down below ${rule.scaleDown}`;
    verdict = m.value === null ? '' : m.value > rule.scaleUp ? 'above' : m.value < rule.scaleDown ? 'below' : 'within';
  } else if (rule?.kind === 'target' || rule?.kind === 'predictive') {
    text = `target ${rule.target}${rule.targetType ? ` (${rule.targetType})` : ''}`;
    verdict = m.value === null ? '' : m.value > rule.target ? 'above' : 'within';
  } else if (rule?.kind === 'slo') {
    text = `SLO ${rule.sloStatistic} ≤ ${fmt.secs(rule.sloSeconds)}`;
  } else if (rule?.kind === 'fixed') {
    text = `fixed at ${rule.replicas}`;
  } else if (rule) {
    text = 'learning input';
  }
  return h('tr', { testid: 'metric-row', 'data-metric': m.name },
    h('td', {}, m.name), h('td', {}, m.value === null ? h('span', { class: 'error' }, m.error || 'no value') : fmt.num(m.value)),
    h('td', {}, text), h('td', { class: `verdict ${verdict}` }, verdict));
}

const last = (points) => (points && points.length ? points[points.length - 1][1] : null);

function trafficItems(series, history) {
  if (!series.available) return [h('dd', { class: 'muted' }, 'request rate, latency and rejected requests need Prometheus')];
  const s = series.series;
  return [
    h('dt', {}, 'Requests'), h('dd', {}, `${fmt.num(last(s.requests))} /s`),
    h('dt', {}, 'Latency p50 / p95'), h('dd', {}, `${fmt.secs(last(s.p50))} / ${fmt.secs(last(s.p95))}`),
    h('dt', {}, 'Rejected'), h('dd', {}, `${fmt.num(last(s.rejected))} /s`),
  ];
}

// uPlot wants one x array shared by every series: merge the times, leave gaps as null.
function align(sources) {
  const xs = [...new Set(sources.flatMap((s) => s.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return [xs, ...sources.map((s) => {
    const ys = new Array(xs.length).fill(null);
    s.forEach(([x, y]) => { ys[index.get(x)] = y; });
    return ys;
  })];
}

const secondsOf = (time) => new Date(time).getTime() / 1000;
const firstMetric = (policy, history) => policy?.metrics[0]?.name ?? Object.keys(history.points[0]?.metrics ?? {})[0];

function demandData(series, history, policy) {
  const replicas = history.points.map((p) => [secondsOf(p.time), p.current]);
  const wanted = history.points.map((p) => [secondsOf(p.time), p.desired]);
  const metric = firstMetric(policy, history);
  const demand = series.available
    ? series.series.requests
    : history.points.map((p) => [secondsOf(p.time), p.metrics[metric] ?? null]);
  return align([demand, replicas, wanted]);
}

function latencyData(series, history, policy) {
  if (!series.available) {
    const metric = firstMetric(policy, history);
    return align([history.points.map((p) => [secondsOf(p.time), p.metrics[metric] ?? null])]);
  }
  const s = series.series;
  const data = align([s.p50, s.p95, s.mean]);
  if (series.slo) data.push(data[0].map(() => series.slo.seconds));
  return data;
}

const stepped = () => (window.uPlot.paths.stepped ? window.uPlot.paths.stepped({ align: 1 }) : undefined);

function demandOptions(history, series, policy, marks) {
  return {
    series: [{}, { label: series.available ? 'requests/s' : firstMetric(policy, history) ?? 'metric', stroke: '#2563eb', scale: 'demand', spanGaps: true },
      { label: 'replicas', stroke: '#16a34a', width: 2, scale: 'replicas', paths: stepped(), spanGaps: true },
      { label: 'desired', stroke: '#f59e0b', dash: [4, 4], scale: 'replicas', paths: stepped(), spanGaps: true }],
    axes: [{}, { scale: 'demand' }, { scale: 'replicas', side: 1, grid: { show: false } }],
    scales: { replicas: { range: (u, min, max) => [0, Math.max(2, max + 1)] } },
    plugins: [marks],
  };
}

function latencyOptions(series, marks) {
  const s = series.available
    ? [{}, { label: 'p50', stroke: '#2563eb', spanGaps: true }, { label: 'p95', stroke: '#dc2626', spanGaps: true }, { label: 'mean', stroke: '#6b7280', spanGaps: true },
      ...(series.slo ? [{ label: `SLO (${series.slo.statistic})`, stroke: '#111827', dash: [6, 4] }] : [])]
    : [{}, { label: 'metric', stroke: '#2563eb', spanGaps: true }];
  return { series: s, axes: [{}, { values: (u, ticks) => ticks.map((t) => fmt.secs(t)) }], plugins: [marks] };
}

// Scale events as vertical lines across the chart (read at each redraw, so new events show).
function eventMarks(events) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.lineWidth = 1;
        events().forEach((e) => {
          const x = u.valToPos(secondsOf(e.time), 'x', true);
          if (x < bbox.left || x > bbox.left + bbox.width) return;
          ctx.strokeStyle = e.to > e.from ? '#16a34a' : '#dc2626';
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
        });
        ctx.restore();
      }],
    },
  };
}

const size = (el) => ({ width: Math.max(280, el.clientWidth), height: 220 });

// A new chart when the series change (their number or names: Prometheus' series replacing the scaler's own history),
// otherwise new data on the old one.
const labels = (series) => series.slice(1).map((s) => s.label ?? '').join('|'); // [0] is x: uPlot names it itself
function draw(chart, el, data, options) {
  if (!window.uPlot) return chart;
  if (chart && labels(chart.series) === labels(options.series)) {
    chart.setData(data);
  } else {
    chart?.destroy();
    chart = new window.uPlot({ ...size(el), ...options }, data, el);
  }
  el.dataset.points = String(data[0].length);
  // When the first chart was drawn, in ms since the page began to load (docs/benchmarks.md measures it).
  if (data[0].length && !el.dataset.firstDrawMs) el.dataset.firstDrawMs = String(Math.round(performance.now()));
  return chart;
}

function actions(ctx, base) {
  const message = h('p', { testid: 'action-message', class: 'message' });
  const say = (text, ok) => { message.textContent = text; message.className = `message ${ok ? 'ok' : 'error'}`; };
  const run = async (label, path, init) => {
    try {
      const answer = await ctx.api(path, init);
      say(`${label}: done${answer && typeof answer === 'object' ? ` (${summary(answer)})` : ''}`, true);
    } catch (error) {
      say(`${label}: refused (${error.status ?? 'error'}): ${error.message}${error.status === 401 ? ' — this needs the API token' : ''}`, false);
    }
  };
  const tokenInput = h('input', { testid: 'token-input', type: 'password', placeholder: 'API token', autocomplete: 'off', value: ctx.token.get() });
  const replicas = h('input', { testid: 'action-replicas-input', type: 'number', min: '0', value: '' });
  return h('section', { class: 'actions' },
    h('h2', {}, 'Actions'),
    h('p', { class: 'muted' }, 'Need the API token (up prints it; kept in this tab only).'),
    h('form', {
      class: 'row',
      onsubmit: (event) => {
        event.preventDefault();
        if (tokenInput.value) ctx.token.set(tokenInput.value); else ctx.token.clear();
        say(tokenInput.value ? 'token kept for this tab' : 'token cleared', true);
      },
    }, tokenInput, h('button', { testid: 'token-save', type: 'submit' }, 'Use token')),
    h('div', { class: 'row' }, replicas,
      h('button', { testid: 'action-replicas-submit', onclick: () => run('set replicas', `${base}/replicas`, { method: 'PUT', body: JSON.stringify({ replicas: Number(replicas.value) }) }) }, 'Set replicas'),
      h('button', { testid: 'action-pause', onclick: () => run('pause', `${base}/replicas`, { method: 'PUT', body: JSON.stringify(replicas.value ? { replicas: Number(replicas.value), pause: true } : { pause: true }) }) }, 'Pause'),
      h('button', { testid: 'action-resume', onclick: () => run('resume', `${base}/pause`, { method: 'DELETE' }) }, 'Resume'),
      h('button', {
        testid: 'action-dry-run',
        onclick: async () => {
          try {
            const policy = await ctx.api(`${base}/policy`);
            await run(`dry run ${policy.dryRun ? 'off' : 'on'}`, `${base}/dry-run`, { method: 'PUT', body: JSON.stringify({ dryRun: !policy.dryRun }) });
          } catch (error) { showError(error); }
        },
      }, 'Toggle dry run')),
    message);
}

const summary = (a) => Object.entries(a).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => `${k}: ${v}`).join(', ');
