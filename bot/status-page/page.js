// The status page's client. Everything it shows comes from /api/status and is set as text
// (textContent, createTextNode, setAttribute on SVG geometry): host names, people, reasons and
// audit details are untrusted, so no string from the server is ever parsed as HTML.
// One file past 300 lines: the page is served as three static files with no bundler, so its
// sections (formatting, plan, health chart, pools and watches, tables, polling) share this one.
'use strict';

const POLL_MS = 2000;
const STALE_AFTER_MS = 7000;
const SVG = 'http://www.w3.org/2000/svg';
const MARKS = { done: '✓', partial: '◐', current: '▶', paused: '⏸', todo: '·' };

let lastOk = 0;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'title') node.title = value;
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes ?? {})) node.setAttribute(key, String(value));
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

// ── formatting ─────────────────────────────────────────────────────────────────────────────

const percent = (value) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(value < 0.01 ? 2 : 1)}%`);
const share = (value) => (value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`);
const latency = (value) => (value === null || value === undefined ? '—' : value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`);
const clockTime = (ms) => new Date(ms).toISOString().slice(11, 19);

function duration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** A guard interval under ten seconds keeps its tenths: 0.5 s must not read as 1s. */
const interval = (ms) => (ms < 10000 && ms % 1000 !== 0 ? `${(ms / 1000).toFixed(1)}s` : duration(ms));

/** ok under half the plan's limit, warn up to it, bad at or over it. */
function level(value, limit) {
  if (value === null || value === undefined) return 'none';
  if (value >= limit) return 'bad';
  return value >= limit / 2 ? 'warn' : 'ok';
}

function failed(section) {
  return el('p', { class: 'error' }, `unavailable: ${section.error}`);
}

// ── sections ───────────────────────────────────────────────────────────────────────────────

function planBanner(service) {
  const banner = el('section', { class: 'banner', 'data-part': 'plan' });
  if (service.plan === null) return append(banner, [el('span', { class: 'muted' }, 'no migration plan configured')]);
  if (!service.plan.ok) return append(banner, [failed(service.plan)]);
  const plan = service.plan.value;
  append(banner, [
    el('div', { class: 'row' },
      el('span', { class: 'plan-name' }, plan.plan),
      plan.task ? el('span', { class: 'muted mono' }, plan.task) : null,
      el('span', { class: `chip phase-${plan.phase}` }, plan.phase),
      el('span', { class: 'muted' }, 'at'),
      el('span', { class: 'position' }, plan.position)),
    el('div', { class: 'blocking' }, el('span', { class: 'label' }, 'Blocking:'), el('span', { 'data-part': 'blocking' }, plan.blocking)),
  ]);
  return banner;
}

function stepList(service, dc) {
  if (service.plan === null || !service.plan.ok) return null;
  const steps = service.plan.value.datacenters.find((entry) => entry.dc === dc)?.steps ?? [];
  return el('ol', { class: 'steps', 'data-part': 'steps' },
    steps.map((step, index) =>
      el('li', { class: step.mark, 'data-mark': step.mark, title: step.title },
        el('span', { class: 'mark' }, MARKS[step.mark] ?? '?'),
        el('span', { class: 'num' }, String(index + 1)),
        el('span', { class: 'id mono' }, step.id),
        el('span', { class: 'title' }, step.title))));
}

function latestFor(samples, dc) {
  for (let index = samples.length - 1; index >= 0; index -= 1) {
    const found = samples[index].dcs.find((entry) => entry.dc === dc);
    if (found) return { at: samples[index].at, ...found };
  }
  return undefined;
}

function metric(name, value, cls, base) {
  return el('div', { class: 'metric' }, el('div', { class: 'name' }, name), el('div', { class: `value ${cls}` }, value), el('div', { class: 'base' }, base ?? '\u00a0'));
}

function healthNumbers(service, dc, samples, now) {
  const latest = latestFor(samples, dc);
  if (!latest) return el('p', { class: 'empty' }, 'no health samples yet');
  const { errorRatioMax, p99SecondsMax } = service.limits;
  const wrap = el('div', { 'data-part': 'health' });
  append(wrap, [
    el('div', { class: 'health' },
      metric('k8s share', share(latest.k8sShare), 'k8s', `${latest.k8s.requestRate === null ? '—' : Math.round(latest.k8s.requestRate)} req/s on k8s`),
      metric('5xx k8s', percent(latest.k8s.errorRatio), `level-${level(latest.k8s.errorRatio, errorRatioMax)}`, `bare metal ${percent(latest.baseline.errorRatio)} · limit ${percent(errorRatioMax)}`),
      metric('p99 k8s', latency(latest.k8s.p99Seconds), `level-${level(latest.k8s.p99Seconds, p99SecondsMax)}`, `bare metal ${latency(latest.baseline.p99Seconds)} · limit ${latency(p99SecondsMax)}`)),
    el('div', { class: 'muted' }, `sampled ${duration(now - latest.at)} ago${latest.note ? ` · ${latest.note}` : ''}`),
  ]);
  return wrap;
}

// ── chart: three panels sharing one time axis ─────────────────────────────────────────────────

/** The next 1, 2, 2.5 or 5 times a power of ten, so an axis reads 2 s rather than 1.88 s. */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value * 0.9999) ?? 10;
  return step * power;
}

const CHART = { width: 560, left: 44, right: 10, panel: 60, gap: 26, top: 16, bottom: 18 };

function chart(service, dc, samples) {
  const points = samples
    .map((sample) => ({ at: sample.at, data: sample.dcs.find((entry) => entry.dc === dc) }))
    .filter((point) => point.data !== undefined);
  if (points.length < 2) return el('p', { class: 'empty' }, `chart: ${points.length} sample${points.length === 1 ? '' : 's'} so far`);
  const first = points[0].at;
  const last = points[points.length - 1].at;
  const span = Math.max(1, last - first);
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const x = (at) => CHART.left + ((at - first) / span) * plotWidth;
  const height = CHART.top + 3 * CHART.panel + 2 * CHART.gap + CHART.bottom;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${CHART.width} ${height}`, role: 'img', 'aria-label': `${dc} health over time`, 'data-points': points.length });
  const { errorRatioMax, p99SecondsMax } = service.limits;
  const panels = [
    { label: 'k8s share', series: [{ pick: (d) => d.k8sShare, cls: 'k8s', area: true }], max: () => 1, format: share },
    { label: '5xx', series: [{ pick: (d) => d.baseline.errorRatio, cls: 'metal' }, { pick: (d) => d.k8s.errorRatio, cls: 'k8s' }], limit: errorRatioMax, format: percent },
    { label: 'p99', series: [{ pick: (d) => d.baseline.p99Seconds, cls: 'metal' }, { pick: (d) => d.k8s.p99Seconds, cls: 'k8s' }], limit: p99SecondsMax, format: latency },
  ];
  panels.forEach((panel, index) => {
    const top = CHART.top + index * (CHART.panel + CHART.gap);
    const bottom = top + CHART.panel;
    const values = panel.series.flatMap((series) => points.map((point) => series.pick(point.data))).filter((value) => value !== null);
    const max = panel.max ? panel.max() : niceCeiling(Math.max(panel.limit * 1.25, ...values));
    const y = (value) => bottom - (Math.min(value, max) / max) * CHART.panel;
    append(root, [
      svg('rect', { class: 'frame', x: CHART.left, y: top, width: plotWidth, height: CHART.panel }),
      svg('text', { class: 'panel-label', x: CHART.left, y: top - 4 }, panel.label),
      svg('text', { x: CHART.left - 4, y: top + 9, 'text-anchor': 'end' }, panel.format(max)),
      svg('text', { x: CHART.left - 4, y: bottom, 'text-anchor': 'end' }, '0'),
    ]);
    if (panel.limit !== undefined && panel.limit <= max) {
      append(root, [svg('line', { class: 'limit', x1: CHART.left, x2: CHART.left + plotWidth, y1: y(panel.limit), y2: y(panel.limit) })]);
    }
    for (const series of panel.series) {
      const segments = [];
      let current = [];
      for (const point of points) {
        const value = series.pick(point.data);
        // A missing reading is a gap in the line, never a drop to zero.
        if (value === null) {
          if (current.length > 0) segments.push(current);
          current = [];
        } else current.push([x(point.at), y(value)]);
      }
      if (current.length > 0) segments.push(current);
      for (const segment of segments) {
        const line = segment.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
        if (series.area && segment.length > 1) {
          const firstX = segment[0][0].toFixed(1);
          const lastX = segment[segment.length - 1][0].toFixed(1);
          root.append(svg('path', { class: 'share-area', d: `${line}L${lastX},${bottom}L${firstX},${bottom}Z` }));
        }
        root.append(svg('path', { class: series.cls, d: segment.length === 1 ? `${line}h1` : line }));
      }
    }
  });
  append(root, [
    svg('text', { x: CHART.left, y: height - 4 }, `${clockTime(first)} UTC`),
    svg('text', { x: CHART.left + plotWidth, y: height - 4, 'text-anchor': 'end' }, `${clockTime(last)} UTC`),
  ]);
  const legend = el('div', { class: 'legend' },
    el('span', {}, el('span', { class: 'swatch', 'data-color': 'k8s' }), 'Wikikube'),
    el('span', {}, el('span', { class: 'swatch', 'data-color': 'metal' }), 'bare metal'),
    el('span', {}, el('span', { class: 'swatch', 'data-color': 'limit' }), 'plan limit'));
  return el('div', { 'data-part': 'chart' }, root, legend);
}

