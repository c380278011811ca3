import { Value } from '@sinclair/typebox/value';
import { type ProtocolConfig, ProtocolConfigSchema } from '../config/schema.js';
import { PROTOCOL_TYPES, type ProtocolType, type ResourceShares } from '../domain/resources.js';
import type { Clock } from '../lib/clock.js';
import { startGolemSim, GOLEM_SIM_APP_KEY } from './golem.sim.js';
import { GRASS_SIM_TOKEN, startGrassSim } from './grass.sim.js';
import { HONEYGAIN_SIM_PATH, HONEYGAIN_SIM_TOKEN, startHttpJsonSim } from './http-json.sim.js';
import { type Market, type MarketEvent, type ProtocolEconomics, createMarket } from './market.js';
import { startMysteriumSim } from './mysterium.sim.js';
import { type NodeSimOptions, startStorjSim } from './storj.sim.js';
import { STREAMR_INDEXER_PATH, STREAMR_SIM_OPERATOR, startStreamrSim } from './streamr.sim.js';
import type { Simulator } from './types.js';

export { createMarket, DEFAULT_ECONOMICS } from './market.js';
export type { Market, MarketEvent, MarketModel, ProtocolEconomics } from './market.js';
export { SIM_FAULTS, type SimFault, type Simulator } from './types.js';

/** The protocol name each simulated type gets. */
export const SIM_NAMES: Record<ProtocolType, string> = {
  storj: 'storj',
  golem: 'golem',
  mysterium: 'mysterium',
  streamr: 'streamr',
  grass: 'grass',
  'http-json': 'honeygain',
};

export interface StartSimulatorsOptions {
  seed: number;
  clock: Clock;
  types?: ProtocolType[];
  events?: MarketEvent[];
  /** Start as brand-new nodes (null/zero fields where the real nodes have them). */
  fresh?: boolean;
  /** Starting shares of every protocol (default: 80 % of each resource split equally). */
  initialAllocation?: ResourceShares;
  economics?: Partial<Record<ProtocolType, ProtocolEconomics>>;
  /** Real milliseconds of the `slow` fault. */
  slowMs?: number;
  /** Per-call timeout written into the generated configs, seconds. */
  timeout?: number;
}

export interface SimulatorsHandle {
  /** Ready-to-use protocol configs pointing at the simulators (executor type `simulator`). */
  protocols: ProtocolConfig[];
  sims: Map<string, Simulator>;
  market: Market;
  close(): Promise<void>;
}

const STARTERS: Record<ProtocolType, (o: NodeSimOptions & { seed?: number }) => Promise<Simulator>> = {
  storj: startStorjSim,
  golem: startGolemSim,
  mysterium: startMysteriumSim,
  streamr: startStreamrSim,
  grass: startGrassSim,
  'http-json': startHttpJsonSim,
};

function protocolConfig(type: ProtocolType, url: string, initial: ResourceShares, timeout: number): ProtocolConfig {
  const raw: Record<string, unknown> = {
    name: SIM_NAMES[type],
    type,
    endpoint: url,
    timeout,
    executor: { type: 'simulator' },
    initialAllocation: initial,
  };
  if (type === 'golem') raw.credentials = { token: GOLEM_SIM_APP_KEY };
  if (type === 'mysterium') raw.credentials = { username: 'myst', password: 'mystberry' };
  if (type === 'streamr') raw.earningsSource = { kind: 'indexer', url: `${url}${STREAMR_INDEXER_PATH}`, operator: STREAMR_SIM_OPERATOR };
  if (type === 'grass') raw.credentials = { token: GRASS_SIM_TOKEN };
  if (type === 'http-json') {
    raw.credentials = { token: HONEYGAIN_SIM_TOKEN };
    raw.mapping = { path: HONEYGAIN_SIM_PATH, earnings: 'data.payout.usd_cents', scale: 0.01 };
    raw.token = 'USD';
  }
  return Value.Default(ProtocolConfigSchema, raw) as ProtocolConfig;
}

/** Start one simulator per type on 127.0.0.1 (ephemeral ports), sharing one seeded market and the given clock. */
export async function startSimulators(options: StartSimulatorsOptions): Promise<SimulatorsHandle> {
  const types = options.types ?? [...PROTOCOL_TYPES];
  const each = Math.floor(80 / Math.max(1, types.length));
  const initial = options.initialAllocation ?? { cpu: each, memory: each, bandwidth: each, storage: each };
  const market = createMarket({
    seed: options.seed,
    clock: options.clock,
    events: options.events,
    protocols: types.map((type) => ({ name: SIM_NAMES[type], type, economics: options.economics?.[type], initialAllocation: initial })),
  });
  const sims = new Map<string, Simulator>();
  const protocols: ProtocolConfig[] = [];
  try {
    for (const type of types) {
      const name = SIM_NAMES[type];
      const sim = await STARTERS[type]({ name, model: market.models.get(name)!, clock: options.clock, fresh: options.fresh, slowMs: options.slowMs, seed: options.seed });
      sims.set(name, sim);
      protocols.push(protocolConfig(type, sim.url, initial, options.timeout ?? 3));
    }
  } catch (err) {
    await Promise.all([...sims.values()].map((s) => s.close()));
    throw err;
  }
  return {
    protocols,
    sims,
    market,
    close: async () => {
      await Promise.all([...sims.values()].map((s) => s.close()));
    },
  };
}
