import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NodeHealthSchema } from './health.js';

/**
 * How a source's cumulative counter behaves, so the earnings ledger knows what a drop means:
 * - `total`: a lifetime total that only grows (a drop is a glitch or a correction that recovers);
 * - `month`: a month-to-date estimate (Storj): corrected down and up within a period, restarts when `period` changes;
 * - `restart`: an in-process counter that restarts at 0 when the node process restarts (yagna's metrics);
 * - `epoch`: points that may restart at 0 when a new epoch starts (Grass);
 * - `balance`: a wallet or account balance that drops when a payout leaves it.
 */
export const CounterRuleSchema = Type.Union([
  Type.Literal('total'),
  Type.Literal('month'),
  Type.Literal('restart'),
  Type.Literal('epoch'),
  Type.Literal('balance'),
]);
export type CounterRule = Static<typeof CounterRuleSchema>;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** What an adapter reads from one node at one poll (before earnings are derived). */
export const AdapterReadingSchema = Type.Object({
  connected: Type.Boolean(),
  /** Token symbol the node reports in (STORJ, GLM, MYST, DATA, GRASS-points, USD). */
  token: Type.String(),
  /**
   * A cumulative earnings counter in token units (month-to-date payout, total earnings, balance).
   * A drop is a payout or reset, never negative earnings. null when the node does not report it yet.
   */
  cumulativeTokens: Type.Union([Type.Number(), Type.Null()]),
  /** Uptime as a fraction in [0, 1], when the node reports one. */
  uptime: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** What the node uses, where it is measured (a field absent = not measured, never 0). */
  resources: Type.Object({
    cpuPercent: Type.Optional(Type.Number({ minimum: 0 })),
    memoryBytes: Type.Optional(Type.Number({ minimum: 0 })),
    bandwidthBytesPerSec: Type.Optional(Type.Number({ minimum: 0 })),
    /** Block device reads plus writes, bytes per second. */
    blockIoBytesPerSec: Type.Optional(Type.Number({ minimum: 0 })),
    storageBytes: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  /** How the counter resets (default `balance`: a drop is treated as a payout once it does not recover). */
  counterRule: Type.Optional(CounterRuleSchema),
  /** The counter's period (Storj: the month `2026-12`); a change starts a new period. */
  period: Type.Optional(Type.String({ maxLength: 40 })),
  /** The previous period's final counter (Storj `previousMonth`), so the end of a month is not lost at the change. */
  previousPeriodTokens: Type.Optional(Type.Number({ minimum: 0 })),
  health: Type.Optional(NodeHealthSchema),
  /** Free-form facts worth showing (version, node id, satellites...). Never secrets. */
  info: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
});
export type AdapterReading = Static<typeof AdapterReadingSchema>;

/** One protocol's sample at one poll: the reading plus derived earnings and the allocation in force. */
export const ProtocolSampleSchema = Type.Object({
  protocol: Type.String(),
  type: Type.String(),
  /** epoch milliseconds */
  time: Type.Number(),
  connected: Type.Boolean(),
  error: Type.Optional(Type.String()),
  token: Type.String(),
  cumulativeTokens: Type.Union([Type.Number(), Type.Null()]),
  /** Tokens earned since the previous sample (never negative). */
  earnedTokens: Type.Number({ minimum: 0 }),
  earnedUsd: Type.Number({ minimum: 0 }),
  usdPerHour: Type.Number({ minimum: 0 }),
  /** True when the counter dropped at this sample (payout or reset). */
  payoutEvent: Type.Boolean(),
  /** With `payoutEvent`: how far the counter fell (token units) and its worth at the price of that moment. */
  payout: Type.Optional(Type.Object({ tokens: Type.Number({ minimum: 0 }), usd: Type.Number({ minimum: 0 }) })),
  uptime: Type.Number({ minimum: 0, maximum: 1 }),
  /**
   * The protocol's own use of the host, measured from its container (Docker stats: percent of one core, bytes, bytes/s
   * in + out, block reads + writes per second). null = not measured (no container, or its stats unreadable), never 0.
   */
  cpuPercent: Nullable(Type.Number({ minimum: 0 })),
  memoryBytes: Nullable(Type.Number({ minimum: 0 })),
  bandwidthBytesPerSec: Nullable(Type.Number({ minimum: 0 })),
  blockIoBytesPerSec: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
  /**
   * True when the protocol's container was read at this sample (cpu and memory measured; network and block I/O from
   * the second reading on); false: not measured, the fields above are null.
   */
  resourcesMeasured: Type.Optional(Type.Boolean()),
  /** Disk the node stores (as the node reports it, Storj's `diskSpace.used`); 0 when it does not. */
  storageBytes: Type.Number({ minimum: 0 }),
  allocation: Type.Object({
    cpu: Type.Number(),
    memory: Type.Number(),
    bandwidth: Type.Number(),
    storage: Type.Number(),
  }),
  latencyMs: Type.Number({ minimum: 0 }),
  /** What the node said about its health at this poll (absent when it could not be read). */
  health: Type.Optional(NodeHealthSchema),
});
export type ProtocolSample = Static<typeof ProtocolSampleSchema>;

export const HostResourcesSchema = Type.Object({
  cpuCount: Type.Number(),
  cpuPercent: Type.Number(),
  memoryTotalBytes: Type.Number(),
  memoryUsedBytes: Type.Number(),
  /** Capacity used to turn bandwidth shares into bytes/s (config `host.bandwidthBytesPerSec`). */
  bandwidthCapacityBytesPerSec: Type.Number(),
  bandwidthBytesPerSec: Type.Number(),
  storageTotalBytes: Type.Number(),
  storageUsedBytes: Type.Number(),
});
export type HostResources = Static<typeof HostResourcesSchema>;

/** All protocols' samples at one poll, plus host totals. */
export const SnapshotSchema = Type.Object({
  time: Type.Number(),
  totalUsdPerHour: Type.Number(),
  host: HostResourcesSchema,
  protocols: Type.Array(ProtocolSampleSchema),
});
export type Snapshot = Static<typeof SnapshotSchema>;

export function percent(part: number, total: number): number {
  return total > 0 ? Math.min(100, (part / total) * 100) : 0;
}
