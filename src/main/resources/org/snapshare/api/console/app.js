'use strict';
// The snapshare console: one page that calls /api/v1 with the signed-in token
// (docs/API.md, Console). Text from the server is only ever set as textContent.

const TOKEN_KEY = 'snapshare-token';
const POLL_MS = 2000;
const PLOT_POINTS = 90;
let timers = [];

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(method, path, body) {
  const headers = { 'Authorization': 'Bearer ' + sessionStorage.getItem(TOKEN_KEY) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch('/api/v1' + path,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (response.status === 401 && !document.getElementById('nav').hidden) signOut(); // the token was revoked
  if (!response.ok) throw new ApiError(response.status, json && json.detail ? json.detail : response.statusText);
  return json;
}

/** A DOM element with properties and children (strings become text nodes, never HTML). */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'data') Object.assign(node.dataset, value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function bytes(n) {
  if (n < 0) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function every(ms, task) {
  task();
  timers.push(setInterval(task, ms));
}

function page(title, ...content) {
  const main = document.getElementById('main');
  main.replaceChildren(el('h1', {}, title), ...content);
  const heading = main.querySelector('h1');
  heading.tabIndex = -1;
  heading.focus();
}

function report(error) {
  const box = document.getElementById('page-error');
  if (box) box.textContent = error.message;
}

/** Asks in a modal dialog; resolves true on Confirm. Cancel has the focus. */
function confirmAction(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

// ---- alerts on every page: damage, store space, invalid snapshots

async function refreshAlerts() {
  const box = document.getElementById('alerts');
  try {
    const status = await api('GET', '/status');
    const alerts = [];
    for (const volume of status.volumes) {
      if (volume.state === 'damaged') {
        alerts.push(el('div', { class: 'alert bad' }, 'Volume ' + volume.name
            + ' has damaged metadata: stop the server and run snapshare check ' + volume.name));
      } else if (volume.state !== 'ok') {
        alerts.push(el('div', { class: 'alert warn' }, 'Volume ' + volume.name + ': ' + volume.state
            + ' of its store limit; delete snapshots or raise store-max-size'));
      }
      const snapshots = await api('GET', '/volumes/' + volume.name + '/snapshots');
      for (const snapshot of snapshots.filter(s => s.state === 'invalid')) {
        alerts.push(el('div', { class: 'alert bad' }, 'Snapshot ' + volume.name + '.' + snapshot.name
            + ' is invalid (the store ran full or its metadata was damaged): its data is gone'));
      }
    }
    box.replaceChildren(...alerts);
  } catch (error) {
    box.replaceChildren(el('div', { class: 'alert warn' }, 'Cannot reach the server: ' + error.message));
  }
}

// ---- plots

function plot(target, title, seriesNames, format) {
  const width = Math.max(300, target.clientWidth - 20);
  const series = [{}].concat(seriesNames.map((label, i) => ({
    label, stroke: ['#1f5fbf', '#c2571a', '#2e8540', '#7b3fb3'][i % 4], width: 2, value: (u, v) => v == null ? '-' : format(v),
  })));
  const data = [[]].concat(seriesNames.map(() => []));
  const window = PLOT_POINTS * POLL_MS / 1000; // the x axis always spans the last three minutes
  const chart = new uPlot({ title, width, height: 200, series,
    scales: { x: { time: true, range: (u, min, max) => {
      const end = Number.isFinite(max) && data[0].length > 0 ? max : Date.now() / 1000;
      return [end - window, end];
    } } },
    axes: [{}, { values: (u, vals) => vals.map(format), size: 80 }] }, data, target);
  return {
    add(values) {
      data[0].push(Date.now() / 1000);
      values.forEach((v, i) => data[i + 1].push(v));
      if (data[0].length > PLOT_POINTS) data.forEach(column => column.shift());
      chart.setData(data);
    },
  };
}

/**
 * Polls /io and plots read and write throughput of the LUNs {@code keep} selects; shows the last rates,
 * in total and per LUN (in {@code perLun}, a table body).
 */
function throughputPlot(target, rateLine, keep, perLun) {
  const chart = plot(target, 'Throughput (bytes/s)', ['read', 'write'], v => bytes(v) + '/s');
  let last = null;
  let lastLuns = new Map();
  every(POLL_MS, async () => {
    try {
      const sample = await api('GET', '/io');
      const luns = sample.luns.filter(keep);
      const time = Date.parse(sample.time);
      const key = lun => lun.volume + (lun.snapshot ? '.' + lun.snapshot : '');
      perLun.replaceChildren(...luns.map(lun => {
        const before = lastLuns.get(key(lun));
        const seconds = before ? (time - before.time) / 1000 : 0;
        const rate = field => seconds > 0 ? (lun[field] - before.lun[field]) / seconds : 0;
        return el('tr', { data: { lun: key(lun) } }, el('td', {}, key(lun)), el('td', {}, bytes(rate('read_bytes')) + '/s'),
            el('td', {}, bytes(rate('write_bytes')) + '/s'), el('td', {}, Math.round(rate('reads') + rate('writes'))));
      }));
      lastLuns = new Map(luns.map(lun => [key(lun), { time, lun }]));
      const now = { time: Date.parse(sample.time), read: 0, write: 0, reads: 0, writes: 0 };
      for (const lun of luns) {
        now.read += lun.read_bytes; now.write += lun.write_bytes; now.reads += lun.reads; now.writes += lun.writes;
      }
      if (last && now.time > last.time) {
        const seconds = (now.time - last.time) / 1000;
        const read = (now.read - last.read) / seconds;
        const write = (now.write - last.write) / seconds;
        const iops = ((now.reads - last.reads) + (now.writes - last.writes)) / seconds;
        chart.add([read, write]);
        rateLine.dataset.writeBytesPerSecond = Math.round(write);
        rateLine.textContent = 'now: read ' + bytes(read) + '/s, write ' + bytes(write) + '/s, '
            + Math.round(iops) + ' IOPS';
      }
      last = now;
    } catch (error) { report(error); }
  });
}

// ---- pages

async function overview() {
  const rows = el('tbody');
  const form = el('form', { class: 'inline', id: 'create-volume' },
      el('div', {}, el('label', { for: 'volume-name' }, 'Name'), el('input', { id: 'volume-name', required: true, pattern: '[a-z0-9][a-z0-9-]{0,62}' })),
      el('div', {}, el('label', { for: 'volume-size' }, 'Size (GiB)'), el('input', { id: 'volume-size', type: 'number', min: '0.001', step: 'any', required: true, value: '1' })),
      el('button', { type: 'submit' }, 'Create volume'));
  const ioPlot = el('div', { class: 'plot', id: 'io-plot' });
  const storePlot = el('div', { class: 'plot', id: 'store-plot' });
  const rate = el('p', { class: 'rate', id: 'io-rate' }, 'now: measuring...');
  const lunRates = el('tbody');
  page('Overview',
      el('table', { id: 'volumes' }, el('thead', {}, el('tr', {}, ['Volume', 'Size', 'Sessions', 'Snapshots', 'Store used', 'State', 'Target'].map(h => el('th', {}, h)))), rows),
      form, el('p', { class: 'error', id: 'page-error', role: 'alert' }),
      el('div', { class: 'plots' }, el('div', {}, ioPlot, rate), storePlot),
      el('h2', {}, 'Per LUN'), el('table', { id: 'lun-rates' }, el('thead', {}, el('tr', {}, ['LUN', 'Read', 'Write', 'IOPS'].map(h => el('th', {}, h)))), lunRates));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const name = document.getElementById('volume-name').value;
    const size = Math.round(parseFloat(document.getElementById('volume-size').value) * 1073741824 / 512) * 512;
    try {
      await api('POST', '/volumes', { name, size });
      location.hash = '#/volume/' + name;
    } catch (error) { report(error); }
  });
  throughputPlot(ioPlot, rate, () => true, lunRates);
  let store = null;
  every(POLL_MS, async () => {
    try {
      const volumes = await api('GET', '/volumes');
      rows.replaceChildren(...volumes.map(v => el('tr', { data: { volume: v.name } },
          el('td', {}, el('a', { href: '#/volume/' + v.name }, v.name)), el('td', {}, bytes(v.size_bytes)),
          el('td', {}, v.sessions), el('td', {}, v.snapshots),
          el('td', {}, bytes(v.store_used_bytes) + ' (' + v.store_percent_of_limit + '% of limit)'),
          el('td', { class: 'state-' + v.state.split(' ')[0] }, v.state), el('td', {}, v.target))));
      if (store === null && volumes.length > 0) {
        store = { names: volumes.map(v => v.name), chart: plot(storePlot, 'Store use (% of limit)', volumes.map(v => v.name), v => v.toFixed(0) + '%') };
      }
      if (store) store.chart.add(store.names.map(name => (volumes.find(v => v.name === name) || {}).store_percent_of_limit));
    } catch (error) { report(error); }
  });
}

async function followJob(job, bar, line) {
  for (;;) {
    const now = await api('GET', '/jobs/' + job.id);
    bar.value = now.progress;
    line.textContent = now.kind + ' ' + now.subject + ': ' + now.state + ' ' + Math.round(now.progress * 100) + '%'
        + (now.result ? ' - ' + now.result : '');
    if (now.state !== 'running') return now;
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

async function volumePage(name) {
  const snapshots = el('ul', { class: 'timeline', id: 'snapshots' });
  const details = el('p', { id: 'volume-details' });
  const jobBar = el('progress', { id: 'job-progress', max: '1', value: '0', hidden: true });
  const jobLine = el('p', { id: 'job-line', role: 'status' });
  const ioPlot = el('div', { class: 'plot', id: 'volume-io-plot' });
  const rate = el('p', { class: 'rate', id: 'io-rate' }, 'now: measuring...');
  const snapshotForm = el('form', { class: 'inline', id: 'create-snapshot' },
      el('div', {}, el('label', { for: 'snapshot-name' }, 'Snapshot name'), el('input', { id: 'snapshot-name', required: true, pattern: '[a-z0-9][a-z0-9-]{0,62}' })),
      el('button', { type: 'submit' }, 'Take snapshot'));
  const resizeForm = el('form', { class: 'inline', id: 'resize-volume' },
      el('div', {}, el('label', { for: 'new-size' }, 'New size (GiB)'), el('input', { id: 'new-size', type: 'number', min: '0.001', step: 'any', required: true })),
      el('button', { type: 'submit', class: 'secondary' }, 'Grow volume'));
  const deleteButton = el('button', { type: 'button', class: 'danger', id: 'delete-volume' }, 'Delete volume');
  page('Volume ' + name, details, el('p', { class: 'error', id: 'page-error', role: 'alert' }),
      el('h2', {}, 'Snapshots'), snapshots, snapshotForm, jobBar, jobLine,
      el('h2', {}, 'I/O'), ioPlot, rate, el('h2', {}, 'Volume'), resizeForm, deleteButton);

  const act = async (work) => { try { await work(); await refresh(); } catch (error) { report(error); } };
  const refresh = async () => {
    const volume = await api('GET', '/volumes/' + name);
    details.textContent = bytes(volume.size_bytes) + ', target ' + volume.target + ' LUN 0, ' + volume.sessions
        + ' session(s), store ' + bytes(volume.store_used_bytes) + ' used of ' + bytes(volume.store_limit_bytes)
        + ', ' + volume.state;
    const list = (await api('GET', '/volumes/' + name + '/snapshots')).sort((a, b) => a.created.localeCompare(b.created));
    const largest = Math.max(1, ...list.map(s => s.owned_bytes));
    snapshots.replaceChildren(...list.map(s => el('li', { data: { snapshot: s.name } },
        el('span', {}, el('strong', {}, s.name), s.held ? ' (held)' : ''),
        el('span', {}, new Date(s.created).toLocaleString()),
        el('span', { class: 'state-' + s.state }, s.state),
        el('span', { title: 'space only this snapshot uses' }, el('div', { class: 'bar', style: null }), bytes(s.owned_bytes) + ' owned'
          + (s.tree_bytes > s.owned_bytes ? ', ' + bytes(s.tree_bytes) + ' with those taken of it' : '')
          + (s.parent ? ' (of ' + s.parent + ')' : '')),
        el('span', {},
            el('button', { type: 'button', class: 'secondary', 'aria-label': 'Roll back to ' + s.name, onclick: () => act(async () => {
              if (!await confirmAction('Roll the origin of ' + name + ' back to snapshot ' + s.name + '? What was written since is lost.')) return;
              const job = await api('POST', '/volumes/' + name + '/snapshots/' + s.name + '/rollback');
              jobBar.hidden = false;
              await followJob(job, jobBar, jobLine);
            }) }, 'Roll back'), ' ',
            el('button', { type: 'button', class: 'secondary', onclick: () => act(() => api(s.held ? 'DELETE' : 'PUT', '/volumes/' + name + '/snapshots/' + s.name + '/hold')) }, s.held ? 'Release' : 'Hold'), ' ',
            el('button', { type: 'button', class: 'danger', 'aria-label': 'Delete snapshot ' + s.name, onclick: () => act(async () => {
              if (await confirmAction('Delete snapshot ' + s.name + ' of ' + name + '?')) await api('DELETE', '/volumes/' + name + '/snapshots/' + s.name);
            }) }, 'Delete')))));
    snapshots.querySelectorAll('.bar').forEach((bar, i) => { bar.style.width = Math.max(2, 100 * list[i].owned_bytes / largest) + 'px'; });
  };
  snapshotForm.addEventListener('submit', event => {
    event.preventDefault();
    const input = document.getElementById('snapshot-name');
    act(async () => { await api('POST', '/volumes/' + name + '/snapshots', { name: input.value }); input.value = ''; });
  });
  resizeForm.addEventListener('submit', event => {
    event.preventDefault();
    const size = Math.round(parseFloat(document.getElementById('new-size').value) * 1073741824 / 512) * 512;
    act(() => api('PATCH', '/volumes/' + name, { size }));
  });
  deleteButton.addEventListener('click', async () => {
    if (!await confirmAction('Delete volume ' + name + ', its snapshots and all their data?')) return;
    try { await api('DELETE', '/volumes/' + name); location.hash = '#/overview'; } catch (error) { report(error); }
  });
  throughputPlot(ioPlot, rate, lun => lun.volume === name, el('tbody'));
  every(5000, () => refresh().catch(report));
}

async function schedulesPage() {
  const rows = el('tbody');
  const form = el('form', { class: 'inline', id: 'set-schedule' },
      el('div', {}, el('label', { for: 'schedule-volume' }, 'Volume'), el('input', { id: 'schedule-volume', required: true })),
      el('div', {}, el('label', { for: 'schedule-policy' }, 'Schedule'), el('input', { id: 'schedule-policy', required: true, size: 40, value: 'every 1h keep 24; every 1d keep 7' })),
      el('button', { type: 'submit' }, 'Set schedule'));
  const replications = el('tbody');
  page('Schedules', el('table', {}, el('thead', {}, el('tr', {}, ['Volume', 'Schedule', 'From', 'Snapshots', 'Last success', 'Last failure', ''].map(h => el('th', {}, h)))), rows),
      form, el('p', { class: 'error', id: 'page-error', role: 'alert' }),
      el('h2', {}, 'Replication'),
      el('table', { id: 'replications' }, el('thead', {}, el('tr', {}, ['Volume', 'To', 'Last sent', 'Lag', 'Behind', 'Kept there', 'Last failure'].map(h => el('th', {}, h)))), replications),
      el('p', { class: 'hint' }, 'Set up with: snapshare replicate set VOLUME --to https://HOST:PORT --token-file FILE'));
  const refresh = async () => {
    const sent = await api('GET', '/replications');
    replications.replaceChildren(...sent.map(r => el('tr', {}, el('td', {}, r.volume), el('td', {}, r.to), el('td', {}, r.last_sent || '-'),
        el('td', {}, r.lag_seconds + ' s'), el('td', {}, bytes(r.lag_bytes)), el('td', {}, r.keep || 'everything'),
        el('td', { class: r.last_failure ? 'error' : '' }, r.last_failure ? r.last_failure + ': ' + r.last_error : '-'))));
    const list = await api('GET', '/schedules');
    rows.replaceChildren(...list.map(s => el('tr', {}, el('td', {}, s.volume), el('td', {}, s.policy), el('td', {}, s.source),
        el('td', {}, s.auto_snapshots), el('td', {}, s.last_success || '-'), el('td', {}, s.last_failure ? s.last_failure + ': ' + s.last_error : '-'),
        el('td', {}, s.source === 'set' ? el('button', { type: 'button', class: 'secondary', onclick: async () => {
          try { await api('DELETE', '/volumes/' + s.volume + '/schedule'); await refresh(); } catch (error) { report(error); }
        } }, 'Clear') : 'in the config'))));
  };
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api('PUT', '/volumes/' + document.getElementById('schedule-volume').value + '/schedule',
          { policy: document.getElementById('schedule-policy').value });
      await refresh();
    } catch (error) { report(error); }
  });
  every(5000, () => refresh().catch(report));
}

async function jobsPage() {
  const rows = el('tbody');
  page('Jobs', el('table', {}, el('thead', {}, el('tr', {}, ['Kind', 'Volume', 'Of', 'Started', 'State', 'Progress', 'Result'].map(h => el('th', {}, h)))), rows),
      el('p', { class: 'error', id: 'page-error', role: 'alert' }));
  every(POLL_MS, async () => {
    try {
      const jobs = await api('GET', '/jobs');
      rows.replaceChildren(...jobs.reverse().map(j => el('tr', {}, el('td', {}, j.kind), el('td', {}, j.volume), el('td', {}, j.subject),
          el('td', {}, new Date(j.started).toLocaleString()), el('td', {}, j.state),
          el('td', {}, el('progress', { max: '1', value: String(j.progress) })), el('td', {}, j.result))));
    } catch (error) { report(error); }
  });
}

/** A read-only table of rows, each a list of cells, under a heading. */
function table(headings, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, headings.map(h => el('th', {}, h)))),
      el('tbody', {}, rows.map(cells => el('tr', {}, cells.map(c => el('td', {}, c))))));
}

