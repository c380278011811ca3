/**
 * The energy alerts: a silent or failing power meter, and a protocol whose power costs more than it earns. One open
 * alert per condition (dedup key), updated while it holds, resolved when it clears; each change is published.
 */
import { randomUUID } from 'node:crypto';
import type { Alert, AlertType, Severity } from '../domain/alert.js';
import type { Clock } from '../lib/clock.js';
import type { AlertsRepository } from '../store/types.js';

export interface EnergyAlertCondition {
  key: string;
  type: AlertType;
  severity: Severity;
  protocol: string | null;
  message: string;
  details: Record<string, unknown>;
}

export interface EnergyAlerts {
  /** Raise (or update the message of) the alert of each condition; resolve this family's alerts not listed. */
  sync(family: 'power_meter_silent' | 'net_negative', conditions: EnergyAlertCondition[]): Promise<void>;
}

export function createEnergyAlerts(deps: { repo: AlertsRepository; clock: Clock; publish: (change: 'raised' | 'updated' | 'resolved', alert: Alert) => void }): EnergyAlerts {
  const { repo, clock } = deps;
  /** Keys this process raised and has not resolved, per family (found again from the store after a restart). */
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
          if (existing.message !== c.message) {
            await repo.update(existing.id, { message: c.message, details: c.details, updatedAt: now });
            deps.publish('updated', { ...existing, message: c.message, details: c.details, updatedAt: now });
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
