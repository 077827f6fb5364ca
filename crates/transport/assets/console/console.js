// The Fitmate sandbox console: calls the /_sandbox API with the key its user signs in with.
//
// Everything shown comes from the API and is untrusted (user-entered names, request bodies):
// it is rendered with textContent and DOM APIs only, never as HTML, except an email's HTML,
// which goes into a sandboxed <iframe srcdoc> (no scripts, no same-origin access). The key
// lives in sessionStorage (this tab only) and travels only in the Authorization header;
// neither the key nor any user data is ever put into the page's URL.

const KEY_STORAGE = 'fitmate.console.key';
const LIST_LIMIT = 100;
const EMAIL_POLL_MS = 1500;

const $ = (selector) => document.querySelector(selector);

let apiKey = sessionStorage.getItem(KEY_STORAGE);
let currentTab = 'users';
let emailPoll = null;

/** An API answer other than 2xx. */
class ApiError extends Error {
  constructor(status, body) {
    const said = body && typeof body === 'object' ? body.message || body.error : null;
    super(said ? `${said} (HTTP ${status})` : `The server answered HTTP ${status}`);
    this.status = status;
  }
}

/** Calls the API with the key; answers the parsed JSON body, or throws ApiError. */
async function api(method, path, body) {
  const init = {
    method,
    cache: 'no-store',
    headers: { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** A new element: `attrs` are attributes (`class`, `data-*`, ...), `children` nodes or text. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const pretty = (value) => (value === null || value === undefined ? '—' : JSON.stringify(value, null, 2));

/** A timestamp in the reader's time zone, the exact RFC 3339 value in its tooltip. */
function when(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  const shown = Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  return el('time', { datetime: iso, title: iso }, shown);
}

function badge(text, kind) {
  return el('span', { class: `badge badge-${kind}` }, text);
}

function statusBadge(status) {
  if (typeof status !== 'number') return el('span', { class: 'muted' }, '—');
  const kind = status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'good';
  return badge(String(status), kind);
}

const ms = (value) => (typeof value === 'number' ? `${value.toFixed(1)} ms` : '—');

/** Shows `message` (or hides it, when null) in the error line of `area`. */
function showError(area, message) {
  const node = document.querySelector(`[data-error="${area}"]`);
  node.textContent = message || '';
  node.hidden = !message;
}

/** Runs a panel's loader; a 401 signs out, other failures show in the panel. */
async function guarded(area, work) {
  try {
    showError(area, null);
    await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut('The key was refused (unknown or revoked): sign in again.');
    } else {
      showError(area, error instanceof ApiError ? error.message : `Cannot reach the server: ${error.message}`);
    }
  }
}

/** Fills a list's body with `items` as rows; clicking a row (or its button) calls `open`. */
function fillRows(tbody, emptyNote, items, cells, open, testid) {
  tbody.replaceChildren();
  emptyNote.hidden = items.length > 0;
  for (const item of items) {
    const [first, ...rest] = cells(item);
    const button = el('button', { type: 'button', class: 'link', 'data-testid': `${testid}-open` }, first);
    const row = el('tr', { 'data-testid': testid }, el('td', {}, button), rest.map((c) => el('td', {}, c)));
    const select = () => {
      for (const other of tbody.querySelectorAll('tr')) other.classList.remove('selected');
      row.classList.add('selected');
      open(item);
    };
    button.addEventListener('click', (event) => {
      event.stopPropagation();
      select();
    });
    row.addEventListener('click', select);
    tbody.append(row);
  }
}

function showDetail(node, ...children) {
  node.replaceChildren(...children);
  node.hidden = false;
}

function hideDetail(node) {
  node.replaceChildren();
  node.hidden = true;
}

// ---------------------------------------------------------------- users

async function searchUsers() {
  // The email goes in the body, never in the URL, so that no access log records it.
  const { data } = await api('POST', '/_sandbox/users/search', {
    email: $('#user-email').value.trim(),
    limit: LIST_LIMIT,
  });
  fillRows(
    $('#user-rows'),
    $('#user-empty'),
    data,
    (u) => [u.email, u.firstName ?? '—', u.lastName ?? '—', el('code', {}, u.identifier)],
    (u) => guarded('users', () => openUser(u)),
    'user-row',
  );
}

async function openUser(summary) {
  const user = await api('GET', `/_sandbox/users/${encodeURIComponent(summary.identifier)}`);
  const columns = user.versions.map((v) =>
    el(
      'article',
      { class: 'version', 'data-testid': 'user-version', 'data-version': v.version },
      el('h3', {}, `API version ${v.version}`),
      el('pre', { class: 'json', tabindex: '0' }, pretty(v.record)),
    ),
  );
  showDetail(
    $('#user-detail'),
    el('h2', {}, summary.email),
    el('p', { class: 'muted' }, 'Identifier ', el('code', {}, user.identifier), ': the record as each API version renders it.'),
    el('div', { class: 'versions' }, columns),
  );
}

// ---------------------------------------------------------------- emails

async function loadEmails() {
  const { data } = await api('GET', `/_sandbox/emails?limit=${LIST_LIMIT}`);
  const selected = $('#email-detail').dataset.id;
  fillRows(
    $('#email-rows'),
    $('#email-empty'),
    data,
    (m) => [when(m.queuedAt), m.to, badge(m.status, m.status), m.subject ?? el('span', { class: 'muted' }, '(not delivered yet)')],
    (m) => openEmail(m),
    'email-row',
  );
  const rows = $('#email-rows').querySelectorAll('tr');
  data.forEach((m, i) => {
    rows[i].dataset.status = m.status;
    rows[i].dataset.to = m.to;
    if (String(m.id) === selected) {
      rows[i].classList.add('selected');
      // Shown again only when it changed (e.g. delivered meanwhile), so the frame stays put.
      if ($('#email-detail').dataset.status !== m.status) openEmail(m);
    }
  });
  // While an email waits to be delivered and this tab is shown, look again shortly.
  const waiting = data.some((m) => m.status === 'pending');
  $('#emails-polling').hidden = !waiting;
  clearTimeout(emailPoll);
  if (waiting && currentTab === 'emails') {
    emailPoll = setTimeout(() => guarded('emails', loadEmails), EMAIL_POLL_MS);
  }
}

/** A link the person can follow, when `url` is an http(s) URL; else the text. */
function safeLink(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return el('code', {}, url);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return el('code', {}, url);
  return el('a', { href: parsed.href, rel: 'noreferrer', 'data-testid': 'email-link' }, parsed.href);
}

function openEmail(m) {
  const detail = $('#email-detail');
  detail.dataset.id = String(m.id);
  detail.dataset.status = m.status;
  const parts = [
    el('h2', { 'data-testid': 'email-subject' }, m.subject ?? '(not delivered yet)'),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'To'), el('dd', {}, m.to),
      el('dt', {}, 'Status'), el('dd', {}, badge(m.status, m.status)),
      el('dt', {}, 'Queued'), el('dd', {}, when(m.queuedAt)),
      el('dt', {}, 'Delivered'), el('dd', {}, when(m.deliveredAt)),
      el('dt', {}, 'User'), el('dd', {}, el('code', {}, m.userIdentifier)),
      el('dt', {}, 'Magic link'), el('dd', {}, m.link ? safeLink(m.link) : el('span', { class: 'muted' }, '—')),
    ),
  ];
  if (m.html !== null && m.html !== undefined) {
    // An empty sandbox: no scripts, no forms, no navigation, an opaque origin.
    const frame = el('iframe', { sandbox: '', title: 'The email as HTML', 'data-testid': 'email-html', referrerpolicy: 'no-referrer' });
    frame.srcdoc = m.html;
    parts.push(el('h3', {}, 'HTML'), frame);
  }
  if (m.text !== null && m.text !== undefined) {
    parts.push(el('h3', {}, 'Text'), el('pre', { class: 'mail-text', 'data-testid': 'email-text', tabindex: '0' }, m.text));
  }
  showDetail(detail, ...parts);
}