/** Each guard and soak with how long since it checked; a stale one (two intervals missed) in red. */
function watchList(service) {
  if (service.watches === null) return null;
  const box = el('div', { class: 'watches', 'data-part': 'watches' }, el('span', { class: 'label' }, 'Watches:'));
  if (!service.watches.ok) return append(box, [failed(service.watches)]);
  if (service.watches.value.length === 0) return append(box, [el('span', { class: 'muted' }, 'none')]);
  return append(box, service.watches.value.map((watch) =>
    el('span', { class: `watch ${watch.stale ? 'stale' : 'fresh'}`, 'data-watch': watch.id, 'data-stale': String(watch.stale), title: watch.words },
      watch.stale ? '⚠ ' : '✓ ',
      el('span', { class: 'mono' }, watch.id),
      watch.lastCheckAt === null ? ` no check in ${duration(watch.sinceMs)}` : ` ${duration(watch.sinceMs)} ago`,
      el('span', { class: 'every' }, ` (every ${interval(watch.intervalMs)})`))));
}

/** What real traffic has shown of each pooled worker, in status's words; the full figures on hover. */
function proofRows(pool) {
  if (!pool.workers || pool.workers.length === 0) return null;
  return el('div', { class: 'proofs', 'data-part': 'proofs' },
    pool.workers.map((worker) =>
      el('div', { class: `proof proof-${worker.proof}`, 'data-worker': worker.name, 'data-proof': worker.proof, title: worker.summary },
        el('span', { class: 'mono' }, worker.name), ' ', worker.words)));
}

