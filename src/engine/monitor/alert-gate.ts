/**
 * The one place that turns conditions into alert changes, so nothing pages more than it should: a condition must
 * fire for its rule's for-duration before the alert opens, must stay gone for the clear duration before it resolves
 * (hysteresis is in the condition: `firing: false` keeps an open alert open), a lower severity waits like a clear,
 * and new numbers alone are written quietly (at most every few minutes) and never published. Only an alert that
 * opens, changes severity (or, for one-off events, its words) or resolves becomes an event for the WebSocket and the
 * channels. The alert service and every feature's alert family (energy, fleet) go through it.
 */
import type { Alert, AlertType } from '../../domain/alert.js';
import type { Clock } from '../../lib/clock.js';
import type { AlertRule } from '../../notifications/config.js';
import type { AlertsRepository } from '../../store/types.js';
import type { Condition } from './alert-rules.js';

export type GateChange = 'raised' | 'updated' | 'resolved';
export interface GateEvent {
  change: GateChange;
  alert: Alert;
}

export interface AlertGateDeps {
  repo: AlertsRepository;
  clock: Clock;
  /** The rule of a type (for-duration, clear duration); none = open and resolve at once. */
  rule: (type: AlertType) => AlertRule | undefined;
  newId: () => string;
}

/** Types raised by one event each (not re-derived from every poll): a new message is written and published. */
const DISCRETE_TYPES: ReadonlySet<AlertType> = new Set<AlertType>(['config_invalid', 'reallocation_failed']);
const RANK = { info: 0, warning: 1, critical: 2 } as const;
/** Value-only changes (same severity, new numbers) are written at most this often, silently. */
export const QUIET_WRITE_MS = 5 * 60_000;

export function createAlertGate(deps: AlertGateDeps) {
  const { repo, clock } = deps;
  /** Active (open or acknowledged) alerts by key; loaded once, then kept in step with our own writes. */
  let loading: Promise<Map<string, Alert>> | null = null;
  /** Since when a not-yet-open condition has been firing without a break (the rule's for-duration). */
  const firingSince = new Map<string, { type: AlertType; at: number }>();
  /** Since when an open alert's condition has been gone (the rule's clear duration). */
  const clearSince = new Map<string, number>();
  /** Since when an open alert has been at a lower severity than it shows (de-escalation waits like a clear). */
  const lowerSince = new Map<string, number>();
  const quietWrites = new Map<string, number>();
  const minutes = (m: number | undefined) => (m ?? 0) * 60_000;

  /** One load shared by concurrent first callers (two maps would lose one caller's writes). */
  function active(): Promise<Map<string, Alert>> {
    loading ??= repo.list({ status: ['open', 'acknowledged'], limit: 10_000 }).then((list) => new Map(list.map((a) => [a.dedupKey, a])));
    return loading;
  }

  /** An open alert whose condition still holds: severity changes are events; new numbers alone are not. */
  async function refresh(existing: Alert, c: Condition): Promise<GateEvent | null> {
    const map = await active();
    const now = clock.now();
    let severity = existing.severity;
    if (c.severity !== existing.severity) {
      if (RANK[c.severity] > RANK[existing.severity]) severity = c.severity;
      else {
        const since = lowerSince.get(c.key) ?? now;
        lowerSince.set(c.key, since);
        if (now - since >= minutes(deps.rule(c.type)?.clearMinutes)) severity = c.severity;
      }
    }
    if (severity === c.severity) lowerSince.delete(c.key);
    if (severity !== existing.severity) {
      const patch = { severity, message: c.message, details: { ...c.details, previousSeverity: existing.severity }, updatedAt: now };
      await repo.update(existing.id, patch);
      const updated = { ...existing, ...patch };
      map.set(c.key, updated);
      quietWrites.set(c.key, now);
      return { change: 'updated', alert: updated };
    }
    // Same condition, same words: nothing to write (a poll every few seconds must not churn the table).
    if (existing.message === c.message) return null;
    // A rejected config or a failed reallocation is an event, not a polled number: its new words are news.
    if (DISCRETE_TYPES.has(c.type)) {
      const patch = { message: c.message, details: c.details, updatedAt: now };
      await repo.update(existing.id, patch);
      const updated = { ...existing, ...patch };
      map.set(c.key, updated);
      return { change: 'updated', alert: updated };
    }
    if (now - (quietWrites.get(c.key) ?? existing.updatedAt) < QUIET_WRITE_MS) return null;
    quietWrites.set(c.key, now);
    const patch = { message: c.message, details: c.details };
    await repo.update(existing.id, patch);
    map.set(c.key, { ...existing, ...patch });
    return null;
  }

  async function raise(c: Condition): Promise<GateEvent | null> {
    const map = await active();
    const existing = map.get(c.key) ?? (await repo.findActiveByKey(c.key));
    const now = clock.now();
    if (existing) {
      map.set(c.key, existing);
      clearSince.delete(c.key);
      firingSince.delete(c.key);
      return refresh(existing, c);
    }
    if (!c.firing) {
      firingSince.delete(c.key);
      return null;
    }
    const since = firingSince.get(c.key)?.at ?? now;
    firingSince.set(c.key, { type: c.type, at: since });
    if (now - since < minutes(deps.rule(c.type)?.forMinutes)) return null;
    firingSince.delete(c.key);
    const alert: Alert = {
      id: deps.newId(),
      type: c.type,
      severity: c.severity,
      status: 'open',
      dedupKey: c.key,
      protocol: c.protocol,
      message: c.message,
      details: c.details,
      createdAt: now,
      updatedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    };
    await repo.insert(alert);
    map.set(c.key, alert);
    return { change: 'raised', alert };
  }

  async function resolve(key: string): Promise<GateEvent | null> {
    const map = await active();
    const existing = map.get(key);
    if (!existing) return null;
    const now = clock.now();
    await repo.update(existing.id, { status: 'resolved', resolvedAt: now, updatedAt: now });
    map.delete(key);
    clearSince.delete(key);
    lowerSince.delete(key);
    quietWrites.delete(key);
    return { change: 'resolved', alert: { ...existing, status: 'resolved', resolvedAt: now, updatedAt: now } };
  }

  return {
    active,
    /**
     * Raise every condition that has fired for its rule's for-duration; resolve the active alerts of `types`
     * (matching `scope`) whose condition has been gone — under the hysteresis threshold — for the clear duration.
     * Returns the changes, in order; the caller publishes them.
     */
    async sync(conditions: Condition[], types: AlertType[], scope: (a: Alert) => boolean = () => true): Promise<GateEvent[]> {
      const events: GateEvent[] = [];
      const holding = new Set(conditions.map((c) => c.key));
      const firing = new Set(conditions.filter((c) => c.firing).map((c) => c.key));
      for (const c of conditions) {
        const e = await raise(c);
        if (e) events.push(e);
      }
      // A break in the condition restarts its for-duration.
      for (const [key, f] of firingSince) if (types.includes(f.type) && !firing.has(key)) firingSince.delete(key);
      const map = await active();
      const now = clock.now();
      for (const a of [...map.values()]) {
        if (types.includes(a.type) && scope(a) && !holding.has(a.dedupKey)) {
          const since = clearSince.get(a.dedupKey) ?? now;
          clearSince.set(a.dedupKey, since);
          if (now - since < minutes(deps.rule(a.type)?.clearMinutes)) continue;
          const e = await resolve(a.dedupKey);
          if (e) events.push(e);
        }
      }
      return events;
    },
  };
}
export type AlertGate = ReturnType<typeof createAlertGate>;
