// app.js: the dashboard: polls the System API's JSON every second with the operator's bearer token
// (sessionStorage: gone when the tab closes), computes rates from counter deltas, draws small graphs.
'use strict';

const HISTORY = 120; // seconds kept per graph
const state = { prev: null, prevT: 0, hist: {}, sessPrev: new Map() };

function token() { return sessionStorage.getItem('mp_token') || ''; }

// A link may carry the token in its fragment (#token=...: never sent to the server); it is moved to
// sessionStorage and removed from the address bar at once.
(function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem('mp_token', decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
})();

async function get(path) {
  const h = {};
  if (token()) h.Authorization = 'Bearer ' + token();
  const r = await fetch(path, { headers: h, cache: 'no-store' });
  if (r.status === 401) throw Object.assign(new Error('token needed'), { auth: true });
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fill(id, rows) {
  const tb = document.querySelector('#' + id + ' tbody');
  tb.replaceChildren(...rows.map(cells => {
    const tr = el('tr');
    for (const c of cells) tr.append(c instanceof Node ? wrapTd(c) : el('td', c, typeof c === 'number' ? 'num' : ''));
    return tr;
  }));
}
function wrapTd(n) { if (n.tagName === 'TD') return n; const td = el('td'); td.append(n); return td; }

function fmt(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  if (n >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return Math.round(n * 10) / 10;
}

function push(key, v) {
  const h = state.hist[key] || (state.hist[key] = []);
  h.push(v);
  if (h.length > HISTORY) h.shift();
  return h;
}

function draw(canvas, values, color) {
  const ctx = canvas.getContext('2d'), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (!values.length) return;
  const max = Math.max(1, ...values);
  ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
  values.forEach((v, i) => {
    const x = w - (values.length - 1 - i) * (w / (HISTORY - 1)), y = h - 2 - (v / max) * (h - 4);
    i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
  });
  ctx.stroke();
}

function spark(key, v, color) {
  const c = el('canvas', undefined, 'spark');
  c.width = 120; c.height = 20;
  draw(c, push(key, v), color);
  return c;
}

function rate(now, prev, dt) { return prev === undefined || dt <= 0 ? 0 : Math.max(0, (now - prev) / dt); }

async function tick() {
  const t = performance.now() / 1000;
  let origins, streams, sessions, dp, conns;
  try {
    [origins, streams, sessions, dp, conns] = await Promise.all([
      get('/api/v1/origins?limit=200'), get('/api/v1/streams?limit=500'), get('/api/v1/sessions?limit=500'),
      get('/api/v1/dataplane'), get('/api/v1/connections')]);
  } catch (e) {
    const s = document.getElementById('status');
    s.textContent = e.auth ? 'the API needs its bearer token' : 'error: ' + e.message;
    s.className = 'status err';
    document.getElementById('login').hidden = !e.auth;
    return;
  }
  const dt = state.prevT ? t - state.prevT : 0, prev = state.prev || {};
  const status = document.getElementById('status');
  status.textContent = 'live · ' + new Date().toLocaleTimeString();
  status.className = 'status ok';
  document.getElementById('login').hidden = true;
  document.getElementById('logout').hidden = !token();

  // Totals and graphs.
  const d = dp.data || {}, tot = d.total || {}, ptot = (prev.dp && prev.dp.total) || {};
  const rx = rate(tot.rx_packets, ptot.rx_packets, dt), tx = rate(tot.tx_packets, ptot.tx_packets, dt);
  const drops = rate(tot.drops, ptot.drops, dt);
  for (const [k, v, c] of [['rx', rx, '#5fb3ff'], ['tx', tx, '#5fd38d'], ['drops', drops, '#ff6b6b'],
    ['sessions', sessions.active, '#f3c04b']]) {
    document.getElementById('v-' + k).textContent = fmt(v);
    draw(document.getElementById('g-' + k), push('g-' + k, v), c);
  }

  // Sessions: rates from each one's counters (keyed by kind and client address).
  const kinds = {}, perOrigin = {}, seen = new Map(), srows = [];
  for (const s of sessions.sessions || []) {
    kinds[s.kind] = (kinds[s.kind] || 0) + 1;
    perOrigin[s.origin_id] = (perOrigin[s.origin_id] || 0) + 1;
    const key = s.kind + ' ' + s.client + ' ' + s.nat_port, p = state.sessPrev.get(key);
    const pk = s.packets_c2o + s.packets_o2c, by = s.bytes_c2o + s.bytes_o2c;
    const pps = p ? rate(pk, p.pk, dt) : 0, kbps = p ? rate(by, p.by, dt) * 8 / 1000 : 0;
    seen.set(key, { pk, by });
    srows.push([s.kind, s.client, s.origin, fmt(pps), fmt(kbps), (s.idle_ms / 1000).toFixed(1) + 's',
      spark('s ' + key, pps, '#5fb3ff')]);
  }
  state.sessPrev = seen;
  document.getElementById('sess-kinds').textContent =
    (sessions.active || 0) + ' active · ' + Object.entries(kinds).map(([k, n]) => k + ' ' + n).join(' · ');
  fill('sessions', srows);

  // Origins, with their streams and sessions counted.
  const perStream = {};
  for (const s of streams.streams || []) perStream[s.origin] = (perStream[s.origin] || 0) + 1;
  fill('origins', (origins.origins || []).map(o => [o.key, o.ip,
    el('span', o.alive ? (o.draining ? 'drain' : 'yes') : 'no', o.alive ? (o.draining ? 'drain' : 'yes') : 'no'),
    o.load !== undefined ? fmt(o.load) : '–', o.weight !== undefined ? fmt(o.weight) : '–',
    perStream[o.key] || 0, perOrigin[o.id] || 0, (o.age_ms / 1000).toFixed(0) + 's',
    ['rtmp', 'http', 'api', 'srt', 'rtc'].filter(p => (o[p] || []).length).map(p => p + '=' + o[p].join(',')).join(' ')]));
  fill('streams', (streams.streams || []).map(s => [s.stream, s.origin || '(gone)']));

  // Ports and workers.
  const pports = new Map(((prev.dp && prev.dp.ports) || []).map(p => [p.port, p]));
  fill('ports', (d.ports || []).map(p => {
    const q = pports.get(p.port) || {}, r = rate(p.rx_packets, q.rx_packets, dt);
    return [p.port + ' ' + p.name, fmt(r), fmt(rate(p.tx_packets, q.tx_packets, dt)),
      fmt(rate(p.rx_missed, q.rx_missed, dt)), p.rx_errors + p.tx_errors, spark('p ' + p.port, r, '#5fb3ff')];
  }));
  const plc = new Map(((prev.dp && prev.dp.lcores) || []).map(l => [l.lcore, l]));
  fill('workers', (d.lcores || []).map(l => {
    const q = plc.get(l.lcore) || {}, r = rate(l.rx_packets, q.rx_packets, dt);
    return [l.lcore, fmt(r), fmt(rate(l.tx_packets, q.tx_packets, dt)), fmt(rate(l.drops, q.drops, dt)), l.drops,
      spark('w ' + l.lcore, r, '#5fd38d')];
  }));

  // Control plane.
  fill('conns', Object.entries(conns.listeners || {}).map(([n, g]) => [n, g.open, g.peak, g.accepted,
    g.refused_max + g.refused_per_ip, g.header_timeouts + g.idle_timeouts, g.max || '∞']));

  state.prev = { dp: d };
  state.prevT = t;
}

document.getElementById('login').addEventListener('submit', ev => {
  ev.preventDefault();
  sessionStorage.setItem('mp_token', document.getElementById('token').value.trim());
  document.getElementById('token').value = '';
  tick();
});
document.getElementById('logout').addEventListener('click', () => { sessionStorage.removeItem('mp_token'); tick(); });

let running = false;
async function loop() {
  if (!running) { running = true; try { await tick(); } finally { running = false; } }
}
loop();
setInterval(loop, 1000);
