/**
 * A remote host's history from its rollups and raw rows, as this machine's: at steps of whole hours every closed hour
 * rolled up is read from the rollups (retention rolls hours up as they close), otherwise only the hours whose raw
 * rows are gone; the rest raw, merged bucket by bucket weighted by samples. At a step of whole days the whole days of
 * the rolled-up part come from the daily rollups (015), one row per day instead of 24, and only the hours at its edges
 * from the hourly ones (014); otherwise all of it from the hourly ones. While nothing of the range was rolled up, the
 * raw reads answer alone, exactly as before.
 */
import type { ProtocolPoint, SnapshotPoint } from '../types.js';
import type { FleetRepository } from './fleet.repository.js';
import type { FleetRollups, HostHourRow, ProtocolHourRow } from './fleet-rollups.js';
import { mergeProtocolPoints, mergeSnapshotPoints, type SnapshotAggregate } from './metrics-points.js';
import { isWholeDays, isWholeHours, planRange, planRollupsFirst, type Span, splitDays } from './range-plan.js';

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
  /**
   * Which part of [from, to] comes from rollups, null when none does: at steps of whole hours every closed hour rolled
   * up (raw rows only for the partial hours at the edges and the open hour), otherwise only what raw retention deleted.
   */
  const plan = async (hostId: string, range: { from: number; to: number; stepMs?: number }) => {
    const coverage = await rollups.coverage(hostId);
    const p = isWholeHours(range.stepMs) ? planRollupsFirst(range, coverage) : planRange(range, coverage, false);
    return p.rollup ? { rollup: p.rollup, raw: p.raw } : null;
  };
  const inclusive = (s: Span) => ({ from: s.from, to: s.to - 1 });
  /** The rolled-up span read from the right tables for this step: days where whole days are asked for, else hours. */
  async function rolledUp<T>(span: Span, step: number, days: (s: Span) => Promise<T[]>, hours: (s: Span) => Promise<T[]>): Promise<T[]> {
    if (!isWholeDays(step)) return hours(span);
    const split = splitDays(span);
    const rows = split.days ? await days(split.days) : [];
    for (const h of split.hours) rows.push(...(await hours(h)));
    return rows;
  }

  return {
    ...repo,
    async history(hostId, q) {
      const p = await plan(hostId, q);
      if (!p) return repo.history(hostId, q);
      const step = q.stepMs && q.stepMs > 0 ? Math.floor(q.stepMs) : 0;
      const rows = await rolledUp(p.rollup, step, (s) => rollups.hostDays(hostId, s), (s) => rollups.hostHours(hostId, s));
      const parts: SnapshotAggregate[] = rows.map((r) => hostAggregate(r, step));
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
      const rows = await rolledUp(p.rollup, step, (s) => rollups.protocolDays(hostId, s, q.protocol), (s) => rollups.protocolHours(hostId, s, q.protocol));
      const parts = rows.map((r) => protocolPoint(r, step));
      for (const span of p.raw) parts.push(...(await repo.protocolHistory(hostId, { ...q, ...inclusive(span) })));
      return mergeProtocolPoints(parts);
    },
  };
}
