import type { MetricsRepository, ReallocationsRepository } from '../../store/types.js';

/**
 * Fill measuredBefore/After for applied reallocations whose after-window is complete: the average earnings per
 * hour in the window before the decision and in the window after it finished. Returns how many were measured.
 */
export async function measureEffects(deps: {
  repo: ReallocationsRepository;
  metrics: MetricsRepository;
  now: number;
  windowMs: number;
}): Promise<number> {
  const { repo, metrics, windowMs } = deps;
  const pending = await repo.pendingMeasurement(deps.now - windowMs);
  let measured = 0;
  for (const r of pending) {
    const end = r.finishedAt ?? r.createdAt;
    const [before, after] = await Promise.all([
      // History ranges include `to`: stop 1 ms short so the decision's own instant is not counted twice.
      averageEarnings(metrics, r.createdAt - windowMs, r.createdAt - 1),
      averageEarnings(metrics, end, end + windowMs - 1),
    ]);
    if (before === null || after === null) continue;
    await repo.update(r.id, { measuredBeforeUsdPerHour: before, measuredAfterUsdPerHour: after });
    measured++;
  }
  return measured;
}

async function averageEarnings(metrics: MetricsRepository, from: number, to: number): Promise<number | null> {
  const points = await metrics.history({ from, to });
  if (points.length === 0) return null;
  return points.reduce((sum, p) => sum + p.totalUsdPerHour, 0) / points.length;
}
