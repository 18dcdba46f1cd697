// The pages that manage more than one server at a time, in a real browser
// against a real Switchboard: discovery finds a server in a folder of client
// config files and a person approves it; a profile is made of chosen tools
// and shows its address; refused requests show up as security events, live
// and on the dashboard. Screenshots go to frontend/test-artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Browser, Switchboard, TESTSERVER, goTo, openPanel, until } from './harness';

const sb = new Switchboard();
const browser = new Browser();
let page: Page;

beforeAll(async () => {
  await sb.start();
  page = await openPanel(browser, sb);
});

afterAll(async () => {
  await browser.stop();
  await sb.stop();
});

const go = (hash: string) => goTo(page, hash);
const loaded = (what: string) => until(`${what} to finish loading`, async () => (await page.locator('[aria-busy="true"]').count()) === 0);
const dialog = () => page.locator('dialog[open]');

describe('discovery', () => {
  it('says why a source cannot be added, in words', async () => {
    await go('#/discovery');
    await page.getByText('No sources yet').waitFor();
    await browser.shot(page, '40-discovery-empty');
    await page.getByTestId('add-source').click();
    await dialog().getByLabel(/^Name/).fill('gone');
    await dialog().getByLabel(/^Folder/).fill(join(sb.home, 'no-such-folder'));
    await page.getByTestId('source-submit').click();
    // The API's 422 names the field and the folder.
    await dialog().locator('.error-box').getByText(/path/).waitFor();
    expect(await dialog().locator('.error-box').innerText()).toContain('no-such-folder');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
  });

  it('finds the servers in a folder of client configs, approves one and rejects the other', async () => {
    const folder = join(sb.home, 'found-configs');
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'claude_desktop_config.json'),
      JSON.stringify({ mcpServers: { found: { command: TESTSERVER, args: ['--name', 'found'] }, unwanted: { command: TESTSERVER, args: ['--name', 'unwanted'] } } }),
    );
    await page.getByTestId('add-source').click();
    await dialog().getByLabel(/^Name/).fill('drop');
    await dialog().getByLabel(/^Folder/).fill(folder);
    await dialog().getByLabel('Mode').selectOption('authoritative');
    await page.getByTestId('source-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);
    const row = page.locator('tr[data-source="drop"]');
    await row.waitFor();
    expect(await row.innerText()).toContain(folder);
    expect(await row.innerText()).toContain('authoritative');
    // The scan's findings arrive without a reload.
    await page.locator('tr[data-pending="drop/found"]').waitFor();
    await page.locator('tr[data-pending="drop/unwanted"]').waitFor();
    await until('the source to count what it found', async () => /\b2\b/.test(await row.locator('td.num').innerText()));
    await loaded('discovery');
    await browser.shot(page, '41-discovery-pending');
    // The side bar and the dashboard say that found servers wait.
    const count = page.getByTestId('found-count');
    await until('the side bar to count 2 found', async () => (await count.innerText()) === '2');
    await go('#/');
    await page.getByTestId('found-banner').getByText('Discovery found 2 servers that await a decision.').waitFor();
    await page.getByTestId('found-banner').getByRole('link', { name: 'Review them' }).click();
    await page.getByRole('heading', { name: 'Discovery' }).waitFor();

    await page.getByRole('button', { name: 'Reject drop/unwanted' }).click();
    await page.locator('tr[data-pending="drop/unwanted"]').waitFor({ state: 'detached' });
    await until('the side bar to count 1 found', async () => (await count.innerText()) === '1');
    await page.getByRole('button', { name: 'Approve drop/found' }).click();
    await page.getByText('found added. It waits in quarantine').waitFor();
    await page.getByText('Nothing awaits a decision.').waitFor();
    await count.waitFor({ state: 'detached' });
    // Rescanning does not offer the rejected server again.
    await page.getByRole('button', { name: 'Scan drop now' }).click();
    await page.getByText('drop scanned.').waitFor();
    expect(await page.locator('tr[data-pending]').count()).toBe(0);

    await go('#/servers');
    const server = page.locator('tr[data-server="found"]');
    await server.waitFor();
    await server.getByText('quarantined').first().waitFor();
    expect(await page.locator('tr[data-server="unwanted"]').count()).toBe(0);
  });

  it('offers a server whose launch changed in its source as an update, showing what it was', async () => {
    // Approved as it is now, so the update's hold in quarantine shows.
    await until('found to be approved', () => sb.api('POST', '/api/v1/servers/found/approve', {}).then(() => true, () => false));
    expect((await sb.api<{ quarantined: boolean }>('GET', '/api/v1/servers/found')).quarantined).toBe(false);
    const folder = join(sb.home, 'found-configs');
    writeFileSync(
      join(folder, 'claude_desktop_config.json'),
      JSON.stringify({ mcpServers: { found: { command: TESTSERVER, args: ['--name', 'found-v2'] } } }),
    );
    await go('#/discovery');
    const row = page.locator('tr[data-pending="drop/found"]');
    await row.waitFor();
    expect(await row.locator('.badge').innerText()).toBe('update');
    expect(await row.innerText()).toContain('--name found-v2');
    expect(await row.getByTestId('pending-previous').innerText()).toContain('--name found');
    await browser.shot(page, '41c-discovery-update');
    await page.getByRole('button', { name: 'Approve drop/found' }).click();
    await page.getByText('found updated. It waits in quarantine').waitFor();
    await row.waitFor({ state: 'detached' });
    const server = await sb.api<{ config: { args: string[] }; quarantined: boolean }>('GET', '/api/v1/servers/found');
    expect(server.config.args).toEqual(['--name', 'found-v2']);
    expect(server.quarantined).toBe(true);
  });

  it("shows a docker source's scan error in words, and changes the source", async () => {
    // No Docker engine answers on this socket: the source says so on its row.
    const socket = join(sb.home, 'docker.sock');
    await go('#/discovery');
    await page.getByTestId('add-source').click();
    await dialog().getByLabel(/^Name/).fill('containers');
    await dialog().getByLabel('Kind').selectOption('docker');
    await dialog().getByLabel(/^Docker socket/).fill(socket);
    await page.getByTestId('source-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);
    const row = page.locator('tr[data-source="containers"]');
    await row.waitFor();
    expect(await row.innerText()).toContain(socket);
    await until('the scan error to show', async () => (await row.locator('.error-text').count()) > 0);
    expect(await row.locator('.error-text').innerText()).toContain('docker.sock');
    await browser.shot(page, '41b-discovery-docker-error');
    // The form opens on the source as it is.
    await page.getByRole('button', { name: 'Change containers' }).click();
    expect(await dialog().getByLabel(/^Docker socket/).inputValue()).toBe(socket);
    await dialog().getByLabel(/^Scan every/).fill('30s');
    await page.getByTestId('source-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);
    await until('the new interval to show', async () => (await row.innerText()).includes('30s'));
    expect((await sb.api<{ interval: string; socket: string }>('GET', '/api/v1/discovery/sources/containers'))).toMatchObject({ interval: '30s', socket });
    await page.getByRole('button', { name: 'Remove containers' }).click();
    await row.waitFor({ state: 'detached' });
  });

  it('disables a source and removes it', async () => {
    await go('#/discovery');
    const row = page.locator('tr[data-source="drop"]');
    await page.getByRole('button', { name: 'Disable drop' }).click();
    await row.getByText('disabled').waitFor();
    expect(await page.getByRole('button', { name: 'Scan drop now' }).isDisabled()).toBe(true);
    const src = await sb.api<{ enabled: boolean }>('GET', '/api/v1/discovery/sources/drop');
    expect(src.enabled).toBe(false);
    await browser.shot(page, '42-discovery-disabled');
    await page.getByRole('button', { name: 'Remove drop' }).click();
    await row.waitFor({ state: 'detached' });
    const list = await sb.api<{ sources: unknown[] }>('GET', '/api/v1/discovery/sources');
    expect(list.sources).toEqual([]);
  });
});

describe('profiles', () => {
  it('makes a profile of chosen tools and shows its address and snippets', async () => {
    await sb.addApproved('alpha', 'beta');
    await go('#/profiles');
    await page.getByText('No profiles yet').waitFor();
    await page.getByTestId('new-profile').click();
    await dialog().getByLabel(/^Name/).fill('writers');
    await dialog().getByLabel(/^Description/).fill('Only what the writing agent needs');
    await dialog().getByLabel('alpha', { exact: true }).check();
    const alpha = page.getByTestId('profile-server-alpha');
    await alpha.getByLabel(/Only/).check();
    await alpha.getByRole('button', { name: 'Choose no tool of alpha' }).click();
    // Nothing chosen: the form says so and sends nothing.
    await page.getByTestId('profile-submit').click();
    await dialog().locator('.error-box').getByText('No tool of alpha is chosen').waitFor();
    await alpha.getByLabel('echo', { exact: true }).check();
    await alpha.getByLabel('pid', { exact: true }).check();
    await browser.shot(page, '43-profile-form');
    await page.getByTestId('profile-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);

    const card = page.locator('[data-profile="writers"]');
    await card.waitFor();
    expect(await card.getByTestId('profile-url').innerText()).toBe(`${sb.base}/mcp/profiles/writers`);
    expect(await card.getByTestId('profile-tool-count').innerText()).toBe('2');
    await card.getByText('Connect a client to this profile').click();
    const cursor = JSON.parse(await card.getByTestId('profile-snippet-cursor').locator('pre').innerText());
    expect(cursor.mcpServers['switchboard-writers'].url).toBe(`${sb.base}/mcp/profiles/writers`);
    await browser.shot(page, '44-profiles');
    const saved = await sb.api<{ servers: string[]; tools: string[]; tool_count: number }>('GET', '/api/v1/profiles/writers');
    expect(saved).toMatchObject({ servers: ['alpha'], tools: ['alpha__echo', 'alpha__pid'], tool_count: 2 });
  });

  it('changes a profile: a whole server more', async () => {
    const card = page.locator('[data-profile="writers"]');
    await card.getByRole('button', { name: 'Change writers' }).click();
    // The form opens on the profile as it is.
    const alpha = page.getByTestId('profile-server-alpha');
    expect(await alpha.getByLabel('echo', { exact: true }).isChecked()).toBe(true);
    expect(await alpha.getByLabel('sleep', { exact: true }).isChecked()).toBe(false);
    await dialog().getByLabel('beta', { exact: true }).check();
    await page.getByTestId('profile-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);
    const betaTools = (await sb.api<{ tools: { exposed: boolean }[] }>('GET', '/api/v1/tools?server=beta')).tools.filter((t) => t.exposed).length;
    await until('the tool count to include beta', async () => (await card.getByTestId('profile-tool-count').innerText()) === String(2 + betaTools));
    const saved = await sb.api<{ tools: string[] }>('GET', '/api/v1/profiles/writers');
    expect(saved.tools).toEqual(['alpha__echo', 'alpha__pid', 'beta__*']);
  });

  it('deletes a profile', async () => {
    await page.getByRole('button', { name: 'Delete writers' }).click();
    await page.getByText('No profiles yet').waitFor();
    const list = await sb.api<{ profiles: unknown[] }>('GET', '/api/v1/profiles');
    expect(list.profiles).toEqual([]);
  });
});

describe('security', () => {
  // A key of the right shape that Switchboard never made, as a revoked one would be.
  const wrongKey = () => fetch(`${sb.base}/api/v1/status`, { headers: { 'X-API-Key': `sb_${'x'.repeat(43)}` } });
  const warnings = async () => (await sb.api<{ items: unknown[] }>('GET', '/api/v1/security/events?level=warning')).items.length;

  it('counts new alerts on the dashboard, lists them, and takes new ones live', async () => {
    // Servers whose tools share names with another's were held with warnings already.
    const before = await warnings();
    expect((await wrongKey()).status).toBe(401);
    await go('#/');
    const banner = page.getByTestId('security-alerts');
    await banner.getByText(`${before + 1} new security alert`).waitFor();
    await browser.shot(page, '45-dashboard-security-alert');
    await banner.getByRole('link', { name: 'Review them' }).click();
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    const rows = page.locator('tr[data-security="auth.failed"]');
    await rows.first().waitFor();
    expect(await rows.first().innerText()).toContain('Wrong, revoked or expired key');
    // Another refusal shows up without a reload.
    expect((await wrongKey()).status).toBe(401);
    await until('the second refusal to be listed', async () => (await rows.count()) === 2);
    await loaded('security');
    await browser.shot(page, '46-security');
    // Seen: the dashboard no longer counts them.
    await go('#/');
    await loaded('the dashboard');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await until('the alert banner to go', async () => (await page.getByTestId('security-alerts').count()) === 0);
  });

  it('filters, and says when nothing matches', async () => {
    await go('#/security');
    await page.locator('tr[data-security]').first().waitFor();
    // Adding servers held them in quarantine: an info event each.
    await page.locator('tr[data-security="server.quarantined"]').first().waitFor();
    await page.getByLabel('Level').selectOption('warning');
    await until('only warnings to be listed', async () => (await page.locator('tr[data-security="server.quarantined"]').count()) === 0);
    expect(await page.locator('tr[data-security="auth.failed"]').count()).toBe(2);
    await page.getByLabel('Level').selectOption('critical');
    await page.getByTestId('security-empty').getByText('No security events match these filters.').waitFor();
    await page.getByLabel('Level').selectOption('');
    await page.getByLabel('What').selectOption('auth.failed');
    await until('only refused keys to be listed', async () => (await page.locator('tr[data-security]').count()) === 2);
    await page.locator('tr[data-security="auth.failed"] a').first().click();
    const detail = page.getByTestId('security-detail');
    await detail.getByText('/api/v1/status').first().waitFor();
    await browser.shot(page, '47-security-detail');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
  });
});

describe('in dark mode', () => {
  it('shows the new pages', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const [hash, name] of [
      ['#/discovery', '50-dark-discovery'],
      ['#/profiles', '51-dark-profiles'],
      ['#/security', '52-dark-security'],
    ]) {
      await go(hash);
      await loaded(hash);
      expect(await page.locator('.error-box:visible').allInnerTexts(), `${hash} shows an error`).toEqual([]);
      await browser.shot(page, name);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

it('had no script errors', () => {
  expect(browser.errors).toEqual([]);
});
