// Pier dashboard: reads the API of the same origin once a second and redraws what changed.
// Tables are rebuilt only when the configuration (or the filter) changes; the request and 5xx
// rates, computed from the deltas of /api/x-pier/stats, are written into their cells in place.
// Everything is built with DOM nodes and textContent: names and rules are never parsed as HTML.
'use strict';

(function () {
  const POLL_MS = 1000;
  const API = '../api/';
  const CONFIG_PATHS = {
    entrypoints: 'entrypoints',
    routers: 'http/routers',
    services: 'http/services',
    middlewares: 'http/middlewares',
    tcpRouters: 'tcp/routers',
  };

  const state = {
    config: null,        // latest documents, by key of CONFIG_PATHS
    configText: '',      // their JSON, to notice a change
    prevStats: null,     // {at: ms, routers: {...}} of the previous poll
    rates: {},           // router name -> {req, err} per second
    rateCells: new Map(), // router name -> {req: td, err: td}
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function getJson(path) {
    const resp = await fetch(API + path, {cache: 'no-store', headers: {Accept: 'application/json'}});
    if (!resp.ok) throw new Error(path + ': HTTP ' + resp.status);
    return resp.json();
  }

  // ---- filtering ---------------------------------------------------------------------------

  function filterState() {
    return {
      text: $('search').value.trim().toLowerCase(),
      status: $('status').value,
      internal: $('internal').checked,
    };
  }

  function isInternal(obj) {
    return obj.provider === 'internal';
  }

  // Every string a person may search for in an object: name, rule, service, errors, ...
  function haystack(obj) {
    const parts = [];
    const walk = (v) => {
      if (typeof v === 'string') parts.push(v);
      else if (typeof v === 'number') parts.push(String(v));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => { parts.push(k); walk(x); });
    };
    walk(obj);
    return parts.join('\n').toLowerCase();
  }

  function matches(obj, f) {
    if (!f.internal && isInternal(obj)) return false;
    if (f.status && (obj.status || 'enabled') !== f.status) return false;
    if (f.text) {
      for (const word of f.text.split(/\s+/)) {
        if (!haystack(obj).includes(word)) return false;
      }
    }
    return true;
  }

  function saveFilterInHash() {
    const f = filterState();
    const params = new URLSearchParams();
    if (f.text) params.set('q', $('search').value.trim());
    if (f.status) params.set('status', f.status);
    if (f.internal) params.set('internal', '1');
    const hash = params.toString();
    history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
  }

  function loadFilterFromHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    $('search').value = params.get('q') || '';
    const status = params.get('status') || '';
    if (['', 'enabled', 'warning', 'disabled'].includes(status)) $('status').value = status;
    $('internal').checked = params.get('internal') === '1';
  }

  // ---- cells -------------------------------------------------------------------------------

  function statusCell(status) {
    const s = status || 'enabled';
    return el('td', {}, el('span', {class: 'badge ' + s, text: s}));
  }

  function nameCell(obj) {
    const td = el('td', {class: 'name'});
    td.append(el('span', {class: 'object-name', text: obj.name}));
    if (obj.provider) td.append(el('span', {class: 'provider', text: obj.provider}));
    const errors = Array.isArray(obj.error) ? obj.error : obj.error ? [obj.error] : [];
    for (const e of errors) td.append(el('div', {class: 'error', text: e}));
    return td;
  }

  function listCell(items, cls) {
    const td = el('td', {class: cls || ''});
    (items || []).forEach((x) => td.append(el('span', {class: 'chip', text: x})));
    return td;
  }

  function tlsText(tls) {
    if (!tls) return '';
    const parts = ['TLS'];
    if (tls.passthrough) parts.push('passthrough');
    if (tls.options) parts.push('options: ' + tls.options);
    if (tls.certResolver) parts.push('resolver: ' + tls.certResolver);
    return parts.join(', ');
  }

  function formatRate(v) {
    if (v === undefined) return '–';
    if (v === 0) return '0';
    if (v < 10) return v.toFixed(1);
    return Math.round(v).toString();
  }

  // ---- tables ------------------------------------------------------------------------------

  function fillTable(id, objects, f, rowOf) {
    const table = $(id);
    const body = table.tBodies[0];
    const shown = objects.filter((o) => matches(o, f)).sort((a, b) => a.name.localeCompare(b.name));
    body.replaceChildren(...shown.map(rowOf));
    const section = table.parentElement;
    section.querySelector('.empty').hidden = shown.length > 0;
    table.hidden = shown.length === 0;
    const total = objects.filter((o) => f.internal || !isInternal(o)).length;
    $(id + '-count').textContent = shown.length === total ? String(total) : shown.length + ' of ' + total;
    return shown.length;
  }

  function routerRow(r) {
    const req = el('td', {class: 'num rate', 'data-kind': 'req'});
    const err = el('td', {class: 'num rate', 'data-kind': 'err'});
    state.rateCells.set(r.name, {req, err});
    return el('tr', {'data-name': r.name, 'data-status': r.status || 'enabled'},
      statusCell(r.status),
      nameCell(r),
      el('td', {class: 'rule', text: r.rule || ''}),
      listCell(r.entryPoints),
      el('td', {text: tlsText(r.tls)}),
      listCell(r.middlewares),
      el('td', {class: 'service', text: r.service || ''}),
      req, err);
  }

  function tcpRouterRow(r) {
    return el('tr', {'data-name': r.name, 'data-status': r.status || 'enabled'},
      statusCell(r.status),
      nameCell(r),
      el('td', {class: 'rule', text: r.rule || ''}),
      listCell(r.entryPoints),
      el('td', {text: tlsText(r.tls)}),
      el('td', {class: 'service', text: r.service || ''}));
  }

  function serviceType(s) {
    if (s.type) return s.type;
    for (const t of ['loadBalancer', 'weighted', 'mirroring', 'failover']) if (s[t]) return t.toLowerCase();
    return '';
  }

  function serversCell(s) {
    const td = el('td', {class: 'servers'});
    const servers = (s.loadBalancer && s.loadBalancer.servers) || [];
    const status = s.serverStatus || {};
    for (const server of servers) {
      const key = server.url || server.address;
      const health = status[key];
      const line = el('div', {class: 'server'}, el('span', {text: key}));
      if (health) line.append(el('span', {class: 'badge ' + (health === 'UP' ? 'enabled' : 'disabled'), text: health}));
      if (server.weight !== undefined) line.append(el('span', {class: 'muted', text: ' weight ' + server.weight}));
      td.append(line);
    }
    const refs = (s.weighted && s.weighted.services) || [];
    for (const ref of refs) td.append(el('div', {class: 'server', text: ref.name + (ref.weight !== undefined ? ' ×' + ref.weight : '')}));
    if (s.failover) td.append(el('div', {class: 'server', text: s.failover.service + ' → ' + s.failover.fallback}));
    if (s.mirroring) td.append(el('div', {class: 'server', text: s.mirroring.service + ' (mirrored)'}));
    return td;
  }

  function serviceRow(s) {
    return el('tr', {'data-name': s.name, 'data-status': s.status || 'enabled'},
      statusCell(s.status),
      nameCell(s),
      el('td', {text: serviceType(s)}),
      serversCell(s),
      listCell(s.usedBy));
  }

  function middlewareRow(m, usedBy) {
    return el('tr', {'data-name': m.name, 'data-status': m.status || 'enabled'},
      statusCell(m.status),
      nameCell(m),
      el('td', {text: m.type || ''}),
      listCell(usedBy[m.name]));
  }

  function renderEntryPoints(eps) {
    const box = $('entrypoints');
    box.replaceChildren(...(eps || []).map((e) =>
      el('span', {class: 'chip entrypoint', 'data-name': e.name},
        el('strong', {text: e.name}), ' ' + (e.address || ''))));
  }

  function render() {
    const c = state.config;
    if (!c) return;
    const f = filterState();
    renderEntryPoints(c.entrypoints);
    state.rateCells = new Map();
    const usedBy = {};
    for (const r of c.routers) {
      const provider = r.provider ? '@' + r.provider : '';
      for (const m of r.middlewares || []) {
        const full = m.includes('@') ? m : m + provider;
        (usedBy[full] = usedBy[full] || []).push(r.name);
      }
    }
    fillTable('routers', c.routers, f, routerRow);
    fillTable('tcp-routers', c.tcpRouters, f, tcpRouterRow);
    fillTable('services', c.services, f, serviceRow);
    fillTable('middlewares', c.middlewares, f, (m) => middlewareRow(m, usedBy));
    const all = [...c.routers, ...c.tcpRouters, ...c.services, ...c.middlewares];
    const bad = all.filter((o) => o.status === 'disabled').length;
    const warn = all.filter((o) => o.status === 'warning').length;
    $('summary').textContent = (bad ? bad + ' disabled' : 'no errors') + (warn ? ', ' + warn + ' with warnings' : '');
    $('summary').className = bad ? 'bad' : 'muted';
    paintRates();
  }

  function paintRates() {
    for (const [name, cells] of state.rateCells) {
      const r = state.rates[name];
      cells.req.textContent = formatRate(r && r.req);
      cells.err.textContent = formatRate(r && r.err);
      cells.req.dataset.value = r ? String(r.req) : '';
      cells.err.dataset.value = r ? String(r.err) : '';
      cells.err.classList.toggle('bad', !!(r && r.err > 0));
    }
  }

  // ---- polling -----------------------------------------------------------------------------

  function updateRates(stats, at) {
    const prev = state.prevStats;
    state.prevStats = {at, routers: stats.routers || {}};
    if (!prev) return;
    const dt = (at - prev.at) / 1000;
    if (dt <= 0) return;
    const rates = {};
    for (const [name, now] of Object.entries(stats.routers || {})) {
      const before = prev.routers[name] || {requests: 0, errors: 0};
      rates[name] = {
        req: Math.max(0, now.requests - before.requests) / dt,
        err: Math.max(0, now.errors - before.errors) / dt,
      };
    }
    state.rates = rates;
  }

  function showProblem(text) {
    const box = $('problem');
    box.hidden = !text;
    box.textContent = text || '';
    const live = $('live');
    live.textContent = text ? 'not updating' : 'live · ' + new Date().toLocaleTimeString();
    live.classList.toggle('stale', !!text);
  }

  async function poll() {
    const started = performance.now();
    try {
      const keys = Object.keys(CONFIG_PATHS);
      const [stats, ...docs] = await Promise.all([
        getJson('x-pier/stats'), ...keys.map((k) => getJson(CONFIG_PATHS[k]))]);
      const config = {};
      keys.forEach((k, i) => { config[k] = Array.isArray(docs[i]) ? docs[i] : []; });
      updateRates(stats, performance.now());
      const text = JSON.stringify(config);
      if (text !== state.configText) {
        state.config = config;
        state.configText = text;
        render();
      } else {
        paintRates();
      }
      showProblem('');
    } catch (e) {
      showProblem('Cannot read the API (' + e.message + '); retrying every second.');
    }
    setTimeout(poll, Math.max(0, POLL_MS - (performance.now() - started)));
  }

  async function loadVersion() {
    try {
      const v = await getJson('version');
      $('version').textContent = v.Version ? 'v' + v.Version : '';
    } catch (e) {
      // The version is decoration; the poll reports an unreachable API.
    }
  }

  function onFilter() {
    saveFilterInHash();
    render();
  }

  function start() {
    loadFilterFromHash();
    $('search').addEventListener('input', onFilter);
    $('status').addEventListener('change', onFilter);
    $('internal').addEventListener('change', onFilter);
    window.addEventListener('hashchange', () => { loadFilterFromHash(); render(); });
    loadVersion();
    poll();
  }

  start();
})();
