// The Groups page in a real browser against a real Switchboard: a group of
// two test servers is made in the form, its state follows a member being
// disabled and enabled elsewhere without a reload, it is rebalanced,
// changed and deleted. Screenshots go to frontend/test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Browser, Switchboard, openPanel, until } from './harness';

const sb = new Switchboard();
const browser = new Browser();
let page: Page;

interface GroupAnswer {
  id: string;
  strategy: string;
  state: string;
  min_healthy: number;
  breaker: { failure_threshold: number; cooldown_s: number };
  members: { server: string; priority: number }[];
}

beforeAll(async () => {
  await sb.start();
  await sb.addApproved('alpha', 'beta');
  page = await openPanel(browser, sb);
});

afterAll(async () => {
  await browser.stop();
  await sb.stop();
});

const dialog = () => page.locator('dialog[open]');
const card = () => page.locator('[data-group="pool"]');
const groupState = () => card().locator('[data-group-state]').getAttribute('data-group-state');
const memberState = (server: string) => card().locator(`tr[data-member="${server}"] [data-state]`).first().getAttribute('data-state');
const breakerOf = (server: string) => card().locator(`tr[data-member="${server}"] [data-breaker]`).getAttribute('data-breaker');

/** One tool call on an MCP endpoint, as a client makes it (initialize, initialized, tools/call). */
async function mcpCall(url: string, tool: string, args: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const send = (body: unknown) => fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const init = await send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'panel-test', version: '1' } } });
  const session = init.headers.get('Mcp-Session-Id');
  await init.text();
  if (session) headers['Mcp-Session-Id'] = session;
  await (await send({ jsonrpc: '2.0', method: 'notifications/initialized' })).text();
  return (await send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: args } })).text();
}

