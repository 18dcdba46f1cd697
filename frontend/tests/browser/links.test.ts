// The Settings page's "Start at login" switch, and the quarantine links the
// tray opens (#/quarantine?server=NAME, &tool=TOOL), in a real browser
// against a real Switchboard whose HOME and XDG_CONFIG_HOME are the test's.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, Browser, Switchboard, TESTSERVER, until, goTo } from './harness';

const sb = new Switchboard();
const browser = new Browser();
let page: Page;

beforeAll(async () => {
  await sb.start();
  await browser.start();
  page = await browser.page();
  await page.goto(`${sb.base}/ui/#key=${encodeURIComponent(sb.key)}`);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
});

afterAll(async () => {
  await browser.stop();
  await sb.stop();
});

const go = (hash: string) => goTo(page, hash);
const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

interface Autostart {
  enabled: boolean;
  supported: boolean;
  where?: string;
  command?: string[];
}

describe('start at login', () => {
  const dir = () => join(sb.userHome, '.config/autostart');
  const entry = () => join(dir(), 'io.switchboard.Switchboard.desktop');
  const toggle = () => page.getByRole('switch', { name: 'Start Switchboard when I log in' });

  it('is turned on and off from the keyboard, writing and removing the XDG autostart entry', async () => {
    await go('#/settings');
    await toggle().waitFor();
    expect(await toggle().isChecked()).toBe(false);
    expect(await page.getByTestId('autostart-what').innerText()).toContain(entry());
    expect(existsSync(entry())).toBe(false);

    await toggle().focus();
    await page.keyboard.press('Space');
    await until('the autostart entry to be written', () => existsSync(entry()));
    await until('the switch to be on', () => toggle().isChecked());
    const desktop = readFileSync(entry(), 'utf8');
    expect(desktop).toContain('--hidden');
    expect(desktop).toMatch(/^Exec=.*switchboard.* --hidden/m);
    expect(await page.getByTestId('autostart-what').innerText()).toBe(`Switchboard starts when you log in, from ${entry()}.`);
    const on = await sb.api<Autostart>('GET', '/api/v1/system/autostart');
    expect(on).toMatchObject({ enabled: true, supported: true, where: entry() });
    await browser.shot(page, '60-settings-autostart-on');

    // Still focused, so a second Space turns it off again.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('set-autostart');
    await page.keyboard.press('Space');
    await until('the autostart entry to be removed', () => !existsSync(entry()));
    await until('the switch to be off', async () => !(await toggle().isChecked()));
    expect((await sb.api<Autostart>('GET', '/api/v1/system/autostart')).enabled).toBe(false);
  });

  it('says in words why the entry could not be written, and stays off', async () => {
    // A file where the autostart folder should be: the API answers 500.
    rmSync(dir(), { recursive: true, force: true });
    mkdirSync(join(sb.userHome, '.config'), { recursive: true });
    writeFileSync(dir(), 'not a folder');
    try {
      await toggle().click();
      const box = page.getByTestId('autostart').locator('.error-box');
      await box.waitFor();
      const text = await box.innerText();
      expect(text).toMatch(/^Could not turn start at login on: could not change /);
      expect(text).toContain(entry());
      await until('the switch to show it is off', async () => !(await toggle().isChecked()) && !(await toggle().isDisabled()));
      await browser.shot(page, '61-settings-autostart-error');
    } finally {
      rmSync(dir(), { force: true });
    }
  });

  it('is a disabled switch, with the reason in words, where the system cannot start it at login', async () => {
    // A system with no login mechanism answers supported: false.
    await page.route('**/api/v1/system/autostart', (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ enabled: false, supported: false }) }),
    );
    try {
      await page.reload();
      await toggle().waitFor();
      expect(await toggle().isDisabled()).toBe(true);
      expect(await page.getByTestId('autostart-what').innerText()).toMatch(/^Start at login is not supported on this system/);
      await browser.shot(page, '62-settings-autostart-unsupported');
    } finally {
      await page.unroute('**/api/v1/system/autostart');
    }
  });
});

