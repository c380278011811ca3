import { Type } from '@sinclair/typebox';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import { createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';

/**
 * Storj storage node console API (no auth). Earnings: `currentMonth.payout` of `/api/sno/estimated-payout`,
 * month-to-date USD cents: a monotone counter that resets each month (the tracker records the reset as a payout).
 */

const Num = Type.Number();
const NullableStr = Type.Union([Type.String(), Type.Null()]);

export const StorjSnoSchema = Type.Object({
  nodeID: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  upToDate: Type.Optional(Type.Boolean()),
  /** Go writes the zero time `0001-01-01T00:00:00Z` for a node never pinged. */
  lastPinged: Type.String(),
  quicStatus: Type.Optional(Type.String()),
  satellites: Type.Optional(
    Type.Union([
      Type.Array(Type.Object({ id: Type.String(), url: Type.Optional(Type.String()), disqualified: Type.Optional(NullableStr), suspended: Type.Optional(NullableStr) })),
      Type.Null(),
    ]),
  ),
  diskSpace: Type.Optional(Type.Object({ used: Num, available: Num, trash: Type.Optional(Num), overused: Type.Optional(Num) })),
  bandwidth: Type.Optional(Type.Object({ used: Num, available: Type.Optional(Num) })),
});

const PayoutMonth = Type.Object({
  egressBandwidthPayout: Num,
  egressRepairAuditPayout: Num,
  diskSpacePayout: Num,
  /** After held amount; older or partial bodies omit it and the gross sum of the three parts is used. */
  payout: Type.Optional(Num),
  held: Type.Optional(Num),
  heldRate: Type.Optional(Num),
});

export const StorjEstimatedPayoutSchema = Type.Object({
  currentMonth: PayoutMonth,
  previousMonth: Type.Optional(Type.Union([PayoutMonth, Type.Null()])),
  currentMonthExpectations: Type.Optional(Num),
});

export function storjPayoutCents(body: typeof StorjEstimatedPayoutSchema.static): number {
  const m = body.currentMonth;
  return m.payout ?? m.diskSpacePayout + m.egressBandwidthPayout + m.egressRepairAuditPayout;
}

const NEVER_PINGED = '0001-01-01T00:00:00Z';

export function createStorjAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  return {
    name: config.name,
    type: 'storj',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      const [sno, payout] = await Promise.all([
        http.json(joinUrl(config.endpoint, '/api/sno/'), StorjSnoSchema, { signal, label: 'sno' }),
        http.json(joinUrl(config.endpoint, '/api/sno/estimated-payout'), StorjEstimatedPayoutSchema, { signal, label: 'estimated-payout' }),
      ]);
      const info: Record<string, string | number | boolean> = { neverPinged: sno.lastPinged === NEVER_PINGED };
      if (sno.nodeID) info.nodeId = sno.nodeID;
      if (sno.version) info.version = sno.version;
      if (sno.quicStatus) info.quicStatus = sno.quicStatus;
      // A new node reports `satellites: null`; that is zero satellites, not an error.
      info.satellites = sno.satellites?.length ?? 0;
      return {
        connected: true,
        token: 'USD',
        cumulativeTokens: storjPayoutCents(payout) / 100,
        resources: sno.diskSpace ? { storageBytes: sno.diskSpace.used } : {},
        info,
      };
    },
  };
}
