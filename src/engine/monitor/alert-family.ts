/**
 * Alerts whose conditions a feature decides as a set (one family of alert types): every call raises the conditions
 * that hold (one open alert per dedup key, its message updated while it holds) and resolves the family's alerts that
 * are no longer listed. Each change is published, so the WebSocket and notifications see open, change and resolve.
 */
import { randomUUID } from 'node:crypto';
import type { Alert, AlertType, Severity } from '../../domain/alert.js';
import type { Clock } from '../../lib/clock.js';
import type { AlertsRepository } from '../../store/types.js';

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
}): AlertFamilies<F> {
  const { repo, clock } = deps;
  /** Keys raised and not resolved, per family (read back from the store after a restart). */
  const known = new Map<string, Set<string>>();

  return {
    async sync(family, conditions) {
      const now = clock.now();
      let keys = known.get(family);
      if (!keys) {
        keys = new Set((await repo.list({ status: ['open', 'acknowledged'], type: family, limit: 1000 })).map((a) => a.dedupKey));
        known.set(family, keys);
      }
      const wanted = new Set(conditions.map((c) => c.key));
      for (const c of conditions) {
        const existing = await repo.findActiveByKey(c.key);
        if (existing) {
          if (existing.message !== c.message || existing.severity !== c.severity) {
            const patch = { message: c.message, severity: c.severity, details: c.details, updatedAt: now };
            await repo.update(existing.id, patch);
            deps.publish('updated', { ...existing, ...patch });
          }
        } else {
          const alert: Alert = {
            id: randomUUID(),
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
          deps.publish('raised', alert);
        }
        keys.add(c.key);
      }
      for (const key of [...keys]) {
        if (wanted.has(key)) continue;
        const existing = await repo.findActiveByKey(key);
        if (existing) {
          const patch = { status: 'resolved' as const, resolvedAt: now, updatedAt: now };
          await repo.update(existing.id, patch);
          deps.publish('resolved', { ...existing, ...patch });
        }
        keys.delete(key);
      }
    },
  };
}