// ---------------------------------------------------------------- requests and webhook calls

function requestDetail(r) {
  const parts = [
    el('h2', {}, `${r.method} ${r.path}`),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'Request id'), el('dd', {}, el('code', {}, r.requestId)),
      el('dt', {}, 'Time'), el('dd', {}, when(r.time)),
      el('dt', {}, 'Version'), el('dd', {}, r.version ?? '—'),
      el('dt', {}, 'Status'), el('dd', {}, statusBadge(r.status)),
      el('dt', {}, 'Latency'), el('dd', {}, ms(r.latencyMs)),
    ),
  ];
  if (r.webhook) {
    const w = r.webhook;
    parts.push(
      el('h3', {}, 'Webhook call'),
      el(
        'dl',
        { class: 'facts', 'data-testid': 'webhook-facts' },
        el('dt', {}, 'URL'), el('dd', {}, el('code', {}, w.url)),
        el('dt', {}, 'Outcome'), el('dd', {}, badge(w.outcome, w.outcome)),
        el('dt', {}, 'Latency'), el('dd', {}, ms(w.latencyMs)),
        el('dt', {}, 'Message'), el('dd', {}, w.message ?? '—'),
      ),
    );
  }
  parts.push(
    el(
      'div',
      { class: 'versions' },
      el('article', { class: 'version' }, el('h3', {}, 'Request body'), el('pre', { class: 'json', tabindex: '0', 'data-testid': 'request-body' }, pretty(r.requestBody))),
      el('article', { class: 'version' }, el('h3', {}, 'Answer body'), el('pre', { class: 'json', tabindex: '0', 'data-testid': 'response-body' }, pretty(r.responseBody))),
    ),
  );
  return parts;
}

