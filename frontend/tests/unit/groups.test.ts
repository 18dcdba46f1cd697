import { describe, expect, it } from 'vitest';
import { applyGroupEvent, emptyGroupForm, groupBody, groupFormFrom, groupURL, type Group, type GroupForm } from '../../src/groups';

const form = (f: Partial<GroupForm>): GroupForm => ({ ...emptyGroupForm(), ...f });
const member = (server: string, weight = '', priority = '') => ({ server, weight, priority });
const ok = (f: GroupForm, creating = true) => {
  const r = groupBody(f, creating);
  if (!r.ok) throw new Error(r.error);
  return r.body;
};
const refused = (f: GroupForm, creating = true) => {
  const r = groupBody(f, creating);
  if (r.ok) throw new Error('accepted');
  return r.error;
};

const group: Group = {
  id: 'search',
  description: 'two of the same',
  strategy: 'priority',
  min_healthy: 1,
  hide_members: true,
  retry_tools: ['lookup'],
  breaker: { failure_threshold: 3, cooldown_s: 10 },
  state: 'healthy',
  healthy_members: 2,
  members: [
    { server: 'a', weight: 1, priority: 0, breaker: { state: 'closed' } },
    { server: 'b', weight: 1, priority: 5, breaker: { state: 'closed' } },
  ],
};

describe('groupBody', () => {
  it('leaves every empty number out, so the defaults apply', () => {
    expect(ok(form({ id: 'pool', members: [member('a'), member('b')] }))).toEqual({
      id: 'pool',
      strategy: 'round_robin',
      members: [{ server: 'a' }, { server: 'b' }],
      hide_members: true,
    });
  });

  it('sends the numbers typed, the breaker and the tools safe to retry', () => {
    const body = ok(
      form({
        id: 'pool', description: ' pool ', strategy: 'weighted_round_robin', members: [member('a', '3'), member('b', '0', '2')],
        minHealthy: '2', failureThreshold: '4', cooldownS: '', hideMembers: false, retryTools: 'lookup, fetch\n\nsearch',
      }),
    );
    expect(body).toEqual({
      id: 'pool',
      description: 'pool',
      strategy: 'weighted_round_robin',
      members: [{ server: 'a', weight: 3 }, { server: 'b', weight: 0, priority: 2 }],
      min_healthy: 2,
      hide_members: false,
      retry_tools: ['lookup', 'fetch', 'search'],
      breaker: { failure_threshold: 4 },
    });
  });

  it('gives back the group it was read from (without the id on a change)', () => {
    expect(ok(groupFormFrom(group), false)).toEqual({
      description: 'two of the same',
      strategy: 'priority',
      members: [{ server: 'a', weight: 1, priority: 0 }, { server: 'b', weight: 1, priority: 5 }],
      min_healthy: 1,
      hide_members: true,
      retry_tools: ['lookup'],
      breaker: { failure_threshold: 3, cooldown_s: 10 },
    });
  });

  it('says what is wrong, in words', () => {
    expect(refused(form({ id: 'a b', members: [member('a')] }))).toContain('1 to 64 letters');
    expect(refused(form({ id: 'a__b', members: [member('a')] }))).toContain('__');
    expect(refused(form({ id: 'pool' }))).toBe('A group needs at least one member.');
    expect(refused(form({ id: 'pool', members: [member('')] }))).toContain('Member 1 has no server');
    expect(refused(form({ id: 'pool', members: [member('a'), member('a')] }))).toBe('a is a member twice.');
    expect(refused(form({ id: 'pool', members: [member('a', '-1')] }))).toBe('The weight of a must be at least 0.');
    expect(refused(form({ id: 'pool', members: [member('a', '1.5')] }))).toContain('whole number');
    expect(refused(form({ id: 'pool', members: [member('a')], minHealthy: '2' }))).toContain('more than the group has (1)');
    expect(refused(form({ id: 'pool', members: [member('a')], cooldownS: '0' }))).toContain('at least 1');
  });

  it('takes a negative priority, which puts a member first', () => {
    expect(ok(form({ id: 'p', members: [member('a', '', '-1')] })).members).toEqual([{ server: 'a', priority: -1 }]);
  });
});

describe('applyGroupEvent', () => {
  const ev = (type: string, data: Record<string, unknown>) => ({ id: 1, type, time: '', data });

  it('changes a group state from group.state', () => {
    const next = applyGroupEvent([group], ev('group.state', { group: 'search', state: 'degraded', previous: 'healthy' }));
    expect(next[0].state).toBe('degraded');
    expect(group.state).toBe('healthy');
  });

  it("changes one member's breaker from group.breaker", () => {
    const next = applyGroupEvent([group], ev('group.breaker', { group: 'search', server: 'b', state: 'open', previous: 'closed' }));
    expect(next[0].members!.map((m) => m.breaker!.state)).toEqual(['closed', 'open']);
  });

  it('answers the same list when the event is about nothing it holds', () => {
    const list = [group];
    expect(applyGroupEvent(list, ev('group.state', { group: 'other', state: 'unavailable' }))).toBe(list);
    expect(applyGroupEvent(list, ev('group.state', { group: 'search', state: 'healthy' }))).toBe(list);
    expect(applyGroupEvent(list, ev('group.breaker', { group: 'search', server: 'zzz', state: 'open' }))).toBe(list);
    expect(applyGroupEvent(list, ev('group.state', {}))).toBe(list);
  });
});

describe('groupURL', () => {
  it("is the API's address, or made from /mcp's", () => {
    expect(groupURL(group, 'http://127.0.0.1:7410/mcp')).toBe('http://127.0.0.1:7410/mcp/groups/search');
    expect(groupURL({ ...group, mcp_url: 'http://h/mcp/groups/search' }, 'x')).toBe('http://h/mcp/groups/search');
  });
});
