import type { ProtocolConfig } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';

/**
 * A source an adapter reads less often than the node's health: Storj's payout estimate (recomputed hourly at best),
 * satellite scores, on-chain earnings. Between refreshes the last value is reused; a failed refresh throws and the
 * next read tries again (nothing stale is cached as fresh).
 */
export interface Cadenced<T> {
  get(fetch: () => Promise<T>): Promise<T>;
  /** Forget the cached value: the next get() reads the source. */
  invalidate(): void;
}

export function cadenced<T>(clock: Clock, intervalMs: number): Cadenced<T> {
  let cached: { value: T; at: number } | null = null;
  return {
    async get(fetch) {
      const now = clock.now();
      // A clock moved backwards (a virtual clock reset) also refreshes.
      if (cached && now - cached.at < intervalMs && now >= cached.at) return cached.value;
      const value = await fetch();
      cached = { value, at: now };
      return value;
    },
    invalidate() {
      cached = null;
    },
  };
}

/** Seconds from config, or the source's default; both in milliseconds out. */
export function intervalMs(configured: number | undefined, defaultSeconds: number): number {
  return (configured ?? defaultSeconds) * 1000;
}

/** The kinds of slower source an adapter reads (config `cadence.<source>`); health endpoints have none: every poll. */
export type SourceKind = 'earnings' | 'details' | 'version';

/**
 * A source's interval in milliseconds: `cadence.<source>` from the protocol's config, then (for earnings) the older
 * `earningsInterval`, then the adapter's default for that source.
 */
export function sourceIntervalMs(config: Pick<ProtocolConfig, 'cadence' | 'earningsInterval'>, source: SourceKind, defaultSeconds: number): number {
  const configured = config.cadence?.[source] ?? (source === 'earnings' ? config.earningsInterval : undefined);
  return intervalMs(configured, defaultSeconds);
}
