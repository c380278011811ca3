/**
 * The read endpoints for one remote host (`?host=NAME`): what the control plane knows about it, in the answer
 * shapes of this machine's own reads. Current allocation from its agent's latest snapshot; optimal allocation,
 * opportunities and the reallocation history from the plans the control plane made for it (host_plans) and the
 * outcomes its agent reported; the alerts the fleet raised about it; reports, payouts and exports from its agent's
 * samples. What stays on the host (its journal's steps, measured effects, its own node alerts) is said, not faked.
 */
import type { MonitorService, ReportsService } from '../app/types.js';
import type { PayoutsAnswer } from '../app/payouts.js';
import type { Policy } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { Opportunity, Plan } from '../domain/plan.js';
import type { Reallocation, ReallocationStatus } from '../domain/reallocation.js';
import type { Allocation } from '../domain/resources.js';
import type { Snapshot } from '../domain/sample.js';
import { type ExportFormat, exportChunks } from '../engine/monitor/export.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import type { HostRecord } from '../store/repositories/fleet.repository.js';
import type { HostPlanOutcome, HostPlanRecord, HostPlanRequest } from '../store/repositories/host-plans.repository.js';
import { planRollupsFirst, splitDays } from '../store/repositories/range-plan.js';
import type { AlertQuery, HistoryQuery, PayoutQuery, ProtocolPoint, ReallocationQuery, Store, TimeRange } from '../store/types.js';
import { hostLease } from './fleet.service.js';
import { FLEET_ALERT_TYPES, hostNodeKey } from './fleet-alerts.js';

type Report = Awaited<ReturnType<ReportsService['generate']>>;
type Dashboard = Awaited<ReturnType<MonitorService['dashboard']>>;

/** One plan the control plane made for a host, with what became of it. */
export interface HostPlanView {
  id: string;
  createdAt: number;
  /** `planned` until the host's agent reports an outcome; then the agent's reallocation status. */
  status: ReallocationStatus;
  plan: Plan;
  projectedGainUsdPerHour: number;
  outcome: HostPlanOutcome | null;
  /** The operator's request it answers (POST reallocate?host=NAME); null for the control plane's own plans. */
  request: HostPlanRequest | null;
  /**
   * Who decided: the control plane, under the host's decision lease at `fence`, with the optimizer `strategy`.
   * `replica` names the replica that stored the plan (recorded since migration 017; for older plans, the lease
   * holder while it still holds the lease under that fence, else null).
   */
  decidedBy: { strategy: string; fence: number; replica: string | null };
}

export interface HostReads {
  allocation(host: HostRecord): Promise<{ current: Allocation; optimal: Allocation | null; plan: Plan | null }>;
  opportunities(host: HostRecord): Promise<Opportunity[]>;
  /** The host's plans as reallocations, newest first (the answer shape of this machine's history). */
  reallocations(host: HostRecord, query: ReallocationQuery): Promise<Reallocation[]>;
  plans(host: HostRecord, query: { status?: string; since?: number; limit: number; offset: number }): Promise<{ total: number; plans: HostPlanView[] }>;
  /** Alerts about a remote host, or (null) about this machine: every alert but the fleet's alerts about its hosts. */
  alerts(host: HostRecord | null, query: AlertQuery): Promise<Alert[]>;
  /** The host's report over any period (long ones are cheap: see protocolSums), with its energy when it sends any. */
  report(host: HostRecord, range: TimeRange): Promise<Report>;
  /** Per protocol, what the host earned over the range (USD, its agent's ledger): the gross of its energy report. */
  earnings(host: HostRecord, range: TimeRange): Promise<{ protocol: string; usd: number }[]>;
  payouts(host: HostRecord, query: PayoutQuery): Promise<PayoutsAnswer>;
  exportChunks(host: HostRecord, query: HistoryQuery, format: ExportFormat): AsyncIterable<string>;
  /** The policies the host's agent last reported with its planning settings; null before it did. */
  policies(host: HostRecord): Promise<Policy[] | null>;
  /** GET dashboard's answer for the host; `mode` as its agent reports it (`unknown` from agents that do not). */
  dashboard(host: HostRecord): Promise<Dashboard>;
}

const HOUR_MS = 3_600_000;

/** The trend's bucket: half the period, in whole hours once that is an hour or more (closed hours then come from rollups). */
const halfStep = (span: number) => (span >= 2 * HOUR_MS ? Math.ceil(span / 2 / HOUR_MS) * HOUR_MS : Math.max(1000, Math.ceil(span / 2)));

const allocationOf = (s: Snapshot | null): Allocation =>
  Object.fromEntries((s?.protocols ?? []).map((p) => [p.protocol, { ...p.allocation }]));

const statusOf = (r: HostPlanRecord): ReallocationStatus => (r.outcome?.status as ReallocationStatus | undefined) ?? 'planned';

