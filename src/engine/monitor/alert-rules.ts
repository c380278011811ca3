import type { Config } from '../../config/schema.js';
import type { AdapterStatus as FullAdapterStatus } from '../../domain/adapter-status.js';
import type { AlertType, Severity } from '../../domain/alert.js';
import type { Plan } from '../../domain/plan.js';
import { RESOURCES, type Resource } from '../../domain/resources.js';
import type { Snapshot } from '../../domain/sample.js';

/** A condition that holds now; the alert service turns it into a new, updated or unchanged alert. */
export interface Condition {
  key: string;
  type: AlertType;
  severity: Severity;
  protocol: string | null;
  message: string;
  details: Record<string, unknown> | null;
  /**
   * true: over the threshold (counts toward the rule's for-duration). false: back under it but not yet under the
   * lower, hysteresis threshold — keeps an open alert open, never opens one.
   */
  firing: boolean;
}

/** What the rules read of an adapter's status (the one shape in domain/adapter-status.ts). */
export type AdapterStatus = Pick<FullAdapterStatus, 'protocol' | 'breaker'> &
  Partial<Pick<FullAdapterStatus, 'consecutiveFailures' | 'lastError'>>;

export interface CoordinatorStatus {
  adapters: AdapterStatus[];
}

const fmt = (x: number, d = 1) => Number(x.toFixed(d)).toString();

/** Host use per resource, in percent. */
export function hostPressure(snapshot: Snapshot): Record<Resource, number> {
  const h = snapshot.host;
  const pct = (a: number, b: number) => (b > 0 ? (a / b) * 100 : 0);
  return {
    cpu: h.cpuPercent,
    memory: pct(h.memoryUsedBytes, h.memoryTotalBytes),
    bandwidth: pct(h.bandwidthBytesPerSec, h.bandwidthCapacityBytesPerSec),
    storage: pct(h.storageUsedBytes, h.storageTotalBytes),
  };
}

export function pressureConditions(snapshot: Snapshot, config: Config): Condition[] {
  const use = hostPressure(snapshot);
  const clearBelow = (r: Resource) => config.alerts.pressure[r] - config.alerts.rules.resource_pressure.hysteresis;
  return RESOURCES.filter((r) => use[r] > config.alerts.pressure[r] || use[r] >= clearBelow(r)).map((r) => ({
    key: `resource_pressure:${r}`,
    type: 'resource_pressure' as const,
    // Close to full is a different urgency from over the operator's threshold.
    severity: use[r] >= Math.max(98, config.alerts.pressure[r]) ? ('critical' as const) : ('warning' as const),
    protocol: null,
    message: `${r} at ${fmt(use[r])} % (threshold ${config.alerts.pressure[r]} %)`,
    details: { resource: r, percent: use[r], threshold: config.alerts.pressure[r], clearsBelow: clearBelow(r) },
    firing: use[r] > config.alerts.pressure[r],
  }));
}

export function degradedConditions(status: CoordinatorStatus | undefined, config?: Config): Condition[] {
  return (status?.adapters ?? [])
    // half-open: one trial call is under way; the alert stays until the breaker closes
    .filter((a) => a.breaker === 'open' || a.breaker === 'half-open')
    .map((a) => ({
      key: `adapter_degraded:${a.protocol}`,
      type: 'adapter_degraded' as const,
      severity: 'warning' as const,
      protocol: a.protocol,
      message: `${a.protocol}: circuit breaker open after ${a.consecutiveFailures ?? 'repeated'} failures${a.lastError ? ` (${a.lastError})` : ''}`,
      details: {
        breaker: a.breaker,
        consecutiveFailures: a.consecutiveFailures ?? null,
        threshold: config?.coordinator.breakerFailures ?? null,
        lastError: a.lastError ?? null,
      },
      firing: a.breaker === 'open',
    }));
}

export function opportunityConditions(plan: Plan | null, config: Config): Condition[] {
  if (!plan) return [];
  return plan.opportunities
    .filter((o) => o.gainUsdPerHour >= config.alerts.opportunityMinUsdPerHour && o.confidence >= config.optimizer.minConfidence)
    .map((o) => ({
      key: `optimization_opportunity:${o.resource}:${o.from}:${o.to}`,
      type: 'optimization_opportunity' as const,
      severity: 'info' as const,
      protocol: o.to,
      message: `move ${fmt(o.sharePercent)} % of ${o.resource} from ${o.from} to ${o.to}: +${fmt(o.gainUsdPerHour, 4)} USD/h (confidence ${fmt(o.confidence, 2)})`,
      details: { ...o },
      firing: true,
    }));
}

/**
 * Per-protocol state across snapshots: consecutive disconnected polls, and two moving averages of USD/h (15 min
 * and 6 h). A drop is the short average under the long one by `earningsDropPercent`, so one quiet poll between
 * counter increments does not alert.
 */
export function createTrackers() {
  const SHORT_MS = 15 * 60_000;
  const LONG_MS = 6 * 3_600_000;
  /** The long average means little before it has seen this much history. */
  const WARMUP_MS = 3_600_000;
  const state = new Map<string, { down: number; short: number; long: number; first: number; last: number }>();

  function observe(snapshot: Snapshot, config: Config): Condition[] {
    const out: Condition[] = [];
    for (const s of snapshot.protocols) {
      let st = state.get(s.protocol);
      if (!st) {
        st = { down: 0, short: s.usdPerHour, long: s.usdPerHour, first: s.time, last: s.time };
        state.set(s.protocol, st);
      }
      st.down = s.connected ? 0 : st.down + 1;
      if (st.down > 0) {
        out.push({
          key: `protocol_disconnected:${s.protocol}`,
          type: 'protocol_disconnected',
          severity: 'critical',
          protocol: s.protocol,
          message: `${s.protocol} disconnected for ${st.down} polls${s.error ? `: ${s.error}` : ''}`,
          details: { polls: st.down, threshold: config.alerts.disconnectedAfter, error: s.error ?? null },
          firing: st.down >= config.alerts.disconnectedAfter,
        });
      }
      if (!s.connected) continue;
      const dt = Math.max(0, s.time - st.last);
      st.short += (s.usdPerHour - st.short) * (1 - Math.exp(-dt / SHORT_MS));
      st.long += (s.usdPerHour - st.long) * (1 - Math.exp(-dt / LONG_MS));
      st.last = s.time;
      const threshold = config.alerts.earningsDropPercent;
      const limit = st.long * (1 - threshold / 100);
      const clearLimit = st.long * (1 - Math.max(0, threshold - config.alerts.rules.earnings_drop.hysteresis) / 100);
      if (s.time - st.first >= WARMUP_MS && st.long > 0 && st.short < clearLimit) {
        const drop = (1 - st.short / st.long) * 100;
        out.push({
          key: `earnings_drop:${s.protocol}`,
          type: 'earnings_drop',
          severity: drop >= Math.min(100, 2 * config.alerts.earningsDropPercent) ? 'critical' : 'warning',
          protocol: s.protocol,
          message: `${s.protocol} earns ${fmt(st.short, 4)} USD/h, ${fmt(drop)} % under its 6-hour average ${fmt(st.long, 4)} USD/h`,
          details: { recentUsdPerHour: st.short, trailingUsdPerHour: st.long, dropPercent: drop, threshold },
          firing: st.short < limit,
        });
      }
    }
    return out;
  }
  return { observe };
}
