// Groups: pools of interchangeable servers served as one virtual server.
// The shapes the API shows, the form that edits one (numbers as typed, so
// an empty field means the default), the request body made from it, and
// the live events that change a listed group's state.
import type { SbEvent } from './api';

export type BreakerState = 'closed' | 'open' | 'half_open' | string;
export type GroupState = 'healthy' | 'degraded' | 'unavailable' | string;

export interface GroupMember {
  server: string;
  weight: number;
  priority: number;
  server_state?: string;
  eligible?: boolean;
  /** Why the member takes no calls now, when it does not. */
  not_eligible_reason?: string;
  active_calls?: number;
  calls_total?: number;
  failures_total?: number;
  breaker?: { state: BreakerState; consecutive_failures?: number; opened_at?: string | null; retry_at?: string | null };
}

export interface Group {
  id: string;
  description?: string;
  strategy: string;
  min_healthy: number;
  hide_members: boolean;
  retry_tools?: string[] | null;
  breaker?: { failure_threshold: number; cooldown_s: number };
  state: GroupState;
  healthy_members: number;
  members: GroupMember[] | null;
  /** How many tools the group serves. */
  tool_count?: number;
  prompt_count?: number;
  resource_count?: number;
  endpoint?: string;
  mcp_url?: string;
}

/** One tool of a group, as GET /api/v1/groups/{id}/tools lists it. */
export interface GroupTool {
  /** Its name on the group's own address. */
  name: string;
  /** Its name on the main address: {group}__{tool}. */
  mcp_name: string;
  description: string;
  /** The members that offer it now, in config order. */
  members: string[] | null;
  /** A call that fails on one member is sent to another. */
  retryable: boolean;
}

export const STRATEGIES: { id: string; label: string; hint: string }[] = [
  { id: 'round_robin', label: 'Round robin', hint: 'Each call goes to the next member in turn.' },
  { id: 'weighted_round_robin', label: 'Weighted round robin', hint: 'In turn, each member as often as its weight says; weight 0 is a spare.' },
  { id: 'least_connections', label: 'Least connections', hint: 'Each call goes to the member with the fewest calls running.' },
  { id: 'random', label: 'Random', hint: 'A member at random, by weight; weight 0 is a spare.' },
  { id: 'priority', label: 'Priority (fail-over)', hint: 'The member with the lowest priority number in service takes every call; the others wait as fail-overs.' },
];

export const usesWeight = (strategy: string) => strategy === 'weighted_round_robin' || strategy === 'random';
export const usesPriority = (strategy: string) => strategy === 'priority';

export interface MemberForm {
  server: string;
  weight: string;
  priority: string;
}

export interface GroupForm {
  id: string;
  description: string;
  strategy: string;
  members: MemberForm[];
  minHealthy: string;
  failureThreshold: string;
  cooldownS: string;
  hideMembers: boolean;
  /** Tool names, one per line or separated by commas. */
  retryTools: string;
}

export function emptyGroupForm(): GroupForm {
  return {
    id: '', description: '', strategy: 'round_robin', members: [], minHealthy: '', failureThreshold: '', cooldownS: '',
    hideMembers: true, retryTools: '',
  };
}

const str = (n: number | undefined | null) => (n === undefined || n === null ? '' : String(n));

export function groupFormFrom(g: Group): GroupForm {
  return {
    id: g.id,
    description: g.description ?? '',
    strategy: g.strategy || 'round_robin',
    members: (g.members ?? []).map((m) => ({ server: m.server, weight: str(m.weight), priority: str(m.priority) })),
    minHealthy: str(g.min_healthy),
    failureThreshold: str(g.breaker?.failure_threshold),
    cooldownS: str(g.breaker?.cooldown_s),
    hideMembers: g.hide_members !== false,
    retryTools: (g.retry_tools ?? []).join('\n'),
  };
}

export interface GroupBody {
  id?: string;
  description?: string;
  strategy: string;
  members: { server: string; weight?: number; priority?: number }[];
  min_healthy?: number;
  hide_members: boolean;
  retry_tools?: string[];
  breaker?: { failure_threshold?: number; cooldown_s?: number };
}

type Num = { ok: true; value: number | undefined } | { ok: false; error: string };

