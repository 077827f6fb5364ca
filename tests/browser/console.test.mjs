// The sandbox console end to end in a real browser (Debian's chromium, driven by
// playwright-core): a fresh `fitmate serve`, a user created through the API, then in the
// browser the console's sign-in, user search and record versions, the welcome email and
// its magic link (signed in, then already used), the request log, the clock, a reset, and
// /docs.
//
//   node --test tests/browser/
//
// FITMATE_BIN: the binary (default target/debug/fitmate); CHROMIUM_PATH: the browser
// (default /usr/bin/chromium). Screenshots of each step and the server's log go to
// target/browser/. Each step is a test of its own; after a failed step the rest are
// skipped (their failure would only repeat the first).

import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = resolve(ROOT, process.env.FITMATE_BIN || 'target/debug/fitmate');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(ROOT, 'target/browser');
const VERSIONS = ['2023-10-04', '2023-08-01'];

let server; // the `fitmate serve` child process
let webhookServer; // the validation webhook of the `hooks` project
let serverLog = '';
let dataDir;
let base; // http://127.0.0.1:PORT
let key; // the sandbox key the server printed
let browser;
let page;
let failed = null; // the first failed step; later steps are skipped
const pageErrors = []; // errors the console page logged (CSP violations, exceptions)

const email = `ada.browser.${Date.now()}@example.com`;
let userId;
let magicLink;

/** A step: skipped after an earlier failure; on its own failure, a screenshot. */
function step(name, body) {
  test(name, { timeout: 60_000 }, async (t) => {
    if (failed) return t.skip(`an earlier step failed: ${failed}`);
    try {
      await body();
    } catch (error) {
      failed = name;
      if (page) await page.screenshot({ path: join(SHOTS, 'failed.png'), fullPage: true }).catch(() => {});
      throw error;
    }
  });
}

async function shot(name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Waits until `locator`'s text contains `text`; fails with what it showed instead. */
async function waitForText(locator, text, timeout = 15_000) {
  const end = Date.now() + timeout;
  let seen = '';
  while (Date.now() < end) {
    seen = (await locator.first().textContent({ timeout: 1_000 }).catch(() => null)) ?? '(no such element)';
    if (seen.includes(text)) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`waited ${timeout} ms for ${JSON.stringify(text)} in ${locator}; it showed: ${JSON.stringify(seen.slice(0, 500))}`);
}

/** Runs a `fitmate` admin command on the server's database; answers its standard output. */
function fitmate(...args) {
  const run = spawnSync(BIN, [...args, '--database', `sqlite://${join(dataDir, 'fitmate.db')}`], { encoding: 'utf8', env: serverEnv() });
  assert.equal(run.status, 0, `fitmate ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** The environment of the server and its admin commands: none of the caller's FITMATE_*. */
function serverEnv() {
  const env = { ...process.env, FITMATE_LOG: process.env.FITMATE_LOG || 'info' };
  for (const name of Object.keys(env)) if (name.startsWith('FITMATE_') && name !== 'FITMATE_LOG') delete env[name];
  return env;
}

/**
 * A validation webhook on loopback that rejects every update, signing its answer with
 * `secret` (X-Response-Signature, see docs/webhooks.md); resolves to its URL.
 */
function startRejectingWebhook(secret) {
  webhookServer = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = JSON.stringify({ valid: false, message: 'Doctor changes need a clinician' });
      const signature = createHmac('sha256', secret).update(`${request.headers['x-timestamp']}.${body}`).digest('hex');
      response.writeHead(200, { 'Content-Type': 'application/json', 'X-Response-Signature': signature });
      response.end(body);
    });
  });
  return new Promise((done) => webhookServer.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${webhookServer.address().port}/validate`)));
}

/** `POST path` with `apiKey`, in version 2023-10-04; answers the status and the JSON body. */
async function post(path, apiKey, body) {
  const answer = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Fitmate-Version': '2023-10-04' },
    body: JSON.stringify(body),
  });
  return { status: answer.status, body: await answer.json() };
}

/** A create body: the seed example (tests/fixtures/seeds) with this user's own details. */
async function createBody(userEmail, phone) {
  const seed = JSON.parse(await readFile(join(ROOT, 'tests/fixtures/seeds/001-create-request-payload.json'), 'utf8'));
  return { ...seed, email: userEmail, firstname: 'Ada', lastname: 'Lovelace', phonenumber: phone };
}

/** Signs the console in with `apiKey`, from signed out. */
async function signInWith(apiKey) {
  await page.getByLabel('API key').fill(apiKey);
  await page.getByTestId('sign-in').click();
}