async function loadRequests() {
  const { data } = await api('GET', `/_sandbox/requests?limit=${LIST_LIMIT}`);
  hideDetail($('#request-detail'));
  fillRows(
    $('#request-rows'),
    $('#request-empty'),
    data,
    (r) => [when(r.time), r.method, r.path, r.version ?? '—', statusBadge(r.status), ms(r.latencyMs)],
    (r) => showDetail($('#request-detail'), ...requestDetail(r)),
    'request-row',
  );
}

async function loadWebhooks() {
  const { data } = await api('GET', `/_sandbox/requests?limit=${LIST_LIMIT}`);
  const calls = data.filter((r) => r.webhook);
  hideDetail($('#webhook-detail'));
  fillRows(
    $('#webhook-rows'),
    $('#webhook-empty'),
    calls,
    (r) => [
      when(r.time),
      `${r.method} ${r.path}`,
      el('code', {}, r.webhook.url),
      badge(r.webhook.outcome, r.webhook.outcome),
      ms(r.webhook.latencyMs),
      r.webhook.message ?? '—',
    ],
    (r) => showDetail($('#webhook-detail'), ...requestDetail(r)),
    'webhook-row',
  );
}

// ---------------------------------------------------------------- clock

function describeOffset(seconds) {
  if (!seconds) return 'not advanced (real time)';
  const sign = seconds < 0 ? '-' : '+';
  let rest = Math.abs(seconds);
  const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n) parts.push(`${n}${unit}`);
  }
  return `${sign}${parts.join(' ')}`;
}

function showClock(clock) {
  for (const node of [$('#clock-now'), $('#header-now')]) {
    node.dateTime = clock.now;
    node.title = clock.now;
    node.textContent = new Date(clock.now).toLocaleString();
  }
  $('#clock-offset').textContent = describeOffset(clock.offsetSeconds);
}

async function loadClock() {
  showClock(await api('GET', '/_sandbox/clock'));
}

// ---------------------------------------------------------------- tabs, sign-in, reset

const loaders = {
  users: searchUsers,
  emails: loadEmails,
  webhooks: loadWebhooks,
  requests: loadRequests,
  clock: loadClock,
};

function showTab(name) {
  currentTab = name;
  clearTimeout(emailPoll);
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#panel-${tab.dataset.tab}`).hidden = !on;
  }
  guarded(name, loaders[name]);
  // The header's project time, kept roughly current (the Clock tab loads it itself).
  if (name !== 'clock') api('GET', '/_sandbox/clock').then(showClock, () => {});
}