/** A whole number typed in a field: '' is the default (undefined). */
function whole(text: string, what: string, min: number): Num {
  const t = text.trim();
  if (!t) return { ok: true, value: undefined };
  if (!/^-?\d+$/.test(t)) return { ok: false, error: `${what} must be a whole number, not “${t}”.` };
  const n = Number(t);
  if (n < min) return { ok: false, error: `${what} must be at least ${min}.` };
  return { ok: true, value: n };
}

/**
 * The body of POST /api/v1/groups (with the id) or PUT
 * /api/v1/groups/{id}, or an error in words naming the field that is wrong.
 */
export function groupBody(f: GroupForm, creating: boolean): { ok: true; body: GroupBody } | { ok: false; error: string } {
  const id = f.id.trim();
  if (creating) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return { ok: false, error: 'The id must be 1 to 64 letters, digits, _ or - (it is part of the group’s address).' };
    if (id.includes('__')) return { ok: false, error: 'The id must not contain “__”, which separates a group from its tools’ names.' };
  }
  const members: GroupBody['members'] = [];
  const seen = new Set<string>();
  for (const [i, m] of f.members.entries()) {
    const server = m.server.trim();
    if (!server) return { ok: false, error: `Member ${i + 1} has no server: choose one, or remove the row.` };
    if (seen.has(server)) return { ok: false, error: `${server} is a member twice.` };
    seen.add(server);
    const w = whole(m.weight, `The weight of ${server}`, 0);
    if (!w.ok) return w;
    const p = whole(m.priority, `The priority of ${server}`, Number.MIN_SAFE_INTEGER);
    if (!p.ok) return p;
    const member: GroupBody['members'][number] = { server };
    if (w.value !== undefined) member.weight = w.value;
    if (p.value !== undefined) member.priority = p.value;
    members.push(member);
  }
  if (!members.length) return { ok: false, error: 'A group needs at least one member.' };
  const min = whole(f.minHealthy, 'The members needed in service', 1);
  if (!min.ok) return min;
  if (min.value !== undefined && min.value > members.length) {
    return { ok: false, error: `The members needed in service (${min.value}) is more than the group has (${members.length}).` };
  }
  const threshold = whole(f.failureThreshold, 'The failures that open a breaker', 1);
  if (!threshold.ok) return threshold;
  const cooldown = whole(f.cooldownS, 'The breaker’s pause', 1);
  if (!cooldown.ok) return cooldown;
  const body: GroupBody = { strategy: f.strategy || 'round_robin', members, hide_members: f.hideMembers };
  if (creating) body.id = id;
  if (f.description.trim()) body.description = f.description.trim();
  if (min.value !== undefined) body.min_healthy = min.value;
  const retry = f.retryTools.split(/[\n,]/).map((t) => t.trim()).filter(Boolean);
  if (retry.length) body.retry_tools = retry;
  if (threshold.value !== undefined || cooldown.value !== undefined) {
    body.breaker = {};
    if (threshold.value !== undefined) body.breaker.failure_threshold = threshold.value;
    if (cooldown.value !== undefined) body.breaker.cooldown_s = cooldown.value;
  }
  return { ok: true, body };
}

/**
 * A group list with a live event applied: group.state sets a group's
 * state, group.breaker one member's breaker. Answers the same list when
 * the event changes nothing it holds.
 */
export function applyGroupEvent(groups: Group[], e: SbEvent): Group[] {
  const d = (e.data ?? {}) as { group?: string; state?: string; server?: string };
  const { group, state, server } = d;
  if (!group || !state) return groups;
  let changed = false;
  const next = groups.map((g) => {
    if (g.id !== group) return g;
    if (e.type === 'group.state' && g.state !== state) {
      changed = true;
      return { ...g, state };
    }
    if (e.type === 'group.breaker' && server) {
      const members = (g.members ?? []).map((m) => {
        if (m.server !== server || m.breaker?.state === state) return m;
        changed = true;
        return { ...m, breaker: { ...m.breaker, state } };
      });
      return changed ? { ...g, members } : g;
    }
    return g;
  });
  return changed ? next : groups;
}

/** The group's MCP address: the API's, or made from /mcp's. */
export function groupURL(g: Group, mcpURL: string): string {
  return g.mcp_url || `${mcpURL.replace(/\/$/, '')}/groups/${encodeURIComponent(g.id)}`;
}

export const BREAKER_WORDS: Record<string, string> = {
  closed: 'closed: takes calls',
  open: 'open: kept out after failures',
  half_open: 'half open: one trial call',
};
