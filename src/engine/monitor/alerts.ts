import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/schema.js';
import type { Alert, AlertType } from '../../domain/alert.js';
import type { Plan } from '../../domain/plan.js';
import type { Reallocation } from '../../domain/reallocation.js';
import type { Snapshot } from '../../domain/sample.js';
import type { Clock } from '../../lib/clock.js';
import { errorMessage, type FieldError, OrchaError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AlertRule } from '../../notifications/config.js';
import type { AlertsRepository } from '../../store/types.js';
import {
  type Condition,
  type CoordinatorStatus,
  createTrackers,
  degradedConditions,
  opportunityConditions,
  pressureConditions,
} from './alert-rules.js';
import { nodeHealthConditions } from './node-health-rules.js';

export type { AdapterStatus, CoordinatorStatus } from './alert-rules.js';

export type AlertChange = 'raised' | 'updated' | 'resolved' | 'acknowledged';
export interface AlertEvent {
  type: 'alert';
  change: AlertChange;
  alert: Alert;
}

export interface AlertServiceDeps {
  repo: AlertsRepository;
  clock: Clock;
  log: Logger;
  getConfig: () => Config;
  onEvent?: (event: AlertEvent) => void;
  newId?: () => string;
}

export interface AlertService {
  /** Raise, update or resolve the alerts a poll decides: disconnections, earnings drops, pressure, open breakers. */
  evaluate(input: { snapshot: Snapshot; status?: CoordinatorStatus }): Promise<AlertEvent[]>;
  /** Opportunities of a plan above `alerts.opportunityMinUsdPerHour`; ones no longer offered are resolved. */
  evaluatePlan(plan: Plan | null): Promise<AlertEvent[]>;
  /** A failed or rolled-back reallocation raises an alert; a later applied one resolves it. */
  reallocationOutcome(r: Reallocation): Promise<AlertEvent[]>;
  /** The do-no-harm guard stopped auto mode and returned to the last stable allocation; `reason` says why. */
  doNoHarm(reason: string): Promise<AlertEvent[]>;
  configInvalid(errors: FieldError[] | string): Promise<AlertEvent[]>;
  configValid(): Promise<AlertEvent[]>;
  /** A notification channel failed `failures` times in a row (its alert goes to the other channels). */
  channelFailing(channel: string, failures: number, threshold: number, error: string): Promise<AlertEvent[]>;
  channelRecovered(channel: string): Promise<AlertEvent[]>;
  /** Throws ORCHA_ERR_NOT_FOUND for an unknown id, ORCHA_ERR_CONFLICT for a resolved alert. */
  acknowledge(id: string, by: string): Promise<Alert>;
}

/** Types whose conditions are re-derived from every snapshot (and resolved as soon as they stop holding). */
const RANK = { info: 0, warning: 1, critical: 2 } as const;

const SNAPSHOT_TYPES: AlertType[] = ['protocol_disconnected', 'earnings_drop', 'resource_pressure', 'adapter_degraded', 'node_health'];

/** Alert types raised by one event each (not re-derived from every poll): a new message is written and published. */
const DISCRETE_TYPES: ReadonlySet<AlertType> = new Set<AlertType>(['config_invalid', 'reallocation_failed']);