/** A plan in the shape of a reallocation: its steps live in the host's own journal; its measured effect once reported. */
function asReallocation(r: HostPlanRecord): Reallocation {
  const p = r.plan;
  return {
    id: r.id,
    status: statusOf(r),
    reason: r.outcome?.reason ?? null,
    trigger: 'loop',
    dryRun: false,
    exploration: p.exploration,
    strategy: `control-plane:${p.strategy}`,
    before: p.current,
    after: p.target,
    projectedImprovementUsdPerHour: p.improvementUsdPerHour,
    ...(p.projectedDeltas ? { projectedDeltas: p.projectedDeltas } : {}),
    confidence: p.confidence,
    steps: [],
    measuredBeforeUsdPerHour: r.outcome?.measuredBeforeUsdPerHour ?? null,
    measuredAfterUsdPerHour: r.outcome?.measuredAfterUsdPerHour ?? null,
    createdAt: r.createdAt,
    finishedAt: r.outcome?.reportedAt ?? null,
  };
}

export interface HostReadsDeps {
  store: Pick<Store, 'fleet' | 'fleetRollups' | 'hostPlans' | 'hostReads' | 'leases'>;
  clock: Clock;
  /** The host's energy section of a report, from the points its agent sent; null when it sent none. */
  energyReport?: (host: HostRecord, range: TimeRange) => Promise<Report['energy'] | null>;
}

