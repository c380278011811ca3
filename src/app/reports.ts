import type { Report } from '../http/schemas/views.js';
import type { Clock } from '../lib/clock.js';
import type { Store, TimeRange } from '../store/types.js';
import type { ReportsService } from './types.js';

/** The earnings report of a period: totals and uptime by protocol, reallocation outcomes, first-half/second-half trend. */
export interface ReportsDeps {
  store: Pick<Store, 'metrics' | 'reallocations'>;
  clock: Clock;
  /** Energy accounting: reports gain power cost and net per protocol. */
  energy?: { enabled(): boolean; report(range: TimeRange): Promise<NonNullable<Report['energy']>> };
}

export function createReportsService(deps: ReportsDeps): ReportsService {
  const { store, clock } = deps;
  return {
    async generate(range: TimeRange): Promise<Report> {
      const [totals, uptime, reallocations, halves] = await Promise.all([
        store.metrics.earningsTotals(range),
        store.metrics.averageUptime(range),
        store.reallocations.list({ since: range.from, limit: 10_000 }),
        store.metrics.history({ ...range, stepMs: Math.max(1000, Math.ceil((range.to - range.from) / 2)) }),
      ]);
      const inRange = reallocations.filter((r) => r.createdAt <= range.to && !r.dryRun);
      const measured = inRange.filter((r) => r.measuredAfterUsdPerHour !== null && r.measuredBeforeUsdPerHour !== null);
      const first = halves[0]?.totalUsdPerHour ?? 0;
      const second = halves.at(-1)?.totalUsdPerHour ?? first;
      return {
        from: range.from,
        to: range.to,
        generatedAt: clock.now(),
        totalUsd: totals.reduce((s, t) => s + t.usd, 0),
        protocols: totals.map((t) => ({
          protocol: t.protocol,
          token: t.token,
          usd: t.usd,
          tokens: t.tokens,
          payoutEvents: t.payoutEvents,
          uptime: uptime.find((u) => u.protocol === t.protocol)?.uptime ?? null,
        })),
        reallocations: {
          total: inRange.length,
          applied: inRange.filter((r) => r.status === 'applied').length,
          failed: inRange.filter((r) => r.status === 'failed').length,
          rolledBack: inRange.filter((r) => r.status === 'rolled_back').length,
          measuredGainUsdPerHour: measured.length
            ? measured.reduce((s, r) => s + ((r.measuredAfterUsdPerHour ?? 0) - (r.measuredBeforeUsdPerHour ?? 0)), 0)
            : null,
        },
        trend: { firstHalfUsdPerHour: first, secondHalfUsdPerHour: second, changePercent: first > 0 ? ((second - first) / first) * 100 : null },
        ...(deps.energy?.enabled() ? { energy: await deps.energy.report(range) } : {}),
      };
    },
  };
}
