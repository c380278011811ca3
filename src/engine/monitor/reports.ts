import type { ReallocationStatus } from '../../domain/reallocation.js';
import type { Clock } from '../../lib/clock.js';
import { OrchaError } from '../../lib/errors.js';
import type { MetricsRepository, ReallocationsRepository, TimeRange } from '../../store/types.js';

export interface ProtocolReport {
  protocol: string;
  token: string;
  earnedUsd: number;
  earnedTokens: number;
  /** Average over the period. */
  usdPerHour: number;
  /** Average uptime, 0..1. */
  uptime: number;
  payoutEvents: number;
  shareOfEarnings: number;
}

export interface ReallocationSummary {
  id: string;
  createdAt: number;
  status: ReallocationStatus;
  reason: string | null;
  projectedImprovementUsdPerHour: number;
  measuredBeforeUsdPerHour: number | null;
  measuredAfterUsdPerHour: number | null;
  /** measuredAfter - measuredBefore, when both are known. */
  measuredEffectUsdPerHour: number | null;
}

export interface PerformanceReport {
  from: number;
  to: number;
  generatedAt: number;
  totalUsd: number;
  averageUsdPerHour: number;
  protocols: ProtocolReport[];
  reallocations: {
    counts: Partial<Record<ReallocationStatus, number>>;
    applied: ReallocationSummary[];
    measuredEffectUsdPerHour: number | null;
  };
  trend: {
    /** Least-squares slope of hourly earnings, USD/h per day. */
    slopeUsdPerHourPerDay: number;
    firstHalfUsdPerHour: number | null;
    secondHalfUsdPerHour: number | null;
    changePercent: number | null;
    direction: 'up' | 'down' | 'flat';
  };
}

const HOUR = 3_600_000;
/** Trend buckets: at most this many points, at least an hour wide. */
const TREND_POINTS = 200;

export interface ReportServiceDeps {
  metrics: MetricsRepository;
  reallocations: ReallocationsRepository;
  clock: Clock;
}

/** Performance reports for a period: earnings by protocol, uptime, reallocations and their measured effect, trend. */
export function createReportService(deps: ReportServiceDeps) {
  async function performance(range: TimeRange): Promise<PerformanceReport> {
    if (!(range.to > range.from)) {
      throw new OrchaError('ORCHA_ERR_VALIDATION', 'report period must end after it starts', [{ path: 'query.to', message: 'must be after from' }]);
    }
    const hours = (range.to - range.from) / HOUR;
    const [totals, uptimes, points, reallocs] = await Promise.all([
      deps.metrics.earningsTotals(range),
      deps.metrics.averageUptime(range),
      deps.metrics.history({ ...range, stepMs: Math.max(HOUR, Math.ceil((range.to - range.from) / TREND_POINTS)) }),
      listReallocations(range),
    ]);
    const totalUsd = totals.reduce((s, t) => s + t.usd, 0);
    const uptime = new Map(uptimes.map((u) => [u.protocol, u.uptime]));
    const protocols = totals
      .map((t) => ({
        protocol: t.protocol,
        token: t.token,
        earnedUsd: t.usd,
        earnedTokens: t.tokens,
        usdPerHour: t.usd / hours,
        uptime: uptime.get(t.protocol) ?? 0,
        payoutEvents: t.payoutEvents,
        shareOfEarnings: totalUsd > 0 ? t.usd / totalUsd : 0,
      }))
      .sort((a, b) => b.earnedUsd - a.earnedUsd);

    const counts: Partial<Record<ReallocationStatus, number>> = {};
    for (const r of reallocs) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const applied = reallocs
      .filter((r) => r.status === 'applied' && !r.dryRun)
      .map((r) => ({
        id: r.id,
        createdAt: r.createdAt,
        status: r.status,
        reason: r.reason,
        projectedImprovementUsdPerHour: r.projectedImprovementUsdPerHour,
        measuredBeforeUsdPerHour: r.measuredBeforeUsdPerHour,
        measuredAfterUsdPerHour: r.measuredAfterUsdPerHour,
        measuredEffectUsdPerHour:
          r.measuredBeforeUsdPerHour !== null && r.measuredAfterUsdPerHour !== null ? r.measuredAfterUsdPerHour - r.measuredBeforeUsdPerHour : null,
      }));
    const measured = applied.filter((a) => a.measuredEffectUsdPerHour !== null);

    return {
      from: range.from,
      to: range.to,
      generatedAt: deps.clock.now(),
      totalUsd,
      averageUsdPerHour: totalUsd / hours,
      protocols,
      reallocations: {
        counts,
        applied,
        measuredEffectUsdPerHour: measured.length > 0 ? measured.reduce((s, a) => s + (a.measuredEffectUsdPerHour ?? 0), 0) : null,
      },
      trend: trendOf(points.map((p) => ({ time: p.time, value: p.totalUsdPerHour })), range),
    };
  }

  /** Every reallocation in the period, page by page (the repository caps a page). */
  async function listReallocations(range: TimeRange) {
    const out = [];
    for (let offset = 0; ; offset += 500) {
      const page = await deps.reallocations.list({ since: range.from, limit: 500, offset });
      out.push(...page.filter((r) => r.createdAt < range.to));
      if (page.length < 500) break;
    }
    return out;
  }

  return { performance };
}

export type ReportService = ReturnType<typeof createReportService>;

export function trendOf(points: { time: number; value: number }[], range: TimeRange): PerformanceReport['trend'] {
  const mid = (range.from + range.to) / 2;
  const avg = (xs: number[]) => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  const first = avg(points.filter((p) => p.time < mid).map((p) => p.value));
  const second = avg(points.filter((p) => p.time >= mid).map((p) => p.value));
  let slope = 0;
  if (points.length >= 2) {
    const xs = points.map((p) => (p.time - range.from) / (24 * HOUR));
    const mx = avg(xs) as number;
    const my = avg(points.map((p) => p.value)) as number;
    let num = 0;
    let den = 0;
    points.forEach((p, i) => {
      num += (xs[i] - mx) * (p.value - my);
      den += (xs[i] - mx) ** 2;
    });
    slope = den > 0 ? num / den : 0;
  }
  const change = first !== null && second !== null && first > 0 ? ((second - first) / first) * 100 : null;
  // Within ±2 % is noise, not a trend.
  const direction = change === null || Math.abs(change) < 2 ? 'flat' : change > 0 ? 'up' : 'down';
  return { slopeUsdPerHourPerDay: slope, firstHalfUsdPerHour: first, secondHalfUsdPerHour: second, changePercent: change, direction };
}