/** Starts `fitmate serve` on a fresh data directory and a port of the system's choosing. */
async function startServer() {
  const help = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, `${BIN} serve --help failed (is it built? cargo build --bin fitmate): ${help.stderr}`);
  dataDir = await mkdtemp(join(tmpdir(), 'fitmate-browser-'));
  const args = [
    'serve',
    '--addr', '127.0.0.1:0',
    '--database', `sqlite://${join(dataDir, 'fitmate.db')}`,
    '--mail-dir', join(dataDir, 'mail'),
    // Projects and keys the test adds with admin commands work at once.
    '--key-cache-secs', '0',
  ];
  if (/^\s*--console\b/m.test(help.stdout)) args.push('--console');
  server = spawn(BIN, args, { cwd: dataDir, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no key and address within 30 s:\n${serverLog}`)), 30_000);
    const read = (chunk) => {
      serverLog += chunk;
      const found = serverLog.match(/shown only this once:\s*\n\s*(\S+)\s*\n/);
      const listening = serverLog.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (found && listening) {
        clearTimeout(timer);
        key = found[1];
        base = listening[1];
        resolvePromise();
      }
    };
    server.stdout.setEncoding('utf8').on('data', read);
    server.stderr.setEncoding('utf8').on('data', read);
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before it was ready:\n${serverLog}`));
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// Whatever happens, the server does not outlive the test.
process.on('exit', () => server?.kill('SIGKILL'));

