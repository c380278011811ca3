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
import type { AlertCondition } from './alert-family.js';
import { createAlertGate } from './alert-gate.js';
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
  /**
   * A feature's alert family (energy, fleet): raise or update each listed condition, resolve the family's active
   * alerts not listed, with the same gating as every other alert (its rule's durations; only opens, severity changes
   * and resolves are published).
   */
  syncFamily(family: AlertType, conditions: AlertCondition[]): Promise<AlertEvent[]>;
  /** Throws ORCHA_ERR_NOT_FOUND for an unknown id, ORCHA_ERR_CONFLICT for a resolved alert. */
  acknowledge(id: string, by: string): Promise<Alert>;
}

/** Types whose conditions are re-derived from every snapshot (and resolved as soon as they stop holding). */
const SNAPSHOT_TYPES: AlertType[] = ['protocol_disconnected', 'earnings_drop', 'resource_pressure', 'adapter_degraded', 'node_health'];

export function createAlertService(deps: AlertServiceDeps): AlertService {
  const { repo, clock } = deps;
  const log = deps.log.child({ module: 'alerts' });
  const trackers = createTrackers();
  const gate = createAlertGate({
    repo,
    clock,
    newId: deps.newId ?? randomUUID,
    rule: (type) => (deps.getConfig().alerts.rules as Partial<Record<AlertType, AlertRule>>)[type],
  });

  const emit = (e: AlertEvent) => {
    try {
      deps.onEvent?.(e);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'alert listener failed');
    }
  };

  /** Through the gate; each change is logged when an alert opens and published. */
  async function sync(conditions: Condition[], types: AlertType[], scope?: (a: Alert) => boolean): Promise<AlertEvent[]> {
    const events: AlertEvent[] = (await gate.sync(conditions, types, scope)).map((e) => ({ type: 'alert', ...e }));
    for (const e of events) {
      if (e.change === 'raised') log.info({ alert: e.alert.type, key: e.alert.dedupKey, severity: e.alert.severity }, e.alert.message);
      emit(e);
    }
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
    syncFamily(family, conditions) {
      return sync(
        conditions.map((c) => ({ ...c, firing: true })),
        [family],
      );
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
      (await gate.active()).set(updated.dedupKey, updated);
      emit({ type: 'alert', change: 'acknowledged', alert: updated });
      return updated;
    },
  };
}