describe('groups', () => {
  it('makes a group of two servers and shows its state, members and address', async () => {
    await page.evaluate(() => (location.hash = '#/groups'));
    await page.getByRole('heading', { name: 'Groups' }).waitFor();
    await page.getByText('No groups yet.').waitFor();
    await page.getByTestId('new-group').click();
    await dialog().getByLabel(/^Id/).fill('pool');
    await dialog().getByLabel(/^Description/).fill('alpha first, beta when alpha is out');
    await dialog().getByLabel('Which member takes a call').selectOption('priority');
    // No member yet: the form says so and sends nothing.
    await page.getByTestId('group-submit').click();
    await dialog().locator('.error-box').getByText('A group needs at least one member.').waitFor();
    await dialog().getByRole('button', { name: 'Add a member' }).click();
    await dialog().getByRole('button', { name: 'Add a member' }).click();
    await dialog().getByLabel('Server of member 1').selectOption('alpha');
    await dialog().getByLabel('Server of member 2').selectOption('beta');
    await dialog().getByLabel('Priority of beta').fill('1');
    await dialog().getByLabel(/^Failures in a row/).fill('1');
    await dialog().getByLabel(/^Seconds out/).fill('60');
    await browser.shot(page, '48-group-form');
    await page.getByTestId('group-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);

    await card().waitFor();
    await until('the group to be healthy', async () => (await groupState()) === 'healthy');
    expect(await card().getByTestId('group-url').innerText()).toBe(`${sb.base}/mcp/groups/pool`);
    expect(await card().getByTestId('group-healthy').innerText()).toContain('2 of 2 members');
    expect(await card().locator('[data-breaker="closed"]').count()).toBe(2);
    const saved = await sb.api<GroupAnswer>('GET', '/api/v1/groups/pool');
    expect(saved).toMatchObject({ strategy: 'priority', breaker: { failure_threshold: 1, cooldown_s: 60 } });
    expect(saved.members.map((m) => [m.server, m.priority])).toEqual([['alpha', 0], ['beta', 1]]);
    // The members' prompts and resources are on the group's address too.
    await until('the prompts and resources to be counted', async () => /\d+ prompts, \d+ resources on its address/.test(await card().innerText()));
    await browser.shot(page, '49-groups');
  });

  it("lists the group's tools with their names on the main address and who offers them", async () => {
    const tools = card().getByTestId('group-tools-pool');
    await tools.locator('summary').click();
    const echo = tools.locator('tr[data-tool="echo"]');
    await echo.waitFor();
    expect(await echo.innerText()).toContain('pool__echo');
    expect(await echo.innerText()).toContain('alpha, beta');
    // echo is read-only, crash is neither read-only nor idempotent.
    expect(await echo.locator('td').last().innerText()).toBe('yes');
    expect(await tools.locator('tr[data-tool="crash"] td').last().innerText()).toBe('no');
    await browser.shot(page, '49a-group-tools');
    await tools.locator('summary').click();
  });

  it('follows a member disabled and enabled elsewhere, without a reload', async () => {
    await sb.api('POST', '/api/v1/servers/beta/disable');
    await until('beta to show disabled', async () => (await memberState('beta')) === 'disabled');
    await until('the group to be degraded', async () => (await groupState()) === 'degraded');
    expect(await card().getByTestId('group-healthy').innerText()).toContain('1 of 2 members');
    await browser.shot(page, '49b-group-degraded');
    await sb.api('POST', '/api/v1/servers/beta/enable');
    await until('the group to be healthy again', async () => (await groupState()) === 'healthy', 30_000);
  });

  it("shows a member's breaker open when a call on it fails, live, and half-opens it on a rebalance", async () => {
    // alpha (priority 0) takes the call and dies in it: one failure opens its breaker.
    await mcpCall(`${sb.base}/mcp/groups/pool`, 'crash');
    await until("alpha's breaker to show open", async () => (await breakerOf('alpha')) === 'open');
    expect(await breakerOf('beta')).toBe('closed');
    await card().locator('tr[data-member="alpha"]').getByText('1 failed in a row').waitFor();
    await browser.shot(page, '49c-group-breaker-open');
    await card().getByRole('button', { name: 'Rebalance pool' }).click();
    await page.getByText('Group pool rebalanced.').waitFor();
    await until("alpha's breaker to be half open", async () => (await breakerOf('alpha')) === 'half_open');
  });

  it('changes the strategy', async () => {
    await card().getByRole('button', { name: 'Change pool' }).click();
    // The form opens on the group as it is.
    expect(await dialog().getByLabel('Priority of beta').inputValue()).toBe('1');
    await dialog().getByLabel('Which member takes a call').selectOption('round_robin');
    await page.getByTestId('group-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);
    await card().getByText('Round robin').waitFor();
    expect((await sb.api<GroupAnswer>('GET', '/api/v1/groups/pool')).strategy).toBe('round_robin');
  });

  it('shows an API refusal in words', async () => {
    await page.getByTestId('new-group').click();
    // A group may not take a server's name: the API says why.
    await dialog().getByLabel(/^Id/).fill('alpha');
    await dialog().getByRole('button', { name: 'Add a member' }).click();
    await dialog().getByLabel('Server of member 1').selectOption('beta');
    await page.getByTestId('group-submit').click();
    await dialog().locator('.error-box').getByText(/alpha/).waitFor();
    await page.keyboard.press('Escape');
    // Closed at once, but gone from the page only when the panel has handled
    // the close: until then its error box is still in the document.
    await expect.poll(() => page.locator('dialog').count()).toBe(0);
  });

  it('works in dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await until('the page to finish loading', async () => (await page.locator('[aria-busy="true"]').count()) === 0);
    expect(await page.locator('.error-box:visible').allInnerTexts()).toEqual([]);
    await browser.shot(page, '53-dark-groups');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('is shown on a profile that names it', async () => {
    await page.evaluate(() => (location.hash = '#/profiles'));
    await page.getByTestId('new-profile').click();
    await dialog().getByLabel('Name (part of its address)').fill('pooled');
    await dialog().getByRole('checkbox', { name: 'pool' }).check();
    await page.getByTestId('profile-submit').click();
    await expect.poll(() => dialog().count()).toBe(0);
    const profile = page.locator('[data-profile="pooled"]');
    await profile.getByText('Groups').waitFor();
    const group = await sb.api<GroupAnswer & { tool_count: number }>('GET', '/api/v1/groups/pool');
    expect(await profile.getByTestId('profile-tool-count').innerText()).toBe(String(group.tool_count));
    expect((await sb.api<{ groups: string[] }>('GET', '/api/v1/profiles/pooled')).groups).toEqual(['pool']);
    // The group's tools answer through the profile's endpoint.
    expect(await mcpCall(`${sb.base}/mcp/profiles/pooled`, 'pool__echo', { text: 'via a profile' })).toContain('via a profile');
    await sb.api('DELETE', '/api/v1/profiles/pooled');
    await page.evaluate(() => (location.hash = '#/groups'));
    await card().waitFor();
  });

  it('deletes the group', async () => {
    await card().getByRole('button', { name: 'Delete pool' }).click();
    await page.getByText('No groups yet.').waitFor();
    expect((await sb.api<{ groups: unknown[] }>('GET', '/api/v1/groups')).groups).toEqual([]);
  });

  it('had no script errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