describe('the sandbox console', () => {
  after(async () => {
    await browser?.close().catch(() => {});
    await stopServer();
    webhookServer?.close();
    await writeFile(join(SHOTS, 'server.log'), serverLog).catch(() => {});
    if (failed) console.error(`server log (also in target/browser/server.log):\n${serverLog.slice(-4000)}`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  step('the server starts on a fresh database and prints a sandbox key', async () => {
    await rm(SHOTS, { recursive: true, force: true });
    await mkdir(SHOTS, { recursive: true });
    await startServer();
  });

  step(`the browser starts (${CHROMIUM})`, async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    const onConsole = (where) => new URL(where).pathname.startsWith('/console');
    // Failed loads (the refused key's 401) and the email frame's blocked scripts are
    // expected; a CSP violation is the console's own fault.
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error' && onConsole(page.url()) && /Content Security Policy/i.test(text)) pageErrors.push(text);
    });
    page.on('pageerror', (error) => {
      if (onConsole(page.url())) pageErrors.push(String(error));
    });
  });

  step('a user is created through the API', async () => {
    const created = await post('/users/create', key, await createBody(email, '+420777123456'));
    assert.equal(created.status, 200, `POST /users/create: ${JSON.stringify(created.body)}`);
    userId = created.body.identifier;
    assert.match(userId, /^[0-9a-f-]{36}$/);
  });

  step('the console is served with its security headers', async () => {
    const answer = await fetch(`${base}/console`);
    assert.equal(answer.status, 200, 'GET /console (is the console on? `fitmate serve --console`)');
    assert.equal(answer.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    const script = await fetch(`${base}/console/console.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  step('an unknown key is refused with a clear message', async () => {
    await page.goto(`${base}/console`);
    await signInWith('fm_this_key_does_not_exist');
    await waitForText(page.getByTestId('signin-error'), 'Unknown or revoked key');
    await shot('00-unknown-key');
  });

  step('signs in with the sandbox key', async () => {
    await signInWith(key);
    await page.getByTestId('user-list').waitFor();
    assert.ok(!page.url().includes(key), 'the key is in the URL');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('fitmate.console.key')), key);
    await shot('01-signed-in');
  });

  step('finds the user by email', async () => {
    await page.getByTestId('user-search-input').fill(email.slice(0, 14));
    await page.getByTestId('user-search-button').click();
    const row = page.getByTestId('user-row').filter({ hasText: email });
    await row.waitFor({ timeout: 10_000 });
    await waitForText(row, userId);
    await shot('02-user-found');
  });

  step('opens the user and sees its record in both versions', async () => {
    await page.getByTestId('user-row').filter({ hasText: email }).getByTestId('user-row-open').click();
    for (const version of VERSIONS) {
      const column = page.locator(`[data-testid="user-version"][data-version="${version}"]`);
      await column.waitFor({ timeout: 10_000 });
      await waitForText(column, email);
    }
    assert.ok(!page.url().includes(email), 'user data is in the URL');
    await shot('03-user-versions');
  });

  step('the welcome email is delivered and shown', async () => {
    await page.getByTestId('tab-emails').click();
    const row = page.locator('[data-testid="email-row"][data-status="delivered"]').filter({ hasText: email });
    // The console polls while an email is queued; Refresh as a person would, too.
    const end = Date.now() + 30_000;
    while (!(await row.count())) {
      assert.ok(Date.now() < end, `no delivered email to ${email} after 30 s: ${await page.getByTestId('email-list').textContent()}`);
      await new Promise((r) => setTimeout(r, 1_000));
      if (!(await row.count())) await page.getByTestId('emails-refresh').click();
    }
    await shot('04-emails');
    await row.getByTestId('email-row-open').click();
    const detail = page.getByTestId('email-detail');
    await detail.waitFor();
    assert.ok((await page.getByTestId('email-subject').textContent()).trim().length > 0, 'the email has no subject');
    await page.getByTestId('email-html').waitFor();
    const frameText = await page.frameLocator('[data-testid="email-html"]').locator('body').textContent();
    assert.match(frameText, /Ada/, 'the email HTML does not greet the user');
    await waitForText(page.getByTestId('email-text'), 'Ada');
    magicLink = await page.getByTestId('email-link').getAttribute('href');
    assert.match(magicLink, /\/auth\/magic-link\?token=/);
    await shot('05-email');
  });

  step('the magic link signs the user in', async () => {
    await page.getByTestId('email-link').click();
    await page.waitForURL(/\/auth\/magic-link\?token=/);
    await waitForText(page.locator('h1'), 'Signed in');
    await waitForText(page.locator('body'), userId);
    await shot('06-magic-link-signed-in');
  });

  step('the magic link followed again says it was used', async () => {
    await page.goto(magicLink);
    await waitForText(page.locator('h1'), 'already used or has expired');
    await shot('07-magic-link-used');
  });

  step('the request log shows the create call with its bodies', async () => {
    await page.goto(`${base}/console`); // signed in still: the key is in this tab's session
    await page.getByTestId('tab-requests').click();
    const row = page.getByTestId('request-row').filter({ hasText: '/users/create' });
    await row.first().waitFor({ timeout: 10_000 });
    await row.first().getByTestId('request-row-open').click();
    await waitForText(page.getByTestId('request-body'), email);
    await waitForText(page.getByTestId('response-body'), userId);
    await shot('08-requests');
    await page.getByTestId('tab-webhooks').click();
    await page.getByTestId('webhook-list').waitFor();
    await shot('09-webhook-calls-none');
  });

  step('the clock advances by 25h', async () => {
    await page.getByTestId('tab-clock').click();
    await page.getByTestId('clock-advance-input').fill('25h');
    await page.getByTestId('clock-advance-button').click();
    await waitForText(page.getByTestId('clock-offset'), '+1d 1h');
    await shot('10-clock');
  });

  step('a reset, once confirmed, deletes the sandbox data', async () => {
    await page.getByTestId('reset-open').click();
    await page.getByTestId('reset-dialog').waitFor();
    await shot('11-reset-confirm');
    await page.getByTestId('reset-confirm').click();
    await waitForText(page.getByTestId('notice'), 'deleted 1 users');
    await page.getByTestId('tab-users').click();
    await page.getByTestId('user-search-button').click();
    await waitForText(page.locator('#user-empty'), 'No users match');
    await shot('12-reset-done');
  });

  step('a key of a project that is not a sandbox is told so', async () => {
    fitmate('projects', 'create', 'clinic');
    const clinicKey = fitmate('keys', 'create', '--project', 'clinic');
    await page.getByTestId('sign-out').click();
    await signInWith(clinicKey);
    await waitForText(page.getByTestId('signin-error'), "not a sandbox project's key");
    await shot('13-not-a-sandbox-key');
  });

  step('the webhook calls view shows a rejected update with its message', async () => {
    const secret = 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI=';
    const url = await startRejectingWebhook(secret);
    fitmate('projects', 'create', 'hooks', '--sandbox', '--validation-webhook', url, '--webhook-secret', secret);
    const hooksKey = fitmate('keys', 'create', '--project', 'hooks');
    const hooksEmail = `grace.${Date.now()}@example.com`;
    const created = await post('/users/create', hooksKey, await createBody(hooksEmail, '+420777654321'));
    assert.equal(created.status, 200, `POST /users/create: ${JSON.stringify(created.body)}`);
    const update = await post('/users/update', hooksKey, { email: hooksEmail, doctorFullname: 'Dr. Grace Hopper' });
    assert.equal(update.status, 400, `POST /users/update, rejected by the webhook: ${JSON.stringify(update.body)}`);
    await signInWith(hooksKey);
    await page.getByTestId('user-list').waitFor();
    await page.getByTestId('tab-webhooks').click();
    const row = page.getByTestId('webhook-row').filter({ hasText: 'rejected' });
    await row.first().waitFor({ timeout: 10_000 });
    await waitForText(row, 'Doctor changes need a clinician');
    await row.first().getByTestId('webhook-row-open').click();
    await waitForText(page.getByTestId('webhook-facts'), url);
    await waitForText(page.getByTestId('request-body'), 'Dr. Grace Hopper');
    await shot('14-webhook-calls');
  });

  step('the console page broke no CSP rule and threw no exception', async () => {
    assert.deepEqual(pageErrors, []);
  });

  step('signing out forgets the key', async () => {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('fitmate.console.key')), null);
  });

  step('/docs shows the create operation', async () => {
    await page.goto(`${base}/docs`);
    // Swagger UI gives each operation the id operations-<tag>-<operationId>.
    const operation = page.locator('[id^="operations-"][id$="-createUser"]');
    await operation.first().waitFor({ timeout: 20_000 });
    await waitForText(operation, '/users/create');
    await operation.first().scrollIntoViewIfNeeded();
    await operation.first().locator('.opblock-summary').first().click(); // opens it
    await waitForText(operation, 'Request body');
    await shot('15-docs', false);
  });
});