function poolRows(dcStatus) {
  if (!dcStatus.pools.ok) return failed(dcStatus.pools);
  return dcStatus.pools.value.map((pool) => {
    const capacity = pool.capacity === null
      ? el('span', { class: 'muted' }, 'no objects')
      : el('span', { class: pool.capacity.warn ? 'below-floor' : 'muted' }, pool.capacity.note);
    const proofOf = (name) => (pool.workers ?? []).find((worker) => worker.name === name)?.proof;
    return el('div', { class: 'pool', 'data-pool': pool.lvsService },
      el('div', { class: 'pool-head' },
        el('span', {}, el('span', { class: 'name mono' }, `${pool.lvsService}:${pool.port}`), ' ',
          el('span', { class: 'muted' }, `pooled ${pool.counts.yes} · depooled ${pool.counts.no} · inactive ${pool.counts.inactive}`)),
        capacity),
      pool.groups.map((group) =>
        el('div', { class: 'group', 'data-group': group.group },
          el('span', { class: 'kind' }, group.kind === 'k8s-worker' ? `Wikikube (${group.group})` : `bare metal (${group.group})`),
          group.hosts.map((host) =>
            el('span', { class: `host ${host.pooled}`, 'data-host': host.name, 'data-pooled': host.pooled, 'data-proof': proofOf(host.name), title: `pooled=${host.pooled}${host.weight === null ? '' : ` weight=${host.weight}`}` },
              `${host.name} ${host.pooled === 'yes' ? `w${host.weight}` : host.pooled}`)))),
      proofRows(pool),
      pool.foreign.length > 0 ? el('div', { class: 'pybal' }, `not in inventory: ${pool.foreign.join(', ')}`) : null,
      pool.pybal === null ? null : el('div', { class: 'pybal' }, pool.pybal));
  });
}