export function createAlertService(deps: AlertServiceDeps): AlertService {
  const { repo, clock } = deps;
  const log = deps.log.child({ module: 'alerts' });
  const newId = deps.newId ?? randomUUID;
  const trackers = createTrackers();
  /** Active (open or acknowledged) alerts by key; loaded once, then kept in step with our own writes. */
  let active: Map<string, Alert> | null = null;
  /** Since when a not-yet-open condition has been firing without a break (the rule's for-duration). */
  const firingSince = new Map<string, { type: AlertType; at: number }>();
  /** Since when an open alert's condition has been gone (the rule's clear duration). */
  const clearSince = new Map<string, number>();
  /** Since when an open alert has been at a lower severity than it shows (de-escalation waits like a clear). */
  const lowerSince = new Map<string, number>();
  /** Last time a value-only change (same severity, new numbers) was written: at most every few minutes, silently. */
  const quietWrites = new Map<string, number>();
  const QUIET_WRITE_MS = 5 * 60_000;

  const ruleOf = (type: AlertType) => (deps.getConfig().alerts.rules as Partial<Record<AlertType, AlertRule>>)[type];
  const minutes = (m: number | undefined) => (m ?? 0) * 60_000;

  const emit = (e: AlertEvent) => {
    try {
      deps.onEvent?.(e);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'alert listener failed');
    }
  };

  async function activeAlerts(): Promise<Map<string, Alert>> {
    if (active) return active;
    const list = await repo.list({ status: ['open', 'acknowledged'], limit: 10_000 });
    active = new Map(list.map((a) => [a.dedupKey, a]));
    return active;
  }

  /** An open alert whose condition still holds: severity changes are events; new numbers alone are not. */
  async function refresh(existing: Alert, c: Condition): Promise<AlertEvent | null> {
    const map = await activeAlerts();
    const now = clock.now();
    let severity = existing.severity;
    if (c.severity !== existing.severity) {
      const up = RANK[c.severity] > RANK[existing.severity];
      if (up) severity = c.severity;
      else {
        const since = lowerSince.get(c.key) ?? now;
        lowerSince.set(c.key, since);
        if (now - since >= minutes(ruleOf(c.type)?.clearMinutes)) severity = c.severity;
      }
    }
    if (severity === c.severity) lowerSince.delete(c.key);
    if (severity !== existing.severity) {
      const patch = { severity, message: c.message, details: { ...c.details, previousSeverity: existing.severity }, updatedAt: now };
      await repo.update(existing.id, patch);
      const updated = { ...existing, ...patch };
      map.set(c.key, updated);
      quietWrites.set(c.key, now);
      return { type: 'alert', change: 'updated', alert: updated };
    }
    // Same condition, same words: nothing to write (a poll every few seconds must not churn the table).
    if (existing.message === c.message) return null;
    // A rejected config or a failed reallocation is an event, not a polled number: its new words are news.
    if (DISCRETE_TYPES.has(c.type)) {
      const patch = { message: c.message, details: c.details, updatedAt: now };
      await repo.update(existing.id, patch);
      const updated = { ...existing, ...patch };
      map.set(c.key, updated);
      return { type: 'alert', change: 'updated', alert: updated };
    }
    if (now - (quietWrites.get(c.key) ?? existing.updatedAt) < QUIET_WRITE_MS) return null;
    quietWrites.set(c.key, now);
    const patch = { message: c.message, details: c.details };
    await repo.update(existing.id, patch);
    map.set(c.key, { ...existing, ...patch });
    return null;
  }

  async function raise(c: Condition): Promise<AlertEvent | null> {
    const map = await activeAlerts();
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
    if (now - since < minutes(ruleOf(c.type)?.forMinutes)) return null;
    firingSince.delete(c.key);
    const alert: Alert = {
      id: newId(),
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
    log.info({ alert: alert.type, key: c.key, severity: c.severity }, c.message);
    return { type: 'alert', change: 'raised', alert };
  }

  async function resolve(key: string): Promise<AlertEvent | null> {
    const map = await activeAlerts();
    const existing = map.get(key);
    if (!existing) return null;
    const now = clock.now();
    await repo.update(existing.id, { status: 'resolved', resolvedAt: now, updatedAt: now });
    map.delete(key);
    clearSince.delete(key);
    lowerSince.delete(key);
    quietWrites.delete(key);
    return { type: 'alert', change: 'resolved', alert: { ...existing, status: 'resolved', resolvedAt: now, updatedAt: now } };
  }

  /**
   * Raise every condition that has fired for its rule's for-duration; resolve the active alerts of `types`
   * (matching `scope`) whose condition has been gone — under the hysteresis threshold — for the clear duration.
   */
  async function sync(conditions: Condition[], types: AlertType[], scope: (a: Alert) => boolean = () => true): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    const holding = new Set(conditions.map((c) => c.key));
    const firing = new Set(conditions.filter((c) => c.firing).map((c) => c.key));
    for (const c of conditions) {
      const e = await raise(c);
      if (e) events.push(e);
    }
    // A break in the condition restarts its for-duration.
    for (const [key, f] of firingSince) if (types.includes(f.type) && !firing.has(key)) firingSince.delete(key);
    const map = await activeAlerts();
    const now = clock.now();
    for (const a of [...map.values()]) {
      if (types.includes(a.type) && scope(a) && !holding.has(a.dedupKey)) {
        const since = clearSince.get(a.dedupKey) ?? now;
        clearSince.set(a.dedupKey, since);
        if (now - since < minutes(ruleOf(a.type)?.clearMinutes)) continue;
        const e = await resolve(a.dedupKey);
        if (e) events.push(e);
      }
    }
    for (const e of events) emit(e);
    return events;
  }

  return {
    async evaluate({ snapshot, status }) {
      const config = deps.getConfig();
      const conditions = [
        ...trackers.observe(snapshot, config),
        ...pressureConditions(snapshot, config),
        ...degradedConditions(status, config),
        ...nodeHealthConditions(snapshot),
      ];
      // Without a coordinator status nothing is known about breakers: leave their alerts as they are.
      return sync(conditions, SNAPSHOT_TYPES, (a) => a.type !== 'adapter_degraded' || status !== undefined);
    },
    evaluatePlan(plan) {
      return sync(opportunityConditions(plan, deps.getConfig()), ['optimization_opportunity']);
    },
    async reallocationOutcome(r) {
      if (r.dryRun) return [];
      if (r.status === 'failed' || r.status === 'rolled_back') {
        return sync(
          [
            {
              key: 'reallocation_failed',
              type: 'reallocation_failed',
              // Rolled back cleanly: the world is as before. Failed: the rollback itself did not finish.
              severity: r.status === 'failed' ? 'critical' : 'warning',
              protocol: null,
              message: `reallocation ${r.id} ${r.status === 'failed' ? 'failed' : 'was rolled back'}: ${r.reason ?? 'unknown error'}`,
              details: { reallocationId: r.id, status: r.status },
              firing: true,
            },
          ],
          [],
        );
      }
      if (r.status === 'applied') return sync([], ['reallocation_failed']);
      return [];
    },
    doNoHarm(reason) {
      const condition: Condition = { key: 'do_no_harm', type: 'do_no_harm', severity: 'warning', protocol: null, message: reason, details: { reason }, firing: true };
      return sync([condition], []);
    },
    configInvalid(errors) {
      const text = typeof errors === 'string' ? errors : errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      return sync(
        [
          {
            key: 'config_invalid',
            type: 'config_invalid',
            severity: 'warning',
            protocol: null,
            message: `configuration change rejected, the running configuration stays: ${text}`,
            details: { errors: typeof errors === 'string' ? [{ path: '', message: errors }] : errors },
            firing: true,
          },
        ],
        [],
      );
    },
    configValid() {
      return sync([], ['config_invalid']);
    },
    channelFailing(channel, failures, threshold, error) {
      return sync(
        [
          {
            key: `notification_failed:${channel}`,
            type: 'notification_failed',
            severity: 'warning',
            protocol: null,
            message: `notification channel ${channel} failed ${failures} times in a row: ${error}`,
            details: { channel, consecutiveFailures: failures, threshold, lastError: error },
            firing: true,
          },
        ],
        [],
      );
    },
    async channelRecovered(channel) {
      return sync([], ['notification_failed'], (a) => a.dedupKey === `notification_failed:${channel}`);
    },
    async acknowledge(id, by) {
      const alert = await repo.get(id);
      if (!alert) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `alert ${id} not found`);
      if (alert.status === 'resolved') throw new OrchaError('ORCHA_ERR_CONFLICT', `alert ${id} is already resolved`);
      if (alert.status === 'acknowledged') return alert;
      const now = clock.now();
      const patch = { status: 'acknowledged' as const, acknowledgedAt: now, acknowledgedBy: by, updatedAt: now };
      await repo.update(id, patch);
      const updated = { ...alert, ...patch };
      const map = await activeAlerts();
      map.set(updated.dedupKey, updated);
      emit({ type: 'alert', change: 'acknowledged', alert: updated });
      return updated;
    },
  };
}
