// A real Switchboard (bin/switchboard serve) in a temporary home on a free
// 127.0.0.1 port, and Debian's chromium driven by playwright-core. Both are
// stopped by their process id when the tests end.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// SWITCHBOARD_BIN: a binary built elsewhere (the default is what `make build` makes).
export const BIN = process.env.SWITCHBOARD_BIN ?? join(REPO, 'bin/switchboard');
export const TESTSERVER = join(REPO, 'bin/switchboard-testserver');
export const ARTIFACTS = join(REPO, 'frontend/test-artifacts');
export const CHROMIUM = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium';

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until fn() is true, or throws with what was being waited for. */
export async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000) {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

export class Switchboard {
  proc!: ChildProcess;
  home!: string;
  userHome!: string;
  base!: string;
  key!: string;
  log: string[] = [];

  async start() {
    for (const b of [BIN, TESTSERVER]) {
      if (!existsSync(b)) throw new Error(`${b} is missing: run \`make build\` first`);
    }
    // Short: the unix socket's path must fit in about 100 bytes.
    this.home = mkdtempSync(join(tmpdir(), 'sbui'));
    // No update check: the tests use no network beyond 127.0.0.1.
    // Switchboard adds the generated api_key to this file at start.
    writeFileSync(join(this.home, 'config.json'), JSON.stringify({ update_check: false, mcpServers: {} }), { mode: 0o600 });
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    // A home folder of its own for the user, so the client config files
    // Switchboard finds, imports from and connects are the test's, never
    // the machine's.
    this.userHome = join(this.home, 'user');
    mkdirSync(this.userHome);
    this.proc = spawn(BIN, ['serve', '--home', this.home, '--listen', `127.0.0.1:${port}`], {
      env: {
        ...process.env,
        SWITCHBOARD_HOME: this.home,
        HOME: this.userHome,
        XDG_CONFIG_HOME: join(this.userHome, '.config'),
        APPDATA: join(this.userHome, 'AppData'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      this.log.push(d.toString());
      if (this.log.length > 500) this.log.splice(0, 100);
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    await until('switchboard to answer /health/live', async () => {
      if (this.proc.exitCode !== null) throw new Error(`switchboard exited (${this.proc.exitCode}):\n${this.log.join('')}`);
      const r = await fetch(`${this.base}/health/live`).catch(() => null);
      return !!r?.ok;
    });
    this.key = JSON.parse(readFileSync(join(this.home, 'config.json'), 'utf8')).api_key;
    if (!this.key) throw new Error('config.json has no api_key');
  }

  /** An API call from outside the browser, as the CLI or another client would make. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await fetch(this.base + path, {
      method,
      headers: { 'X-API-Key': this.key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Adds our test server under each name, and approves each once its tools are listed. */
  async addApproved(...names: string[]) {
    const mcpServers = Object.fromEntries(names.map((n) => [n, { command: TESTSERVER, args: ['--name', n] }]));
    await this.api('POST', '/api/v1/servers', { mcpServers });
    for (const n of names) {
      await until(`${n} to be approved`, () => this.api('POST', `/api/v1/servers/${n}/approve`, {}).then(() => true, () => false));
      await until(`${n}'s tools to be exposed`, async () => {
        const t = await this.api<{ tools: { exposed: boolean }[] }>('GET', `/api/v1/tools?server=${n}`);
        return t.tools.some((x) => x.exposed);
      });
    }
  }

  async stop() {
    const p = this.proc;
    if (p && p.exitCode === null && p.pid) {
      process.kill(p.pid, 'SIGTERM');
      const gone = await Promise.race([new Promise((r) => p.once('exit', () => r(true))), sleep(10_000).then(() => false)]);
      if (!gone && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
    }
    if (this.home) rmSync(this.home, { recursive: true, force: true });
  }
}

export class Browser {
  ctx!: BrowserContext;
  dataDir!: string;
  errors: string[] = [];

  async start() {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-test-deps.sh does)`);
    // A fresh profile each run, so nothing (such as a kept API key) leaks in.
    this.dataDir = mkdtempSync(join(tmpdir(), 'sbchrome'));
    this.ctx = await chromium.launchPersistentContext(this.dataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        // Containers often have a small /dev/shm, which crashes tabs.
        '--disable-dev-shm-usage',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }

  async page(): Promise<Page> {
    const page = this.ctx.pages()[0] ?? (await this.ctx.newPage());
    this.watch(page);
    return page;
  }

  watch(page: Page) {
    // A script error in the panel fails the test that caused it.
    page.on('pageerror', (e) => this.errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|EventSource|WebSocket/.test(m.text())) this.errors.push(`console: ${m.text()}`);
    });
  }

  async shot(page: Page, name: string) {
    // From the top, so the sticky side bar is drawn where a person sees it.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  async stop() {
    await this.ctx?.close().catch(() => {});
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Goes to a panel route (#/page...) and waits until that page is shown and marked in the navigation. */
export async function goTo(page: Page, hash: string) {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.waitForFunction((h) => {
    const first = h.replace(/^#\/?/, '').split(/[/?&]/)[0];
    return document.querySelector('nav a[aria-current="page"]')?.getAttribute('href') === `#/${first}`;
  }, hash);
  await page.locator('#page-title').waitFor();
}

/**
 * Starts the browser on the panel of sb, signed in with its key, once the
 * dashboard is shown and the event stream is live. Confirmation prompts
 * (delete, revoke) are accepted.
 */
export async function openPanel(browser: Browser, sb: Switchboard): Promise<Page> {
  await browser.start();
  const page = await browser.page();
  page.on('dialog', (d) => d.accept());
  await page.goto(`${sb.base}/ui/#key=${encodeURIComponent(sb.key)}`);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await until('the event stream to connect', async () => (await page.getByTestId('link-state').innerText()).includes('Live'));
  return page;
}