function dcCard(service, dcStatus, samples, now) {
  return el('article', { class: 'card', 'data-dc': dcStatus.dc },
    el('div', { class: 'card-head' }, el('span', { class: 'dc' }, dcStatus.dc), el('span', { class: 'muted' }, service.poolingKind === 'simulated' ? 'simulated fleet' : `conftool: ${service.poolingKind}`)),
    el('h3', {}, 'Plan'), stepList(service, dcStatus.dc) ?? el('p', { class: 'empty' }, 'no plan'),
    el('h3', {}, 'Health'), healthNumbers(service, dcStatus.dc, samples, now), chart(service, dcStatus.dc, samples),
    el('h3', {}, 'Pools'), poolRows(dcStatus));
}

function approvals(service) {
  const box = el('section', { class: 'card', 'data-part': 'approvals' }, el('h3', {}, 'Pending approvals'));
  if (!service.approvals.ok) return append(box, [failed(service.approvals)]);
  if (service.approvals.value.length === 0) return append(box, [el('p', { class: 'empty' }, 'nothing waiting')]);
  box.append(el('table', {},
    el('thead', {}, el('tr', {}, ['id', 'what', 'asked by', 'approvals', 'expires'].map((name) => el('th', {}, name)))),
    el('tbody', {}, service.approvals.value.map((request) =>
      el('tr', { 'data-request': request.id },
        el('td', { class: 'req-id' }, request.id),
        el('td', {}, el('div', {}, request.summary), el('div', { class: 'detail' }, request.reason)),
        el('td', {}, request.requester),
        el('td', {}, request.state === 'pending' ? `${request.approvals}/${request.required}` : request.state),
        el('td', { class: request.expiresInMs < 120000 ? 'level-warn' : '' }, request.state === 'pending' ? `in ${duration(request.expiresInMs)}` : '—'))))));
  return box;
}

function eventClass(event) {
  if (/failed|denied|refused|rollback|emergency|expired/.test(event)) return 'event-failed';
  if (/granted|succeeded|resumed/.test(event)) return 'event-succeeded';
  return '';
}

