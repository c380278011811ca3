import { Type } from '@sinclair/typebox';
import type { ProtocolConfig } from '../config/schema.js';
import type { HealthProblem, NodeHealth, SatelliteHealth } from '../domain/health.js';
import type { AdapterReading } from '../domain/sample.js';
import { errorMessage } from '../lib/errors.js';
import { cadenced, sourceIntervalMs } from './cadence.js';
import { createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';

/**
 * Storj storage node console API (no auth), checked against storj/storj `storagenode/console/consoleapi` and
 * `storagenode/payouts/estimatedpayouts/estimatedpayouts.go`, and against bodies captured from nodes 1.48.2 and 1.71.2.
 *
 * Earnings are what the node's own UI shows as "Current Month Earnings": `payout + held` (USD cents). `payout` is net of
 * the held amount (75/50/25 % in a node's first 9 months), so it alone under-reports a young node up to 4x; held is
 * reported separately in health. The estimate is month to date and is corrected down and up within a month, so it
 * carries the `month` counter rule; it is read every `cadence.earnings` (default 10 min), satellite scores every `cadence.details` (10 min), the
 * node summary (`/api/sno/`, health) every poll.
 */

const Num = Type.Number();
const NullableStr = Type.Union([Type.String(), Type.Null()]);

export const StorjSnoSchema = Type.Object({
  nodeID: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  allowedVersion: Type.Optional(Type.String()),
  upToDate: Type.Optional(Type.Boolean()),
  /** Go writes the zero time `0001-01-01T00:00:00Z` for a node never pinged. */
  lastPinged: Type.String(),
  /** 1.50 and later: `OK`, `Misconfigured`... */
  quicStatus: Type.Optional(Type.String()),
  /** Before 1.50: a boolean instead of quicStatus. */
  quicEnabled: Type.Optional(Type.Boolean()),
  satellites: Type.Optional(
    Type.Union([
      Type.Array(
        Type.Object({
          id: Type.String(),
          url: Type.Optional(Type.String()),
          disqualified: Type.Optional(NullableStr),
          suspended: Type.Optional(NullableStr),
        }),
      ),
      Type.Null(),
    ]),
  ),
  diskSpace: Type.Optional(Type.Object({ used: Num, available: Num, trash: Type.Optional(Num), overused: Type.Optional(Num) })),
  bandwidth: Type.Optional(Type.Object({ used: Num, available: Type.Optional(Num) })),
});
export type StorjSno = typeof StorjSnoSchema.static;

const PayoutMonth = Type.Object({
  egressBandwidthPayout: Num,
  egressRepairAuditPayout: Num,
  diskSpacePayout: Num,
  /** Net of held; older or partial bodies omit it and the gross sum of the three parts is used. */
  payout: Type.Optional(Num),
  held: Type.Optional(Num),
  heldRate: Type.Optional(Num),
});
type PayoutMonthBody = typeof PayoutMonth.static;

export const StorjEstimatedPayoutSchema = Type.Object({
  currentMonth: PayoutMonth,
  previousMonth: Type.Optional(Type.Union([PayoutMonth, Type.Null()])),
  currentMonthExpectations: Type.Optional(Num),
});
export type StorjEstimatedPayout = typeof StorjEstimatedPayoutSchema.static;

/** `GET /api/sno/satellite/{id}`: only the scores are read here. */
export const StorjSatelliteSchema = Type.Object({
  id: Type.String(),
  audits: Type.Object({
    auditScore: Num,
    suspensionScore: Num,
    onlineScore: Num,
    satelliteName: Type.Optional(Type.String()),
  }),
});

/** Gross month-to-date earnings in cents, as the node's UI shows them: payout + held (or the parts when payout is absent). */
export function storjGrossCents(m: PayoutMonthBody): number {
  if (m.payout === undefined) return m.diskSpacePayout + m.egressBandwidthPayout + m.egressRepairAuditPayout;
  return m.payout + (m.held ?? 0);
}

/** Cents that the network holds back this month (young nodes), 0 when the body does not say. */
export function storjHeldCents(m: PayoutMonthBody): number {
  return m.held ?? 0;
}

export const NEVER_PINGED = '0001-01-01T00:00:00Z';
const MAX_SATELLITES = 32;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function monthKey(time: number): string {
  const d = new Date(time);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function storjQuic(sno: StorjSno): string | undefined {
  if (sno.quicStatus !== undefined) return sno.quicStatus;
  if (sno.quicEnabled !== undefined) return sno.quicEnabled ? 'OK' : 'Disabled';
  return undefined;
}

/** Health from `/api/sno/` plus whatever satellite scores were read. */
export function storjHealth(sno: StorjSno, scores: Map<string, typeof StorjSatelliteSchema.static['audits']>, heldCents: number): NodeHealth {
  const problems: HealthProblem[] = [];
  const satellites: SatelliteHealth[] = (sno.satellites ?? []).slice(0, MAX_SATELLITES).map((s) => {
    const a = scores.get(s.id);
    const name = s.url ?? s.id;
    if (s.disqualified) problems.push({ code: 'satellite-disqualified', message: `${name}: disqualified since ${s.disqualified}`, severity: 'critical' });
    if (s.suspended) problems.push({ code: 'satellite-suspended', message: `${name}: suspended since ${s.suspended}`, severity: 'critical' });
    return {
      id: s.id,
      ...(s.url ? { url: s.url } : {}),
      disqualified: s.disqualified ?? null,
      suspended: s.suspended ?? null,
      auditScore: a ? clamp01(a.auditScore) : null,
      suspensionScore: a ? clamp01(a.suspensionScore) : null,
      onlineScore: a ? clamp01(a.onlineScore) : null,
    };
  });
  const quic = storjQuic(sno);
  if (quic !== undefined && quic !== 'OK') problems.push({ code: 'quic-misconfigured', message: `QUIC: ${quic}`, severity: 'warning' });
  if (sno.upToDate === false) problems.push({ code: 'outdated-version', message: `version ${sno.version ?? '?'} is not up to date`, severity: 'warning' });
  if (sno.lastPinged === NEVER_PINGED) problems.push({ code: 'never-pinged', message: 'no satellite has pinged the node yet', severity: 'warning' });
  return {
    ...(sno.version !== undefined ? { version: sno.version } : {}),
    ...(sno.upToDate !== undefined ? { upToDate: sno.upToDate } : {}),
    ...(sno.allowedVersion !== undefined ? { minimumVersion: sno.allowedVersion } : {}),
    ...(quic !== undefined ? { quic } : {}),
    satellites,
    heldTokens: heldCents / 100,
    problems,
  };
}

export function createStorjAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const estimate = cadenced<StorjEstimatedPayout>(deps.clock, sourceIntervalMs(config, 'earnings', 600));
  const scoreCache = cadenced<{ scores: Map<string, typeof StorjSatelliteSchema.static['audits']>; failed: string[] }>(
    deps.clock,
    sourceIntervalMs(config, 'details', 600),
  );

  async function readScores(sno: StorjSno, signal: AbortSignal) {
    const ids = (sno.satellites ?? []).slice(0, MAX_SATELLITES).map((s) => s.id);
    const results = await Promise.allSettled(
      ids.map((id) => http.json(joinUrl(config.endpoint, `/api/sno/satellite/${encodeURIComponent(id)}`), StorjSatelliteSchema, { signal, label: 'satellite' })),
    );
    const scores = new Map<string, typeof StorjSatelliteSchema.static['audits']>();
    const failed: string[] = [];
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') scores.set(ids[i]!, r.value.audits);
      else failed.push(errorMessage(r.reason));
    }
    return { scores, failed };
  }

  return {
    name: config.name,
    type: 'storj',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      const [sno, payout] = await Promise.all([
        http.json(joinUrl(config.endpoint, '/api/sno/'), StorjSnoSchema, { signal, label: 'sno' }),
        estimate.get(() => http.json(joinUrl(config.endpoint, '/api/sno/estimated-payout'), StorjEstimatedPayoutSchema, { signal, label: 'estimated-payout' })),
      ]);
      // Satellite scores are extras: a failure shows in health, never blocks the earnings read.
      const { scores, failed } = await scoreCache.get(() => readScores(sno, signal));
      const health = storjHealth(sno, scores, storjHeldCents(payout.currentMonth));
      if (failed.length > 0) health.problems.push({ code: 'satellite-scores-unavailable', message: failed[0]!.slice(0, 400), severity: 'info' });
      const info: Record<string, string | number | boolean> = { neverPinged: sno.lastPinged === NEVER_PINGED };
      if (sno.nodeID) info.nodeId = sno.nodeID;
      if (sno.version) info.version = sno.version;
      const quic = storjQuic(sno);
      if (quic) info.quicStatus = quic;
      // A new node reports `satellites: null`; that is zero satellites, not an error.
      info.satellites = sno.satellites?.length ?? 0;
      info.heldUsd = storjHeldCents(payout.currentMonth) / 100;
      const previous = payout.previousMonth ? storjGrossCents(payout.previousMonth) / 100 : undefined;
      return {
        connected: true,
        token: 'USD',
        cumulativeTokens: storjGrossCents(payout.currentMonth) / 100,
        counterRule: 'month',
        period: monthKey(deps.clock.now()),
        ...(previous !== undefined ? { previousPeriodTokens: previous } : {}),
        resources: sno.diskSpace ? { storageBytes: sno.diskSpace.used } : {},
        health,
        info,
      };
    },
  };
}