export function createHostReads(deps: HostReadsDeps): HostReads {
  const { store } = deps;

  /**
   * Per protocol sums over the range (inclusive `to`): the closed hours rolled up from the host's rollups (an hour's
   * rollup is recomputed whenever a late row lands in it, so it holds every raw row of the hour), whole UTC days from
   * the daily rollups (015), the hours around them from the hourly ones (014), and raw rows, summed in SQL, only for
   * the partial hours at the edges and the hours not rolled up yet (the open edge). A year reads about 365 day rows
   * per protocol and an hour or two of raw rows.
   */
  async function protocolSums(host: HostRecord, range: TimeRange) {
    const plan = planRollupsFirst(range, await store.fleetRollups.coverage(host.id));
    const raw = Promise.all(plan.raw.map((span) => store.hostReads.protocolSums(host.id, span)));
    if (!plan.rollup) return (await raw).flat();
    const split = splitDays(plan.rollup);
    const [rawParts, days, hours, paid] = await Promise.all([
      raw,
      split.days ? store.fleetRollups.protocolDays(host.id, split.days) : Promise.resolve([]),
      Promise.all(split.hours.map((h) => store.fleetRollups.protocolHours(host.id, h))),
      store.hostReads.payoutCounts(host.id, plan.rollup),
    ]);
    const parts = rawParts.flat();
    for (const r of [...days, ...hours.flat()]) {
      parts.push({ protocol: r.protocol, samples: r.samples, earnedUsd: r.earnedUsd, earnedTokens: r.earnedTokens, uptimeSum: r.uptime * r.samples, payoutEvents: 0 });
    }
    // Rollups keep sums; the payouts of those hours have their own rows (one per payout, so a late batch adds none twice).
    for (const [protocol, count] of Object.entries(paid)) parts.push({ protocol, samples: 0, earnedUsd: 0, earnedTokens: 0, uptimeSum: 0, payoutEvents: count });
    return parts;
  }

  async function* protocolPages(host: HostRecord, query: HistoryQuery): AsyncGenerator<ProtocolPoint[]> {
    // An hour per page (a whole number of steps, aligned to them): memory stays flat whatever the range.
    const chunk = query.stepMs ? Math.ceil(HOUR_MS / query.stepMs) * query.stepMs : HOUR_MS;
    for (let from = query.from; from <= query.to; ) {
      const next = (Math.floor(from / chunk) + 1) * chunk;
      yield await store.fleet.protocolHistory(host.id, { ...query, from, to: Math.min(next - 1, query.to) });
      from = next;
    }
  }

  const reads: HostReads = {
    async allocation(host) {
      const [latest, plan] = await Promise.all([store.fleet.latest(host.id), store.hostPlans.latest(host.id)]);
      return { current: allocationOf(latest), optimal: plan?.plan.target ?? null, plan: plan?.plan ?? null };
    },
    async opportunities(host) {
      return (await store.hostPlans.latest(host.id))?.plan.opportunities ?? [];
    },
    async reallocations(host, q) {
      const { plans } = await store.hostReads.plans(host.id, { status: q.status, since: q.since, limit: q.limit ?? 100, offset: q.offset ?? 0 });
      return plans.map(asReallocation);
    },
    async plans(host, q) {
      const [page, leases] = await Promise.all([store.hostReads.plans(host.id, q), store.leases.list(hostLease(host.name))]);
      const lease = leases.find((l) => l.name === hostLease(host.name));
      return {
        total: page.total,
        plans: page.plans.map((r) => ({
          id: r.id,
          createdAt: r.createdAt,
          status: statusOf(r),
          plan: r.plan,
          projectedGainUsdPerHour: r.plan.improvementUsdPerHour,
          outcome: r.outcome,
          request: r.request ?? null,
          decidedBy: { strategy: r.plan.strategy, fence: r.fence, replica: r.decidedBy ?? (lease && lease.fence === r.fence ? lease.holder : null) },
        })),
      };
    },
    async alerts(host, query) {
      if (host === null) return store.hostReads.alerts({ ...query, excludeTypes: [...FLEET_ALERT_TYPES] });
      return store.hostReads.alerts({
        ...query,
        dedupKeys: FLEET_ALERT_TYPES.map((t) => `${t}:${host.name}`),
        dedupKeyPrefix: hostNodeKey(host.name, ''),
      });
    },
    async report(host, range) {
      const span = Math.max(1, range.to - range.from);
      const [sums, halves, latest, outcomes, energy] = await Promise.all([
        protocolSums(host, range),
        store.fleet.history(host.id, { ...range, stepMs: halfStep(span) }),
        store.fleet.latest(host.id),
        store.hostReads.outcomeCounts(host.id, range.from, range.to),
        deps.energyReport ? deps.energyReport(host, range) : null,
      ]);
      const byProtocol = new Map<string, { usd: number; tokens: number; uptime: number; samples: number; payouts: number }>();
      for (const p of sums) {
        const s = byProtocol.get(p.protocol) ?? { usd: 0, tokens: 0, uptime: 0, samples: 0, payouts: 0 };
        s.usd += p.earnedUsd;
        s.tokens += p.earnedTokens;
        s.uptime += p.uptimeSum;
        s.samples += p.samples;
        s.payouts += p.payoutEvents;
        byProtocol.set(p.protocol, s);
      }
      const tokenOf = (protocol: string) => latest?.protocols.find((p) => p.protocol === protocol)?.token ?? '';
      const first = halves[0]?.totalUsdPerHour ?? 0;
      const second = halves.at(-1)?.totalUsdPerHour ?? first;
      return {
        from: range.from,
        to: range.to,
        generatedAt: deps.clock.now(),
        totalUsd: [...byProtocol.values()].reduce((sum, s) => sum + s.usd, 0),
        protocols: [...byProtocol]
          .map(([protocol, s]) => ({
            protocol,
            token: tokenOf(protocol),
            usd: s.usd,
            tokens: s.tokens,
            payoutEvents: s.payouts,
            uptime: s.samples > 0 ? s.uptime / s.samples : null,
          }))
          .sort((a, b) => b.usd - a.usd || a.protocol.localeCompare(b.protocol)),
        reallocations: {
          total: Object.values(outcomes.counts).reduce((a, b) => a + b, 0),
          applied: outcomes.counts.applied ?? 0,
          failed: outcomes.counts.failed ?? 0,
          rolledBack: outcomes.counts.rolled_back ?? 0,
          // The sum of the measured effects its agent reported (null when none: not measured yet, or an older agent).
          measuredGainUsdPerHour: outcomes.measuredGainUsdPerHour,
        },
        trend: { firstHalfUsdPerHour: first, secondHalfUsdPerHour: second, changePercent: first > 0 ? ((second - first) / first) * 100 : null },
        ...(energy ? { energy } : {}),
      };
    },
    async earnings(host, range) {
      const usd = new Map<string, number>();
      for (const p of await protocolSums(host, range)) usd.set(p.protocol, (usd.get(p.protocol) ?? 0) + p.earnedUsd);
      return [...usd].map(([protocol, x]) => ({ protocol, usd: x }));
    },
    async payouts(host, query) {
      const [payouts, latest] = await Promise.all([store.hostReads.payouts(host.id, query), store.fleet.latest(host.id)]);
      const held = (latest?.protocols ?? [])
        .filter((p) => (query.protocol === undefined || p.protocol === query.protocol) && p.health?.heldTokens !== undefined)
        .map((p) => ({ protocol: p.protocol, token: p.token, heldTokens: p.health!.heldTokens!, time: p.time }));
      return { payouts, held };
    },
    exportChunks: (host, query, format) => exportChunks(protocolPages(host, query), format),
    async policies(host) {
      const context = (await store.hostPlans.planning(host.id)) as { policies?: Policy[] } | null;
      return context?.policies ?? null;
    },
    async dashboard(host) {
      const [snapshot, allocation, alerts, reallocations, planning] = await Promise.all([
        store.fleet.latest(host.id),
        reads.allocation(host),
        reads.alerts(host, { status: ['open', 'acknowledged'], limit: 50 }),
        reads.reallocations(host, { limit: 10 }),
        store.hostPlans.planning(host.id) as Promise<{ mode?: string } | null>,
      ]);
      return {
        time: deps.clock.now(),
        totalUsdPerHour: snapshot?.totalUsdPerHour ?? 0,
        mode: planning?.mode ?? 'unknown',
        snapshot,
        allocation,
        opportunities: allocation.plan?.opportunities ?? [],
        alerts,
        reallocations,
      };
    },
  };
  return reads;
}

/** A fleet host's report by its name, for report operations (the host may have been removed since it was asked). */
export function hostReportByName(store: Pick<Store, 'fleet'>, reads: Pick<HostReads, 'report'>): (name: string, range: TimeRange) => Promise<Report> {
  return async (name, range) => {
    const host = await store.fleet.findHostByName(name);
    if (!host) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No host named "${name}"`);
    return reads.report(host, range);
  };
}