function audit(service) {
  const box = el('section', { class: 'card', 'data-part': 'audit' }, el('h3', {}, 'Audit trail (newest first)'));
  if (service.audit === null) return append(box, [el('p', { class: 'empty' }, 'no audit trail in this process')]);
  if (!service.audit.ok) return append(box, [failed(service.audit)]);
  if (service.audit.value.length === 0) return append(box, [el('p', { class: 'empty' }, 'nothing yet')]);
  box.append(el('table', {},
    el('thead', {}, el('tr', {}, ['when (UTC)', 'who', 'event', 'detail'].map((name) => el('th', {}, name)))),
    el('tbody', {}, service.audit.value.map((row) =>
      el('tr', { 'data-audit': row.id },
        el('td', { class: 'mono' }, row.at.slice(5, 19).replace('T', ' ')),
        el('td', {}, row.who),
        el('td', { class: eventClass(row.event) }, row.event, row.requestId ? el('span', { class: 'req-id' }, ` ${row.requestId}`) : null),
        el('td', { class: 'detail' }, row.detail))))));
  return box;
}

function lockLine(service) {
  if (!service.lock.ok) return failed(service.lock);
  const lock = service.lock.value;
  return el('span', { class: 'muted', 'data-part': 'lock' }, lock === null ? 'lock: free' : `lock: held by ${lock.requestId} (${lock.holder}) for ${duration(lock.heldForMs)}`);
}

function serviceView(service, now) {
  const samples = service.samples.ok ? service.samples.value : [];
  return el('section', { class: 'service', 'data-service': service.service },
    el('h2', {}, service.service, service.description ? el('span', { class: 'muted' }, ` · ${service.description}`) : null),
    append(planBanner(service), [el('div', { class: 'lock' }, lockLine(service)), watchList(service)]),
    service.samples.ok ? null : failed(service.samples),
    el('div', { class: 'grid' }, service.datacenters.map((dcStatus) => dcCard(service, dcStatus, samples, now))),
    el('div', { class: 'columns' }, approvals(service), audit(service)));
}

/** Each configured integration: ok, or what is wrong (unreachable since, messages waiting); nothing when none is configured. */
function integrations(snapshot) {
  const section = snapshot.integrations;
  if (section === null || section === undefined) return null;
  const box = el('section', { class: 'watches integrations', 'data-part': 'integrations' }, el('span', { class: 'label' }, 'Integrations:'));
  if (!section.ok) return append(box, [failed(section)]);
  return append(box, section.value.map((row) => {
    const wrong = row.state === 'unreachable' || row.state === 'failing' || row.words !== row.state;
    return el('span', { class: `watch ${wrong ? 'stale' : 'fresh'}`, 'data-integration': row.name, 'data-state': row.state, 'data-waiting': String(row.waiting), title: row.error ?? row.state },
      wrong ? '⚠ ' : row.state === 'ok' ? '✓ ' : '? ',
      el('span', { class: 'mono' }, row.name),
      ` ${row.words}`);
  }));
}

// ── polling ────────────────────────────────────────────────────────────────────────────────

function render(snapshot) {
  const app = document.getElementById('app');
  // Someone selecting text (a request id to copy) would lose it to the redraw: hold still until they are done.
  const selection = document.getSelection();
  if (selection !== null && !selection.isCollapsed && app.contains(selection.anchorNode)) return;
  app.replaceChildren(...[integrations(snapshot), ...snapshot.services.map((service) => serviceView(service, snapshot.generatedAt))].filter((node) => node !== null));
  app.dataset.generatedAt = String(snapshot.generatedAt);
}

function setLive(state, text) {
  const live = document.getElementById('live');
  live.dataset.state = state;
  document.getElementById('live-text').textContent = text;
}

async function poll() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  try {
    const response = await fetch('/api/status', { cache: 'no-store', signal: abort.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const snapshot = await response.json();
    render(snapshot);
    lastOk = Date.now();
    setLive('live', `live · updated ${clockTime(snapshot.generatedAt)} UTC`);
  } catch (error) {
    if (Date.now() - lastOk > STALE_AFTER_MS) setLive('stale', `no answer from the bot (${error.message}); retrying`);
  } finally {
    clearTimeout(timer);
    setTimeout(poll, POLL_MS);
  }
}

void poll();
