// Simulations: the reports of the scaler's reports folder (opened here, in a frame, or in a tab of their own), and
// "simulate this policy on the last N hours": a replay of the service's recent demand through its current policy, with
// progress, Cancel, and a link to the new report. Server side: src/Autoscaler.Scaler/Console/SimulationsApi.cs.
import { h, fmt } from '../app.js';

const percent = (p) => `${Math.floor(p * 100)} %`;

export default {
  title: 'Simulations',
  async mount(el, ctx) {
    const base = `/api/v1/services/${encodeURIComponent(ctx.service)}/simulations`;
    const hours = h('input', { testid: 'simulate-hours', type: 'number', min: '0.01', max: '744', step: 'any', value: '24', required: true });
    const query = h('input', { type: 'text', placeholder: 'sum(rate(webapp_request_count_total[1m]))', size: '40' });
    const start = h('button', { testid: 'simulate-start', type: 'submit' }, 'Simulate');
    const bar = h('progress', { max: '1', value: '0' });
    const progress = h('span', { testid: 'simulate-progress' });
    const cancel = h('button', { testid: 'simulate-cancel', type: 'button', hidden: true }, 'Cancel');
    const result = h('a', { testid: 'simulate-result', hidden: true }, 'Open the report');
    const status = h('div', { class: 'row', hidden: true }, bar, progress, cancel, result);
    const note = h('p', { class: 'muted' });
    // What an action got back (a refusal such as 401, or a report that would not open); the shell's error line is
    // cleared by every successful poll, so these stay here until the next action.
    const message = h('p', { testid: 'simulate-message', class: 'message error' });
    const say = (error) => { message.textContent = error ? (error.status === 401 ? `${error.message} — enter the API token on the overview` : error.message || String(error)) : ''; };
    const list = h('tbody');
    const folder = h('p', { class: 'muted' });
    const frame = h('iframe', { testid: 'report-frame', title: 'Simulation report', sandbox: 'allow-popups allow-popups-to-escape-sandbox', style: 'width: 100%; height: 80vh; border: 1px solid var(--line);' });
    const frameTitle = h('strong');
    const newTab = h('a', { target: '_blank', rel: 'noopener' }, 'open in a new tab');
    const viewer = h('section', { hidden: true },
      h('div', { class: 'row' }, frameTitle, newTab, h('button', { type: 'button', onclick: () => { viewer.hidden = true; frame.srcdoc = ''; } }, 'Close')),
      frame);

    let job = null; // the job this page shows
    let reportsSeen = '';

    // A report opens here: its page is fetched with the token (the folder may need it) and shown in a sandboxed frame;
    // its own links (a fleet report's per-service pages) go to new tabs.
    const open = async (url, title) => {
      const html = await ctx.api(url);
      const baseTag = `<base href="${new URL(url, location.href).href}" target="_blank">`;
      frame.srcdoc = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => m + baseTag) : baseTag + html;
      frameTitle.textContent = title;
      newTab.href = url;
      viewer.hidden = false;
      viewer.scrollIntoView({ block: 'nearest' });
    };
    const opener = (url, title) => (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return; // a new tab, as asked
      event.preventDefault();
      say(null);
      open(url, title).catch(say);
    };

    const renderReports = (reports) => {
      list.replaceChildren(...reports.map((r) => h('tr', {},
        h('td', {}, h('a', { testid: 'report-link', href: r.url, onclick: opener(r.url, r.title) }, r.title)),
        h('td', {}, h('code', {}, r.name)),
        h('td', { class: 'muted' }, new Date(r.created).toLocaleString([], { hour12: false })))));
      if (!reports.length) list.append(h('tr', {}, h('td', { colspan: '3', class: 'muted' }, 'no reports yet')));
    };

    const renderJob = () => {
      status.hidden = !job;
      if (!job) return;
      const running = job.state === 'running';
      bar.value = job.progress;
      progress.textContent = running ? `${percent(job.progress)} · ${job.message}`
        : job.state === 'done' ? `100 % · done (${fmt.num(job.hours)} h of history)` : `${job.state}: ${job.message}`;
      progress.className = job.state === 'failed' ? 'error' : '';
      cancel.hidden = !running;
      start.disabled = running;
      result.hidden = job.state !== 'done' || !job.report;
      if (job.report) {
        result.href = job.report;
        result.onclick = opener(job.report, `Replay of ${ctx.service}`);
      }
    };

    const refresh = async () => {
      const [about, reports] = await Promise.all([ctx.api(base), ctx.api('/api/v1/reports')]);
      folder.textContent = about.reports ? `Reports folder: ${about.reports}` : '';
      note.textContent = about.unavailable ? `Replays are off: ${about.unavailable}.` : '';
      start.disabled = Boolean(about.unavailable);
      // The newest replay of this service, also one started from another window or before a reload.
      const latest = about.jobs[0];
      if (latest && (!job || job.id === latest.id || latest.state === 'running')) job = latest;
      renderJob();
      const seen = JSON.stringify(reports);
      if (seen !== reportsSeen) {
        reportsSeen = seen;
        renderReports(reports);
      }
    };

    const form = h('form', { class: 'row actions' },
      h('label', {}, 'Last ', hours, ' hours'),
      h('label', {}, 'Demand ', query),
      start);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      say(null);
      const body = { hours: Number(hours.value) };
      if (query.value.trim()) body.query = query.value.trim();
      try {
        job = await ctx.api(base, { method: 'POST', body: JSON.stringify(body) });
        renderJob();
      } catch (error) {
        say(error);
      }
    });
    cancel.addEventListener('click', async () => {
      say(null);
      try {
        job = await ctx.api(`/api/v1/simulations/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
        renderJob();
      } catch (error) {
        say(error);
      }
    });

    el.append(
      h('h1', {}, 'Simulations'),
      h('h2', {}, 'Simulate this policy'),
      h('p', { class: 'muted' }, `Replays the demand of ${ctx.service} over the last hours (read from Prometheus) through its current policy and through the oracle, in the simulator, and writes a report. Needs the API token.`),
      form, note, message, status,
      h('h2', {}, 'Reports'), folder,
      h('div', { class: 'scroll' }, h('table', { testid: 'reports-list' },
        h('thead', {}, h('tr', {}, ['Report', 'Folder', 'Written'].map((t) => h('th', {}, t)))), list)),
      viewer);
    // Quick while a replay runs (its progress), slow otherwise; the scaler caches the list for every console.
    let tick = 0;
    ctx.poll(async () => {
      if (tick++ % 5 === 0 || job?.state === 'running') await refresh();
    }, 1000);
  },
};
