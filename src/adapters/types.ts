import type { ProtocolConfig } from '../config/schema.js';
import type { ProtocolType } from '../domain/resources.js';
import type { AdapterReading, CounterRule } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';

/**
 * Reads one node (or cloud account) and returns what it reports. One implementation per protocol type.
 * `read` throws coded OrchaErrors: ORCHA_ERR_ADAPTER_{HTTP,SCHEMA,UNREACHABLE,AUTH,RATE_LIMITED} or ORCHA_ERR_TIMEOUT.
 * It never returns a made-up zero for a field it could not read.
 */
export interface Adapter {
  readonly name: string;
  readonly type: ProtocolType;
  /** Cloud APIs are polled at `intervals.cloudPoll` and rate-limit us. */
  readonly isCloud: boolean;
  read(signal: AbortSignal): Promise<AdapterReading>;
}

export type FetchLike = typeof fetch;

/** Where Streamr earnings come from (the node has no local earnings endpoint): see streamr-earnings.ts. */
export interface EarningsSource {
  read(signal: AbortSignal): Promise<{ tokens: number; rule: CounterRule; sponsorships: number | null }>;
}

export interface AdapterDeps {
  /** Directory that secret files are resolved against. */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  clock: Clock;
  fetch?: FetchLike;
  /** streamr: overrides the default HTTP earnings source. */
  earningsSource?: EarningsSource;
}

export type AdapterFactory = (config: ProtocolConfig, deps: AdapterDeps) => Adapter;
