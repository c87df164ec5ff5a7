// CohortSync status page: plain JavaScript, no library, no network but this site's own API.
// Every figure comes from the JSON API with the API key the page asks for; the key is kept in sessionStorage (this tab,
// this session) and sent only in the x-functions-key header to this origin. Text from the API is set with textContent,
// never as HTML, and anything shaped like an email is masked before it is shown.
(function () {
  'use strict';

  var KEY = 'cohortsync.apiKey';
  var SVG = 'http://www.w3.org/2000/svg';
  var TERMINAL = ['Completed', 'CompletedWithRejections', 'PartlyFailed', 'DryRunCompleted', 'Rejected', 'Failed'];
  var STATUS_LABELS = {
    Pending: 'Pending', Sending: 'Sending', AwaitingApproval: 'Awaiting approval', Completed: 'Completed',
    CompletedWithRejections: 'Completed with rejections', PartlyFailed: 'Partly failed', DryRunCompleted: 'Dry run completed',
    Rejected: 'Rejected', Failed: 'Failed'
  };
  var STATUS_TONES = {
    Pending: 'info', Sending: 'info', AwaitingApproval: 'warn', Completed: 'ok', CompletedWithRejections: 'warn',
    PartlyFailed: 'warn', DryRunCompleted: 'ok', Rejected: 'bad', Failed: 'bad'
  };
  var MODE_LABELS = { Incremental: 'Incremental', Full: 'Full', DryRun: 'Dry run' };
  var METRICS = [
    { key: 'added', title: 'Added' },
    { key: 'removed', title: 'Removed' },
    { key: 'updated', title: 'Updated' },
    { key: 'unmatched', title: 'Unmatched' },
    { key: 'rejected', title: 'Rejected' },
    { key: 'failed', title: 'Failed' }
  ];

  var base = document.body.getAttribute('data-base') || '/api/status';
  var apiBase = base.replace(/\/status$/, '');
  var main = document.getElementById('main');
  var announcer = document.getElementById('announcer');
  var forget = document.getElementById('forget-key');
  var timer = null;

  // ---- small DOM helpers ------------------------------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function sv(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) { return; }
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === 'text') { node.textContent = String(value); } else if (name.indexOf('on') === 0) { node.addEventListener(name.slice(2), value); } else { node.setAttribute(name, value === true ? '' : String(value)); }
    });
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }

  function show() {
    var fragment = document.createDocumentFragment();
    append(fragment, Array.prototype.slice.call(arguments));
    main.replaceChildren(fragment);
  }

  function announce(text) { announcer.textContent = text; }

  // ---- formatting -------------------------------------------------------------------------------------------------

  // Masks anything shaped like an email address: the page never shows one in clear.
  function redact(text) {
    return String(text === null || text === undefined ? '' : text).replace(/[^\s@<>"']+@[^\s@<>"']+/g, '•••@•••');
  }

  function fmtTime(iso) {
    if (!iso) { return '—'; }
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return '—'; }
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function timeEl(iso) {
    return iso ? el('time', { datetime: iso, text: fmtTime(iso) }) : el('span', { class: 'muted', text: '—' });
  }

  function fmtInt(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'); }

  function fmtRate(rate) { return rate === null ? '—' : (rate * 100).toFixed(1) + '%'; }

  function badge(status) {
    if (!status) { return el('span', { class: 'badge none', text: 'No run yet' }); }
    return el('span', { class: 'badge ' + (STATUS_TONES[status] || 'none'), 'data-status': status, text: STATUS_LABELS[status] || status });
  }

  function enc(s) { return encodeURIComponent(s); }

  function isTerminal(status) { return TERMINAL.indexOf(status) >= 0; }

  // ---- the API ----------------------------------------------------------------------------------------------------

  function NeedKey(message) { this.message = message || ''; }

  function ApiError(status, message) { this.status = status; this.message = message; }

  function api(method, path) {
    var key = sessionStorage.getItem(KEY);
    if (!key) { return Promise.reject(new NeedKey()); }
    return fetch(apiBase + '/' + path, {
      method: method,
      headers: { 'x-functions-key': key, 'Accept': 'application/json' },
      cache: 'no-store',
      credentials: 'same-origin'
    }).then(function (response) {
      if (response.status === 401) {
        sessionStorage.removeItem(KEY);
        throw new NeedKey('The API refused that key. Enter it again.');
      }
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!response.ok) {
          var detail = body && (body.detail || body.title) ? (body.detail || body.title) : 'HTTP ' + response.status;
          if (body && body.errors) {
            detail += ': ' + Object.keys(body.errors).map(function (k) { return k + ' ' + body.errors[k].join(', '); }).join('; ');
          }
          throw new ApiError(response.status, redact(detail));
        }
        return body;
      });
    });
  }

  function get(path) { return api('GET', path); }

  // ---- the key ----------------------------------------------------------------------------------------------------

  function keyForm(message) {
    forget.hidden = true;
    var input = el('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'key-help' });
    var form = el('form', {
      class: 'key',
      onsubmit: function (event) {
        event.preventDefault();
        var value = input.value.trim();
        if (!value) { input.focus(); return; }
        sessionStorage.setItem(KEY, value);
        input.value = '';
        render();
      }
    },
    el('label', { for: 'api-key', text: 'API key' }),
    input,
    el('button', { type: 'submit', text: 'Open the status page' }));
    show(
      el('h1', { text: 'Sign in with the API key' }),
      el('p', { id: 'key-help', class: 'muted', text: 'The page reads the CohortSync API with its key (the function key in Azure, the Api:Key setting of cohortsync serve). It stays in this tab only (session storage) and is sent only to this site\'s API.' }),
      message ? el('p', { class: 'error', role: 'alert', text: message }) : null,
      form);
    input.focus();
  }

  forget.addEventListener('click', function () {
    sessionStorage.removeItem(KEY);
    if (timer) { clearTimeout(timer); }
    keyForm('The key is forgotten.');
  });

  // ---- charts (SVG, drawn here) -----------------------------------------------------------------------------------

  var W = 320;
  var H = 150;
  var PAD = { left: 40, right: 8, top: 10, bottom: 24 };

  function axes(svg, max, format) {
    var innerH = H - PAD.top - PAD.bottom;
    [0, 0.5, 1].forEach(function (f) {
      var y = PAD.top + innerH * (1 - f);
      svg.appendChild(sv('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }));
      svg.appendChild(sv('text', { x: PAD.left - 4, y: y + 3, 'text-anchor': 'end', text: format(max * f) }));
    });
  }

  function runTicks(svg, points, xOf) {
    if (!points.length) { return; }
    var first = points[0];
    var last = points[points.length - 1];
    svg.appendChild(sv('text', { x: xOf(0), y: H - 6, 'text-anchor': 'start', text: first.label }));
    if (points.length > 1) { svg.appendChild(sv('text', { x: xOf(points.length - 1), y: H - 6, 'text-anchor': 'end', text: last.label })); }
  }

  // The top of a count axis: a round number at least n whose half is a whole number too.
  function niceMax(n) {
    if (n <= 2) { return 2; }
    var p = Math.pow(10, Math.floor(Math.log10(n)));
    var steps = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) {
      var top = steps[i] * p;
      if (top >= n && top % 2 === 0) { return top; }
    }
    return 20 * p;
  }

  function barChart(metric, title, points) {
    var values = points.map(function (p) { return p[metric]; });
    var max = niceMax(Math.max.apply(null, [0].concat(values)));
    var innerW = W - PAD.left - PAD.right;
    var innerH = H - PAD.top - PAD.bottom;
    var slot = innerW / Math.max(points.length, 1);
    var width = Math.max(2, Math.min(28, slot * 0.7));
    var id = 'chart-' + metric;
    var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': id + '-title', 'data-chart': metric, focusable: 'false' },
      sv('title', { id: id + '-title', text: title + ' per run, oldest first: ' + (values.length ? values.map(fmtInt).join(', ') : 'no runs') }));
    axes(svg, max, function (v) { return fmtInt(Math.round(v)); });
    points.forEach(function (p, i) {
      var h = innerH * (p[metric] / max);
      var x = PAD.left + slot * i + (slot - width) / 2;
      svg.appendChild(sv('rect', {
        class: 'bar ' + metric, x: x.toFixed(1), y: (PAD.top + innerH - h).toFixed(1), width: width.toFixed(1), height: Math.max(h, 0).toFixed(1),
        'data-metric': metric, 'data-run-id': p.runId, 'data-value': p[metric]
      }, sv('title', { text: p.label + ': ' + fmtInt(p[metric]) })));
    });
    runTicks(svg, points, function (i) { return PAD.left + slot * i; });
    var latest = points.length ? points[points.length - 1][metric] : null;
    return el('figure', { class: 'chart' },
      el('figcaption', null, el('h3', { text: title }), el('span', { class: 'muted', text: latest === null ? '' : 'last run: ' + fmtInt(latest) })),
      svg);
  }

  function rateChart(points) {
    var rated = points.filter(function (p) { return p.matchRate !== null; });
    var innerW = W - PAD.left - PAD.right;
    var innerH = H - PAD.top - PAD.bottom;
    var step = rated.length > 1 ? innerW / (rated.length - 1) : 0;
    var xOf = function (i) { return PAD.left + (rated.length > 1 ? step * i : innerW / 2); };
    var yOf = function (r) { return PAD.top + innerH * (1 - r); };
    var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'chart-match-title', 'data-chart': 'matchRate', focusable: 'false' },
      sv('title', { id: 'chart-match-title', text: 'Match rate (matched members of all members) per run, oldest first: ' + (rated.length ? rated.map(function (p) { return fmtRate(p.matchRate); }).join(', ') : 'no runs') }));
    axes(svg, 1, function (v) { return Math.round(v * 100) + '%'; });
    if (rated.length > 1) {
      svg.appendChild(sv('polyline', { class: 'line', points: rated.map(function (p, i) { return xOf(i).toFixed(1) + ',' + yOf(p.matchRate).toFixed(1); }).join(' ') }));
    }
    rated.forEach(function (p, i) {
      svg.appendChild(sv('circle', {
        class: 'point', cx: xOf(i).toFixed(1), cy: yOf(p.matchRate).toFixed(1), r: 4,
        'data-metric': 'matchRate', 'data-run-id': p.runId, 'data-value': p.matchRate, 'data-matched': p.matched, 'data-members': p.members
      }, sv('title', { text: p.label + ': ' + fmtRate(p.matchRate) + ' (' + fmtInt(p.matched) + ' of ' + fmtInt(p.members) + ')' })));
    });
    runTicks(svg, rated, xOf);
    var latest = rated.length ? rated[rated.length - 1].matchRate : null;
    return el('figure', { class: 'chart' },
      el('figcaption', null, el('h3', { text: 'Match rate' }), el('span', { class: 'muted', text: latest === null ? '' : 'last run: ' + fmtRate(latest) })),
      svg);
  }

  function reasonTable(title, reasons, kind) {
    var entries = Object.keys(reasons || {}).map(function (k) { return [k, reasons[k]]; }).sort(function (a, b) { return b[1] - a[1]; });
    var max = entries.length ? entries[0][1] : 1;
    var table = el('table', { 'data-reasons': kind },
      el('caption', { text: title }),
      el('thead', null, el('tr', null, el('th', { scope: 'col', text: 'Reason' }), el('th', { scope: 'col', class: 'num', text: 'Members' }), el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: 'Share' })))),
      el('tbody', null, entries.length ? entries.map(function (e) {
        return el('tr', { 'data-reason': redact(e[0]), 'data-count': e[1] },
          el('td', { text: redact(e[0]) }),
          el('td', { class: 'num', text: fmtInt(e[1]) }),
          el('td', null, sv('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' },
            sv('rect', { class: 'bar reason', x: 0, y: 0, height: 10, width: (100 * e[1] / max).toFixed(1) }))));
      }) : el('tr', null, el('td', { colspan: 3, class: 'muted', text: 'None' }))));
    return table;
  }

  // ---- run figures ------------------------------------------------------------------------------------------------

  // The per-run counts the charts and tables show, from a run record of the API.
  function figures(run) {
    var plan = run.plan || {};
    var outcome = run.outcome || {};
    var members = plan.members || 0;
    var unmatched = plan.unmatched || 0;
    return {
      runId: run.runId,
      label: fmtTime(run.createdAt).slice(5, 16),
      added: plan.adds || 0,
      removed: plan.removes || 0,
      updated: plan.updates || 0,
      unmatched: unmatched,
      rejected: outcome.rejected || 0,
      failed: outcome.failed || 0,
      members: members,
      matched: members - unmatched,
      matchRate: run.plan && members > 0 ? (members - unmatched) / members : null
    };
  }

  // ---- actions ----------------------------------------------------------------------------------------------------

  function act(button, method, path, done) {
    return function () {
      button.disabled = true;
      var status = document.getElementById('action-status');
      if (status) { status.textContent = ''; }
      api(method, path).then(done, function (error) {
        button.disabled = false;
        if (error instanceof NeedKey) { keyForm(error.message); return; }
        if (status) { status.textContent = error.message || 'The request failed.'; status.hidden = false; }
        announce(error.message || 'The request failed.');
      });
    };
  }

  function startButtons(syncId) {
    var modes = [
      { mode: 'incremental', text: 'Start an incremental run', cls: null },
      { mode: 'full', text: 'Start a full run', cls: 'secondary' },
      { mode: 'dryrun', text: 'Dry run', cls: 'secondary' }
    ];
    return el('div', { class: 'actions' }, modes.map(function (m) {
      var button = el('button', { type: 'button', class: m.cls, 'data-mode': m.mode, text: m.text });
      button.addEventListener('click', act(button, 'POST', 'syncs/' + enc(syncId) + '/runs?mode=' + m.mode, function (view) {
        location.assign(base + '/runs/' + enc(view.runId));
      }));
      return button;
    }));
  }

  function decisionButtons(runId, after) {
    var approve = el('button', { type: 'button', 'data-action': 'approve', text: 'Approve and send' });
    var reject = el('button', { type: 'button', class: 'danger', 'data-action': 'reject', text: 'Reject' });
    approve.addEventListener('click', act(approve, 'POST', 'runs/' + enc(runId) + '/approve', after));
    reject.addEventListener('click', act(reject, 'POST', 'runs/' + enc(runId) + '/reject', after));
    return el('div', { class: 'actions' }, approve, reject);
  }

  function heldPanel(run, after) {
    var plan = run.plan || {};
    return el('section', { class: 'held', 'aria-labelledby': 'held-title', 'data-held-run': run.runId },
      el('h2', { id: 'held-title', text: 'A run waits for approval' }),
      el('p', { text: 'The removal guardrail holds run ' + run.runId + ': it would remove ' + fmtInt(plan.removes) + ' of ' + fmtInt(plan.baseline) + ' members. Nothing is sent until someone approves it.' }),
      decisionButtons(run.runId, after));
  }

  function actionStatus() { return el('p', { id: 'action-status', class: 'error', role: 'alert', hidden: true }); }

  // ---- pages ------------------------------------------------------------------------------------------------------

  // A cell of a table that turns into labelled lines at a phone's width (the label comes from data-label).
  function cell(label, attrs, content) {
    var td = el('td', Object.assign({ 'data-label': label }, attrs || {}));
    td.appendChild(el('div', { class: 'cell' }, Array.prototype.slice.call(arguments, 2)));
    return td;
  }

  function listPage() {
    return get('overview').then(function (rows) {
      document.title = 'Syncs · CohortSync status';
      var body = rows.map(function (s) {
        var last = s.lastRun;
        return el('tr', { 'data-sync-id': s.syncId },
          cell('Sync', null, el('a', { href: base + '/syncs/' + enc(s.syncId), text: s.name }), el('div', { class: 'muted', text: s.syncId })),
          cell('Destination', null, el('span', { text: s.destinationName || s.destinationId }), el('div', { class: 'muted', text: s.destinationType || 'missing' })),
          cell('Cadence', { 'data-cadence': s.cadence }, s.cadence + (s.enabled ? '' : ' (disabled)')),
          cell('Last run', { 'data-last-run': last ? last.runId : '' },
            badge(last ? last.status : null), ' ', last ? timeEl(last.finishedAt) : null,
            s.activeRunId ? el('div', null, el('a', { href: base + '/runs/' + enc(s.activeRunId), text: 'run under way' }), ' ', badge(s.activeRunStatus)) : null),
          cell('Next due', { 'data-next-due': s.nextDue || '' }, s.nextDue ? [timeEl(s.nextDue), new Date(s.nextDue) <= new Date() ? el('span', { class: 'muted', text: ' (due now)' }) : null] : el('span', { class: 'muted', text: s.enabled ? 'on demand' : 'disabled' })),
          cell('Baseline', { class: 'num', 'data-baseline': s.baselineSize === undefined || s.baselineSize === null ? '' : s.baselineSize }, fmtInt(s.baselineSize)));
      });
      show(
        el('h1', { text: 'Syncs' }),
        el('p', { class: 'sub', text: rows.length + (rows.length === 1 ? ' sync' : ' syncs') + '. Times are UTC.' }),
        rows.length ? el('table', { class: 'stack', id: 'syncs' },
          el('caption', { class: 'visually-hidden', text: 'Every sync with its destination, cadence, last run, next due slot and baseline size' }),
          el('thead', null, el('tr', null, ['Sync', 'Destination', 'Cadence', 'Last run', 'Next due', 'Baseline'].map(function (t) {
            return el('th', { scope: 'col', class: t === 'Baseline' ? 'num' : null, text: t });
          }))),
          el('tbody', null, body)) : el('p', { text: 'No syncs yet: create one through the API or cohortsync apply.' }));
    });
  }

  function syncPage(id) {
    return Promise.all([get('syncs/' + enc(id)), get('syncs/' + enc(id) + '/runs?max=50'), get('syncs/' + enc(id) + '/status')]).then(function (all) {
      var sync = all[0];
      var runs = all[1];
      var state = all[2];
      document.title = sync.name + ' · CohortSync status';
      var charted = runs.filter(function (r) { return r.plan && r.mode !== 'DryRun'; }).slice().reverse().map(figures);
      var held = runs.filter(function (r) { return r.status === 'AwaitingApproval'; })[0];
      var latest = runs.filter(function (r) { return r.plan && r.mode !== 'DryRun'; })[0];
      var refresh = function () { render(); };
      var history = el('table', { id: 'runs' },
        el('caption', { text: 'Runs, newest first (at most 50)' }),
        el('thead', null, el('tr', null,
          el('th', { scope: 'col', text: 'Run (started)' }), el('th', { scope: 'col', text: 'Mode' }), el('th', { scope: 'col', text: 'Status' }),
          METRICS.map(function (m) { return el('th', { scope: 'col', class: 'num', text: m.title }); }),
          el('th', { scope: 'col', class: 'num', text: 'Match rate' }))),
        el('tbody', null, runs.map(function (r) {
          var f = figures(r);
          return el('tr', { 'data-run-id': r.runId },
            el('td', null, el('a', { href: base + '/runs/' + enc(r.runId) }, timeEl(r.createdAt),
              el('span', { class: 'muted small block', text: r.runId.indexOf(r.syncId + '.') === 0 ? r.runId.slice(r.syncId.length + 1) : r.runId }))),
            el('td', { text: (MODE_LABELS[r.mode] || r.mode) + (r.trigger === 'schedule' ? ' (scheduled)' : '') }),
            el('td', null, badge(r.status)),
            METRICS.map(function (m) { return el('td', { class: 'num', text: r.plan ? fmtInt(f[m.key]) : '—' }); }),
            el('td', { class: 'num', text: fmtRate(f.matchRate) }));
        })));
      show(
        el('p', null, el('a', { href: base, text: '← All syncs' })),
        el('h1', { text: sync.name }),
        el('p', { class: 'sub', text: sync.id + ' · to ' + sync.destinationId + ' · cadence ' + sync.cadence + (sync.enabled === false ? ' (disabled)' : '') }),
        held ? heldPanel(held, refresh) : null,
        state.activeRunId && !held ? el('p', null, 'A run is under way: ', el('a', { href: base + '/runs/' + enc(state.activeRunId), text: state.activeRunId })) : null,
        el('section', { 'aria-labelledby': 'start-title' },
          el('h2', { id: 'start-title', text: 'Start a run' }),
          el('p', { class: 'muted', text: 'Incremental sends what changed since the baseline; full compares against an empty baseline and sends every member; a dry run plans and reports, and sends nothing.' }),
          startButtons(sync.id),
          actionStatus()),
        el('section', { 'aria-labelledby': 'charts-title' },
          el('h2', { id: 'charts-title', text: 'Runs over time' }),
          el('p', { class: 'muted', text: 'Per run that made a plan, oldest on the left (dry runs left out). The numbers are in the table below.' }),
          el('div', { class: 'charts' }, METRICS.map(function (m) { return barChart(m.key, m.title, charted); }), rateChart(charted))),
        el('section', { 'aria-labelledby': 'reasons-title' },
          el('h2', { id: 'reasons-title', text: 'Why members were left out' }),
          el('p', { class: 'muted', text: latest ? 'In the last run, ' + latest.runId + '.' : 'No run yet.' }),
          el('div', { class: 'reasons' },
            reasonTable('Rejected by the destination', latest && latest.outcome ? latest.outcome.rejectReasons : {}, 'rejected'),
            reasonTable('Unmatched or invalid (never sent)', latest && latest.plan ? latest.plan.skipReasons : {}, 'unmatched'))),
        el('section', { 'aria-labelledby': 'history-title' },
          el('h2', { id: 'history-title', text: 'Run history' }),
          el('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'history-title' }, history)));
    });
  }

  function report(run) {
    var plan = run.plan;
    var outcome = run.outcome;
    function item(label, value, name) { return el('div', { 'data-field': name }, el('dt', { text: label }), el('dd', { text: fmtInt(value) })); }
    var parts = [];
    if (plan) {
      parts.push(el('h2', { text: 'Plan' }), el('dl', { class: 'report', id: 'plan' },
        item('Members read', plan.members, 'members'), item('Matched', (plan.members || 0) - (plan.unmatched || 0), 'matched'),
        item('Unmatched', plan.unmatched, 'unmatched'), item('Invalid', plan.invalid, 'invalid'), item('Duplicates', plan.duplicates, 'duplicates'),
        item('Baseline before', plan.baseline, 'baseline'), item('To add', plan.adds, 'adds'), item('To remove', plan.removes, 'removes'),
        item('To update', plan.updates, 'updates'), item('Batches', plan.batchCount, 'batchCount')));
    }
    if (outcome) {
      parts.push(el('h2', { text: 'Outcome' }), el('dl', { class: 'report', id: 'outcome' },
        item('Accepted', outcome.accepted, 'accepted'), item('Rejected', outcome.rejected, 'rejected'), item('Failed', outcome.failed, 'failed'),
        item('Failed batches', outcome.failedBatches, 'failedBatches'), item('Skipped', outcome.skipped, 'skipped'),
        item('Baseline after', outcome.baselineAfter, 'baselineAfter'), item('Uncertain after', outcome.uncertainAfter, 'uncertainAfter'),
        outcome.dataPoints === undefined || outcome.dataPoints === null ? null : item('Data points', outcome.dataPoints, 'dataPoints')));
    }
    if (plan || outcome) {
      parts.push(el('div', { class: 'reasons' },
        reasonTable('Rejected by the destination', outcome ? outcome.rejectReasons : {}, 'rejected'),
        reasonTable('Unmatched or invalid (never sent)', plan ? plan.skipReasons : {}, 'unmatched'),
        outcome && outcome.skipped ? reasonTable('Skipped by the destination', outcome.skippedReasons, 'skipped') : null));
    }
    if (plan && plan.notes && plan.notes.length) {
      parts.push(el('h2', { text: 'Notes' }), el('ul', { class: 'notes' }, plan.notes.map(function (n) { return el('li', { text: redact(n) }); })));
    }
    return parts;
  }

  function runPage(runId) {
    return get('runs/' + enc(runId)).then(function (view) {
      var run = view.run;
      document.title = 'Run ' + run.runId + ' · CohortSync status';
      var settled = view.batchesSettled || 0;
      var count = view.batchCount || 0;
      var fingerprint = JSON.stringify(view);
      if (main.getAttribute('data-view') === fingerprint) { return schedule(run); }
      var previous = main.getAttribute('data-status');
      var refresh = function () { render(); };
      show(
        el('p', null, el('a', { href: base + '/syncs/' + enc(run.syncId), text: '← Sync ' + run.syncId })),
        el('h1', { text: 'Run ' + run.runId }),
        el('p', { class: 'sub' }, (MODE_LABELS[run.mode] || run.mode) + ', ' + (run.trigger === 'schedule' ? 'scheduled' : 'started by hand') + ' at ', timeEl(run.createdAt),
          run.finishedAt ? [', ended ', timeEl(run.finishedAt)] : null),
        el('p', null, 'Status: ', el('span', { id: 'run-status' }, badge(run.status))),
        run.status === 'AwaitingApproval' ? heldPanel(run, refresh) : null,
        actionStatus(),
        el('section', { 'aria-labelledby': 'progress-title', class: 'progress' },
          el('h2', { id: 'progress-title', text: 'Progress' }),
          el('progress', { id: 'run-progress', max: Math.max(count, 1), value: count ? settled : (isTerminal(run.status) ? 1 : 0), 'aria-labelledby': 'progress-text' }),
          el('p', { id: 'progress-text', 'data-settled': settled, 'data-count': count, text: settled + ' of ' + count + ' batches sent' + (run.mode === 'DryRun' ? ' (a dry run sends none)' : '') })),
        run.error ? el('p', { class: 'error', id: 'run-error', text: redact(run.error) }) : null,
        run.decision ? el('p', { id: 'run-decision', text: (run.decision.approved ? 'Approved' : 'Rejected') + (run.decision.by ? ' by ' + redact(run.decision.by) : '') + ' at ' + fmtTime(run.decision.at) + '.' }) : null,
        report(run));
      main.setAttribute('data-view', fingerprint);
      main.setAttribute('data-status', run.status);
      if (previous && previous !== run.status) { announce('Run status: ' + (STATUS_LABELS[run.status] || run.status)); }
      return schedule(run);
    });
  }

  // A run that can still change is read again: every second while it works, every few while it waits for a person.
  function schedule(run) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!isTerminal(run.status)) {
      timer = setTimeout(render, run.status === 'AwaitingApproval' ? 3000 : 1000);
    }
  }

  // ---- routing ----------------------------------------------------------------------------------------------------

  function render() {
    if (!sessionStorage.getItem(KEY)) { keyForm(); return; }
    forget.hidden = false;
    var rest = location.pathname.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent);
    var page;
    if (rest.length === 0) { page = listPage(); } else if (rest[0] === 'syncs' && rest.length === 2) { page = syncPage(rest[1]); } else if (rest[0] === 'runs' && rest.length === 2) { page = runPage(rest[1]); } else { page = Promise.reject(new ApiError(404, 'No such page.')); }
    page.catch(function (error) {
      if (error instanceof NeedKey) { keyForm(error.message); return; }
      var text = error instanceof ApiError ? error.message : 'Something went wrong: ' + redact(error && error.message);
      show(el('h1', { text: error && error.status === 404 ? 'Not found' : 'The page could not load' }), el('p', { class: 'error', role: 'alert', text: text }), el('p', null, el('a', { href: base, text: 'All syncs' })));
    });
  }

  render();
}());
