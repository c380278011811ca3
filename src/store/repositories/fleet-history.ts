/**
 * A remote host's history once retention has thinned it out: the hours whose raw rows are gone are read from the
 * host's hourly rollups (migration 014), the rest raw, merged bucket by bucket weighted by samples. While nothing of
 * the range was rolled up, the raw reads answer alone, exactly as before.
 */
import type { ProtocolPoint, SnapshotPoint } from '../types.js';
import type { FleetRepository } from './fleet.repository.js';
import type { FleetRollups, HostHourRow, ProtocolHourRow } from './fleet-rollups.js';
import { mergeProtocolPoints, mergeSnapshotPoints, type SnapshotAggregate } from './metrics-points.js';
import { planRange, type Span } from './range-plan.js';

const bucket = (time: number, step: number) => (step ? Math.floor(time / step) * step : time);

function hostAggregate(r: HostHourRow, step: number): SnapshotAggregate {
  return {
    samples: r.samples,
    point: {
      time: bucket(r.hour, step),
      totalUsdPerHour: r.totalUsdPerHour,
      cpuPercent: r.cpuPercent,
      memoryPercent: r.memoryPercent,
      bandwidthPercent: r.bandwidthPercent,
      storagePercent: r.storagePercent,
    },
  };
}

function protocolPoint(r: ProtocolHourRow, step: number): ProtocolPoint {
  const { hour, ...rest } = r;
  return { ...rest, time: bucket(hour, step) };
}

/** Wraps the fleet repository's history reads; everything else is the repository's own. */
export function withFleetRollups(repo: FleetRepository, rollups: FleetRollups): FleetRepository {
  /** Which part of [from, to] comes from rollups (only what raw retention deleted), null when none does. */
  const plan = async (hostId: string, range: { from: number; to: number }) => {
    const p = planRange(range, await rollups.coverage(hostId), false);
    return p.rollup ? { rollup: p.rollup, raw: p.raw } : null;
  };
  const inclusive = (s: Span) => ({ from: s.from, to: s.to - 1 });

  return {
    ...repo,
    async history(hostId, q) {
      const p = await plan(hostId, q);
      if (!p) return repo.history(hostId, q);
      const step = q.stepMs && q.stepMs > 0 ? Math.floor(q.stepMs) : 0;
      const parts: SnapshotAggregate[] = (await rollups.hostHours(hostId, p.rollup)).map((r) => hostAggregate(r, step));
      for (const span of p.raw) {
        if (step) parts.push(...(await rollups.rawHostBuckets(hostId, span, step)).map((r) => hostAggregate(r, step)));
        else parts.push(...(await repo.history(hostId, inclusive(span))).map((point): SnapshotAggregate => ({ point, samples: 1 })));
      }
      return mergeSnapshotPoints(parts) as SnapshotPoint[];
    },
    async protocolHistory(hostId, q) {
      const p = await plan(hostId, q);
      if (!p) return repo.protocolHistory(hostId, q);
      const step = q.stepMs && q.stepMs > 0 ? Math.floor(q.stepMs) : 0;
      const parts = (await rollups.protocolHours(hostId, p.rollup, q.protocol)).map((r) => protocolPoint(r, step));
      for (const span of p.raw) parts.push(...(await repo.protocolHistory(hostId, { ...q, ...inclusive(span) })));
      return mergeProtocolPoints(parts);
    },
  };
}
