// The researcher's live dashboard: asks for the admin token (kept in sessionStorage for this tab only),
// then polls GET /api/admin/live with `Authorization: Bearer <token>` and redraws the tables.

import { cellMatrix, formatInterval, formatPercent, sessionRows, storageLine, taskLabel } from './live-view.js';

const TOKEN_KEY = 'studyserver.admin_token';
const POLL_MS = 2000;

const $ = (selector) => document.querySelector(selector);

function readToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* the token lives only in memory then */ }
}

/** A table from a header row and body rows; a cell is a string or `{text, className}`. */
function fillTable(table, header, rows) {
  const line = (cells, tag) => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const el = document.createElement(tag);
      const value = cell && typeof cell === 'object' ? cell : { text: cell };
      el.textContent = value.text ?? '';
      if (value.className) el.className = value.className;
      if (value.title) el.title = value.title;
      tr.append(el);
    }
    return tr;
  };
  table.replaceChildren(line(header, 'th'), ...rows.map((r) => line(r, 'td')));
}

function render(live) {
  $('[data-part="title"]').textContent = `Study dashboard: ${live.study.title}`;
  document.title = `Dashboard: ${live.study.title}`;
  const taskName = (id) => taskLabel(live, id);
  const questions = $('[data-part="tasks"]');
  questions.replaceChildren(...live.tasks.map((t) => {
    const item = document.createElement('li');
    item.textContent = `${t.label}: “${t.question}”`;
    return item;
  }));
  const warnings = $('[data-part="warnings"]');
  warnings.replaceChildren(...(live.warnings ?? []).map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    return item;
  }));
  warnings.hidden = warnings.childElementCount === 0;

  fillTable($('[data-part="sessions"]'),
    ['Task', 'Planned', 'Active', 'Complete', 'Declined', 'Screen refused', 'Dropped out', 'Sequences handed out', 'Answers'],
    [...sessionRows(live).map((r) => [{ text: taskName(r.task), className: 'text' }, String(r.planned ?? '-'), String(r.active),
      String(r.complete), String(r.declined), String(r.screenRefused), String(r.droppedOut), `${r.handedOut} of ${r.sequences}`,
      String(r.answers)])]);

  $('[data-part="storage"]').textContent = storageLine(live.storage);

  const level = Math.round(live.interval.level * 100);
  $('[data-part="interval-note"]').textContent = `Primary ${level}% interval (${live.interval.method}, `
    + `bootstrap B = ${live.interval.bootstrap_samples}), after the study's exclusions. `
    + `${live.answers} answers recorded.`;
  fillTable($('[data-part="fool-rates"]'),
    ['Task', 'Model', 'Fool rate', `${level}% interval`, 'Trials', 'Participants', 'Images'],
    live.fool_rates.map((r) => [{ text: taskName(r.task), className: 'text' }, { text: r.label, className: 'text' },
      formatPercent(r.fool_rate), formatInterval(r), String(r.trials), String(r.participants), String(r.images)]));

  fillTable($('[data-part="flagged"]'), ['Participant', 'Reasons', 'Excluded'],
    live.flagged.length === 0
      ? [[{ text: 'None so far.', className: 'text' }, '', '']]
      : live.flagged.map((f) => [{ text: f.participant, className: 'text' }, { text: f.reasons.join('; '), className: 'text' },
        f.excluded ? 'yes' : 'no']));

  const cells = $('[data-part="cells"]');
  cells.replaceChildren();
  for (const matrix of cellMatrix(live)) {
    const heading = document.createElement('h3');
    heading.textContent = taskName(matrix.task);
    const wrap = document.createElement('div');
    wrap.className = 'cells-wrap';
    const table = document.createElement('table');
    table.dataset.task = matrix.task;
    fillTable(table, ['Image', ...matrix.models.map((m) => m.label)],
      matrix.rows.map((row) => [{ text: row.image, className: 'text' }, ...row.cells.map((c) => (c
        ? {
          text: `${c.counted} / ${c.planned}`, className: c.counted >= c.planned ? 'full' : 'short',
          title: `${c.answered} answered, ${c.counted} count after the exclusions, ${c.planned} planned`,
        }
        : '-'))]));
    wrap.append(table);
    cells.append(heading, wrap);
  }
}

class Dashboard {
  constructor() {
    this.token = readToken();
    this.timer = null;
    $('[data-part="login"]').addEventListener('submit', (event) => {
      event.preventDefault();
      this.token = $('#admin-token').value.trim();
      storeToken(this.token);
      this.poll();
    });
  }

  showLogin(error = '') {
    $('[data-part="login"]').hidden = false;
    $('[data-part="dashboard"]').hidden = true;
    $('[data-part="login-error"]').textContent = error;
    $('[data-part="status"]').textContent = '';
  }

  async poll() {
    clearTimeout(this.timer);
    if (!this.token) return this.showLogin();
    const status = $('[data-part="status"]');
    let response;
    try {
      response = await fetch(new URL('api/admin/live', document.baseURI), {
        headers: { Authorization: `Bearer ${this.token}` }, cache: 'no-store',
      });
    } catch {
      status.dataset.state = 'error';
      status.textContent = 'The server cannot be reached; trying again…';
      this.timer = setTimeout(() => this.poll(), POLL_MS * 2);
      return undefined;
    }
    if (response.status === 401) {
      storeToken(null);
      this.token = null;
      return this.showLogin('That token was not accepted.');
    }
    if (!response.ok) {
      status.dataset.state = 'error';
      status.textContent = `The server answered HTTP ${response.status}; trying again…`;
      this.timer = setTimeout(() => this.poll(), POLL_MS * 2);
      return undefined;
    }
    const live = await response.json();
    $('[data-part="login"]').hidden = true;
    $('[data-part="dashboard"]').hidden = false;
    render(live);
    status.dataset.state = 'ok';
    status.textContent = `Updated ${new Date().toLocaleTimeString()} (every ${POLL_MS / 1000} s).`;
    this.timer = setTimeout(() => this.poll(), POLL_MS);
    return undefined;
  }
}

/** Starts the dashboard: shows the login, or polls the live snapshot. */
export function start() {
  new Dashboard().poll();
}
