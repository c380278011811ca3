/**
 * Alerts whose conditions a feature decides as a set (one family of alert types): every call raises the conditions
 * that hold (one open alert per dedup key) and resolves the family's alerts that are no longer listed. It goes through
 * the same gate as every other alert (src/engine/monitor/alert-gate.ts), so only an alert that opens, changes
 * severity or resolves is published: a message whose numbers move at every check is written quietly, not sent.
 * The daemon hands its alert service's `syncFamily` to a feature; a feature on its own (the fleet) builds one here.
 */
import { randomUUID } from 'node:crypto';
import type { Alert, AlertType, Severity } from '../../domain/alert.js';
import type { Clock } from '../../lib/clock.js';
import type { AlertRule } from '../../notifications/config.js';
import type { AlertsRepository } from '../../store/types.js';
import { createAlertGate } from './alert-gate.js';

export interface AlertCondition {
  key: string;
  type: AlertType;
  severity: Severity;
  protocol: string | null;
  message: string;
  details: Record<string, unknown>;
}

export type AlertFamilyChange = 'raised' | 'updated' | 'resolved';

export interface AlertFamilies<F extends AlertType = AlertType> {
  /** Raise (or update) the alert of each condition; resolve this family's active alerts that are not listed. */
  sync(family: F, conditions: AlertCondition[]): Promise<void>;
}

export function createAlertFamilies<F extends AlertType = AlertType>(deps: {
  repo: AlertsRepository;
  clock: Clock;
  publish: (change: AlertFamilyChange, alert: Alert) => void;
  /** The configured rule of a type (for-duration, clear duration); none = open and resolve at once. */
  rule?: (type: AlertType) => AlertRule | undefined;
}): AlertFamilies<F> {
  const gate = createAlertGate({ repo: deps.repo, clock: deps.clock, newId: randomUUID, rule: deps.rule ?? (() => undefined) });
  return {
    async sync(family, conditions) {
      const events = await gate.sync(
        conditions.map((c) => ({ ...c, firing: true })),
        [family],
      );
      for (const e of events) deps.publish(e.change, e.alert);
    },
  };
}
