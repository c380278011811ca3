import type { ProtocolConfig } from '../config/schema.js';
import type { ProtocolType } from '../domain/resources.js';
import { createGolemAdapter } from './golem.adapter.js';
import { createGrassAdapter } from './grass.adapter.js';
import { withReadLimits } from './http.js';
import { createHttpJsonAdapter } from './http-json.adapter.js';
import { createMysteriumAdapter } from './mysterium.adapter.js';
import { createStorjAdapter } from './storj.adapter.js';
import { createStreamrAdapter } from './streamr.adapter.js';
import type { Adapter, AdapterDeps, AdapterFactory } from './types.js';

export type { Adapter, AdapterDeps, EarningsSource } from './types.js';

const FACTORIES: Record<ProtocolType, AdapterFactory> = {
  storj: createStorjAdapter,
  golem: createGolemAdapter,
  mysterium: createMysteriumAdapter,
  streamr: createStreamrAdapter,
  grass: createGrassAdapter,
  'http-json': createHttpJsonAdapter,
};

/**
 * The adapter for one configured protocol. Secrets are resolved here (once), never logged. Its HTTP reads carry the
 * protocol's read limits (http.ts).
 */
export function createAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  return FACTORIES[config.type](config, { ...deps, fetch: withReadLimits({ maxResponseBytes: config.maxResponseBytes }, deps.fetch) });
}

/** Adapters for every enabled protocol, keyed by protocol name. */
export function createAdapters(protocols: ProtocolConfig[], deps: AdapterDeps): Map<string, Adapter> {
  return new Map(protocols.filter((p) => p.enabled).map((p) => [p.name, createAdapter(p, deps)]));
}
