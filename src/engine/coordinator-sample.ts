import type { LedgerEntry } from '../adapters/earnings-ledger.js';
import type { ProtocolConfig } from '../config/schema.js';
import { type Allocation, zeroShares } from '../domain/resources.js';
import type { AdapterReading, HostResources, ProtocolSample } from '../domain/sample.js';

/** How one poll's outcome becomes a ProtocolSample: read, failed, carried forward, or still waiting for a first answer. */

export const DEFAULT_TOKEN: Record<string, string> = {
  storj: 'USD',
  golem: 'GLM',
  mysterium: 'MYST',
  streamr: 'DATA',
  grass: 'GRASS',
  'http-json': 'USD',
};

export const EMPTY_HOST: HostResources = {
  cpuCount: 0,
  cpuPercent: 0,
  memoryTotalBytes: 0,
  memoryUsedBytes: 0,
  bandwidthCapacityBytesPerSec: 0,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 0,
  storageUsedBytes: 0,
};

type Base = Omit<ProtocolSample, 'connected' | 'token' | 'cumulativeTokens' | 'earnedTokens' | 'earnedUsd' | 'usdPerHour' | 'payoutEvent' | 'payout'>;

export function sampleBase(config: ProtocolConfig, time: number, allocation: Allocation): Base {
  return {
    protocol: config.name,
    type: config.type,
    time,
    uptime: 0,
    // Not measured until a reading says otherwise: null, never a made-up 0.
    cpuPercent: null,
    memoryBytes: null,
    bandwidthBytesPerSec: null,
    blockIoBytesPerSec: null,
    resourcesMeasured: false,
    storageBytes: 0,
    allocation: { ...zeroShares(), ...(allocation[config.name] ?? {}) },
    latencyMs: 0,
  };
}

export function readSample(base: Base, reading: AdapterReading, tracked: LedgerEntry, latencyMs: number): ProtocolSample {
  const r = reading.resources;
  return {
    ...base,
    connected: reading.connected,
    token: reading.token,
    cumulativeTokens: reading.cumulativeTokens,
    earnedTokens: tracked.earnedTokens,
    earnedUsd: tracked.earnedUsd,
    usdPerHour: tracked.usdPerHour,
    payoutEvent: tracked.payoutEvent,
    ...(tracked.payoutEvent ? { payout: { tokens: tracked.droppedTokens, usd: tracked.droppedUsd } } : {}),
    uptime: reading.uptime ?? (reading.connected ? 1 : 0),
    cpuPercent: r.cpuPercent ?? null,
    memoryBytes: r.memoryBytes ?? null,
    bandwidthBytesPerSec: r.bandwidthBytesPerSec ?? null,
    blockIoBytesPerSec: r.blockIoBytesPerSec ?? null,
    resourcesMeasured: r.cpuPercent !== undefined,
    storageBytes: r.storageBytes ?? 0,
    latencyMs,
    ...(reading.health ? { health: reading.health } : {}),
  };
}

/** A node we cannot read is not known to earn: counted as zero, its counter baseline kept for when it is back. */
export function failedSample(base: Base, reason: string, token: string, latencyMs: number): ProtocolSample {
  return {
    ...base,
    connected: false,
    error: reason,
    token,
    cumulativeTokens: null,
    earnedTokens: 0,
    earnedUsd: 0,
    usdPerHour: 0,
    payoutEvent: false,
    latencyMs,
  };
}

/** A protocol with no new reading repeats its last sample at the new time, with nothing newly earned. */
export function carriedSample(last: ProtocolSample, time: number, allocation: ProtocolSample['allocation']): ProtocolSample {
  const { payout: _paid, ...rest } = last;
  return { ...rest, time, earnedTokens: 0, earnedUsd: 0, payoutEvent: false, allocation };
}

export function tokenOf(config: ProtocolConfig, last: ProtocolSample | null): string {
  return last?.token ?? config.token ?? DEFAULT_TOKEN[config.type] ?? 'USD';
}

/** Beyond these a reading is a broken node or a unit mix-up, not a fact worth storing. */
export const PLAUSIBLE = {
  /** Token units of a cumulative counter (a trillion of any token is more than exists). */
  maxCumulativeTokens: 1e12,
  /** Percent of one core (a thousand cores). */
  maxCpuPercent: 100_000,
  /** Bytes, or bytes per second (an exabyte). */
  maxBytes: 1e18,
};

/** Why a schema-valid reading is still not plausible (negative or absurd numbers), or null when it is. */
export function implausibility(reading: AdapterReading): string | null {
  const c = reading.cumulativeTokens;
  if (c !== null && c < 0) return `cumulativeTokens: negative (${c}); an earnings counter never is`;
  if (c !== null && c > PLAUSIBLE.maxCumulativeTokens) {
    return `cumulativeTokens: implausibly large (${c} > ${PLAUSIBLE.maxCumulativeTokens} ${reading.token})`;
  }
  const r = reading.resources;
  if ((r.cpuPercent ?? 0) > PLAUSIBLE.maxCpuPercent) return `resources.cpuPercent: implausibly large (${r.cpuPercent})`;
  for (const key of ['memoryBytes', 'bandwidthBytesPerSec', 'blockIoBytesPerSec', 'storageBytes'] as const) {
    if ((r[key] ?? 0) > PLAUSIBLE.maxBytes) return `resources.${key}: implausibly large (${r[key]})`;
  }
  return null;
}