async function accessPage() {
  const body = el('div');
  page('Access', body, el('p', { class: 'hint' }, 'CHAP, ACLs and write protection are set in the config file'
      + ' (docs/ACCESS.md) and take effect at a restart; secrets are never shown.'), el('p', { class: 'error', id: 'page-error', role: 'alert' }));
  try {
    const access = await api('GET', '/access');
    const sessions = await api('GET', '/sessions');
    body.replaceChildren(el('h2', {}, 'Settings'),
        table(['Key', 'Value'], Object.entries(access.settings)),
        el('h2', {}, 'Targets'), table(['Target', 'Write-protected'], access.targets.map(t => [t.target, t.read_only ? 'yes' : 'no'])),
        el('h2', {}, 'Sessions'), table(['Target', 'Initiator', 'From', 'Since', 'Digests'], sessions.map(s =>
            [s.target, s.initiator_name, s.address, new Date(s.since).toLocaleString(),
              (s.header_digest ? 'header ' : '') + (s.data_digest ? 'data' : '') || 'none'])));
  } catch (error) { report(error); }
}

async function clusterPage() {
  const body = el('div');
  page('Cluster', body, el('p', { class: 'error', id: 'page-error', role: 'alert' }));
  every(5000, async () => {
    try {
      const cluster = await api('GET', '/cluster');
      if (!cluster.node) {
        body.replaceChildren(el('p', {}, 'A single node: no cluster-zookeeper in the config (docs/CLUSTER.md).'));
        return;
      }
      body.replaceChildren(el('p', {}, 'This node: ' + cluster.node + ', ZooKeeper ' + cluster.zookeeper),
          el('h2', {}, 'Nodes'), table(['Node', 'Portal'], Object.entries(cluster.members)),
          el('h2', {}, 'Volumes'), table(['Volume', 'Lock held by', 'Active (ALUA optimized) node', 'Handovers here'],
              cluster.volumes.map(v => [v.volume, v.holder || 'nobody yet', v.active_node || 'none yet', v.handovers])));
    } catch (error) { report(error); }
  });
}

// ---- sign-in and routing

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '';
  location.reload();
}

function route() {
  timers.forEach(clearInterval);
  timers = [];
  const hash = location.hash || '#/overview';
  const volume = hash.match(/^#\/volume\/([a-z0-9-]+)$/);
  if (volume) volumePage(volume[1]);
  else if (hash === '#/schedules') schedulesPage();
  else if (hash === '#/jobs') jobsPage();
  else if (hash === '#/access') accessPage();
  else if (hash === '#/cluster') clusterPage();
  else overview();
  every(5000, refreshAlerts);
}

function start() {
  document.getElementById('sign-out').addEventListener('click', signOut);
  document.getElementById('sign-in-form').addEventListener('submit', async event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    try {
      await api('GET', '/status');
      enter();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      document.getElementById('sign-in-error').textContent = error.message;
    }
  });
  if (sessionStorage.getItem(TOKEN_KEY)) enter();
}

function enter() {
  document.getElementById('nav').hidden = false;
  window.addEventListener('hashchange', route);
  route();
}

start();