function notice(message) {
  $('#notice').textContent = message || '';
  $('#notice').hidden = !message;
}

/** Asks the clock with `key`: the sign-in check. Answers an error message, or null. */
async function checkKey(key) {
  apiKey = key;
  try {
    showClock(await api('GET', '/_sandbox/clock'));
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) return `Cannot reach the server: ${error.message}`;
    if (error.status === 401) return 'Unknown or revoked key: check that you pasted the whole key, and that it was not revoked.';
    if (error.status === 404) return 'This key works, but it is not a sandbox project\'s key: the console only opens sandbox projects.';
    if (error.status === 429) return 'Too many attempts: wait a few seconds and try again.';
    return error.message;
  }
}

function showSignedIn() {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#session').hidden = false;
  showTab(currentTab);
}

/** Forgets the key and removes every shown record from the page. */
function signOut(message) {
  apiKey = null;
  sessionStorage.removeItem(KEY_STORAGE);
  clearTimeout(emailPoll);
  for (const id of ['#user-rows', '#email-rows', '#webhook-rows', '#request-rows']) $(id).replaceChildren();
  for (const id of ['#user-detail', '#email-detail', '#webhook-detail', '#request-detail']) hideDetail($(id));
  delete $('#email-detail').dataset.id;
  delete $('#email-detail').dataset.status;
  $('#user-email').value = '';
  notice(null);
  $('#app').hidden = true;
  $('#session').hidden = true;
  $('#signin').hidden = false;
  $('#signin-error').textContent = message || '';
  $('#signin-error').hidden = !message;
  $('#api-key').focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $('#api-key').value.trim();
  const button = event.submitter;
  if (button) button.disabled = true;
  const problem = await checkKey(key);
  if (button) button.disabled = false;
  if (problem) {
    apiKey = null;
    $('#signin-error').textContent = problem;
    $('#signin-error').hidden = false;
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  $('#api-key').value = '';
  $('#signin-error').hidden = true;
  showSignedIn();
}

async function reset() {
  try {
    const { deleted } = await api('POST', '/_sandbox/reset', {});
    for (const id of ['#user-detail', '#email-detail', '#webhook-detail', '#request-detail']) hideDetail($(id));
    delete $('#email-detail').dataset.id;
    delete $('#email-detail').dataset.status;
    notice(`Sandbox reset: deleted ${deleted.users} users, ${deleted.emails} emails and ${deleted.requests} logged requests.`);
    showTab(currentTab);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signOut('The key was refused (unknown or revoked): sign in again.');
    else notice(`Reset failed: ${error.message}`);
  }
}

async function advanceClock(event) {
  event.preventDefault();
  const advance = $('#clock-advance').value.trim();
  await guarded('clock', async () => {
    showClock(await api('POST', '/_sandbox/clock', { advance }));
    $('#clock-advance').value = '';
    notice(`Project clock advanced by ${advance}.`);
  });
}

function wire() {
  $('#signin-form').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('#user-search').addEventListener('submit', (event) => {
    event.preventDefault();
    hideDetail($('#user-detail'));
    guarded('users', searchUsers);
  });
  $('#emails-refresh').addEventListener('click', () => guarded('emails', loadEmails));
  $('#webhooks-refresh').addEventListener('click', () => guarded('webhooks', loadWebhooks));
  $('#requests-refresh').addEventListener('click', () => guarded('requests', loadRequests));
  $('#clock-form').addEventListener('submit', advanceClock);
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const [i, tab] of tabs.entries()) {
    tab.addEventListener('click', () => {
      notice(null);
      showTab(tab.dataset.tab);
    });
    // Arrow keys move between tabs, as in the ARIA tabs pattern.
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      next.focus();
      next.click();
    });
  }
  const dialog = $('#reset-dialog');
  $('#reset-open').addEventListener('click', () => dialog.showModal());
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'confirm') reset();
    dialog.returnValue = '';
  });
}

async function start() {
  wire();
  if (!apiKey) return signOut(null);
  const problem = await checkKey(apiKey);
  if (problem) return signOut(problem);
  showSignedIn();
}

start();
