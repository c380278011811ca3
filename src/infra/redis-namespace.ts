/**
 * Keys in a shared Redis belong to one database: the processes on one database (replicas of one control plane) share
 * their cache, rate limits and event channel, while installations on other databases using the same Redis never see
 * each other's entries. The namespace is a digest of the storage location, so no URL or password reaches Redis.
 */
import { createHash } from 'node:crypto';

/** A short, stable digest of the storage location (`storage.url`, or the SQLite file's absolute path). */
export function storageNamespace(storageKey: string): string {
  return createHash('sha256').update(storageKey).digest('hex').slice(0, 16);
}

/** The Redis key prefixes of one database's processes. */
export function redisPrefixes(storageKey: string): { cache: string; rateLimit: string; events: string } {
  const ns = storageNamespace(storageKey);
  return { cache: `orcha:cache:${ns}:`, rateLimit: `orcha:rl:${ns}:`, events: `orcha:events:${ns}` };
}