describe('tool exposure', () => {
  it('switches the MCP endpoints to search mode and back from Settings', async () => {
    await go('#/settings');
    const select = page.getByLabel('How clients see the tools');
    expect(await select.inputValue()).toBe('direct');
    await select.selectOption('search');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    const cfg = await sb.api<{ tool_exposure?: string }>('GET', '/api/v1/config');
    expect(cfg.tool_exposure).toBe('search');

    await page.reload();
    await page.getByLabel('How clients see the tools').waitFor();
    expect(await page.getByLabel('How clients see the tools').inputValue()).toBe('search');
    await page.getByLabel('How clients see the tools').selectOption('direct');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await until('the config to say direct again', async () => {
      const c = await sb.api<{ tool_exposure?: string }>('GET', '/api/v1/config');
      return c.tool_exposure === undefined || c.tool_exposure === 'direct';
    });
  });
});

describe('quarantine links', () => {
  const held = ['held-a', 'held-b', 'held-c', 'held-d', 'held-e'];

  it('opens at the server the tray links to, scrolled to, focused and highlighted', async () => {
    await sb.api('POST', '/api/v1/servers', {
      mcpServers: Object.fromEntries(held.map((n) => [n, { command: TESTSERVER, args: ['--name', n] }])),
    });
    // As the tray opens a new window: the route, then the key (panellink.Address).
    await page.goto('about:blank');
    await page.goto(`${sb.base}/ui/#/quarantine?server=held-e&key=${encodeURIComponent(sb.key)}`);
    const card = page.getByTestId('quarantine-server-held-e');
    await card.waitFor();
    await until('the held-e entry to be focused', async () => (await focusedTestId()) === 'quarantine-server-held-e');
    expect(await card.getAttribute('aria-current')).toBe('location');
    expect(await card.getAttribute('class')).toContain('target');
    expect(await page.getByTestId('quarantine-server-held-a').getAttribute('aria-current')).toBeNull();
    // The key left the address bar; the route stayed.
    expect(await page.evaluate(() => location.hash)).toBe('#/quarantine?server=held-e');
    const box = await card.boundingBox();
    const height = page.viewportSize()!.height;
    expect(box && box.y >= 0 && box.y < height).toBe(true);
    // From there, Tab reaches the entry's own buttons.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid'))).toBe('quarantine-server-held-e');
    await page.screenshot({ path: join(ARTIFACTS, '63-quarantine-link-server.png') });
  });

  it('opens at a changed tool', async () => {
    await sb.addApproved('echo');
    await sb.api('POST', '/api/v1/servers/echo/tools/set_description/call', { arguments: { name: 'pid', description: 'Returns the process id, now differently.' } });
    await go('#/quarantine?server=echo&tool=pid');
    const card = page.getByTestId('quarantine-tool-echo-pid');
    await card.waitFor();
    await until('the echo/pid entry to be focused', async () => (await focusedTestId()) === 'quarantine-tool-echo-pid');
    expect(await card.getAttribute('aria-current')).toBe('location');
    expect(await page.getByTestId('quarantine-server-held-e').getAttribute('aria-current')).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, '64-quarantine-link-tool.png') });
  });

  it('says plainly when the linked server no longer awaits approval', async () => {
    await until('held-c to be approved', () => sb.api('POST', '/api/v1/servers/held-c/approve', {}).then(() => true, () => false));
    await go('#/quarantine?server=held-c');
    const note = page.getByTestId('quarantine-target-note');
    await note.waitFor();
    expect(await note.innerText()).toContain('The server “held-c” no longer awaits approval: it was approved, rejected or removed.');
    await until('the note to be focused', async () => (await focusedTestId()) === 'quarantine-target-note');
    expect(await page.locator('[aria-current="location"]').count()).toBe(0);
    await note.getByRole('link', { name: 'Show everything awaiting approval' }).click();
    await until('the note to go', async () => (await note.count()) === 0);
    expect(browser.errors).toEqual([]);
  });
});
