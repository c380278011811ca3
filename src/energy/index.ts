/**
 * Energy accounting as the composition root sees it: the service, the optimizer input net of power cost, the
 * energy-pause policy added to the running config, and the simulated plug of demo mode.
 */
import { Value } from '@sinclair/typebox/value';
import type { Config } from '../config/schema.js';
import { buildOptimizerInput, type InputContext } from '../engine/reallocation/optimizer-input.js';
import type { OptimizerInput } from '../engine/optimizer/types.js';
import type { EnergyService } from './energy-service.js';
import { withPowerCosts } from './optimizer-net.js';
import { EnergyConfigSchema } from './schema.js';

export { createEnergyService, ENERGY_PAUSE_POLICY, type EnergyService } from './energy-service.js';
export { EnergyConfigSchema } from './schema.js';
export type { EnergyHistoryView, EnergyReport, EnergyView } from './views.js';

/** The reallocation engine's `buildInput`: the usual input, with the power cost each share point causes. */
export function netOptimizerInput(energy: Pick<EnergyService, 'powerCostPerPoint'>) {
  return async (ctx: InputContext): Promise<OptimizerInput> => withPowerCosts(await buildOptimizerInput(ctx), energy.powerCostPerPoint());
}

/** The config with the energy-pause policy appended while it applies (auto mode, allowed, an expensive hour). */
export function withEnergyPolicy(config: Config, energy: Pick<EnergyService, 'pausePolicy'>): Config {
  const policy = energy.pausePolicy(config);
  return policy ? { ...config, policies: [...config.policies, policy] } : config;
}

/**
 * The demo's simulated host: a fanless mini PC of the kind people leave running DePIN nodes on (about 10 W at rest,
 * 45 W with every core busy). At the default tariff its power costs a fraction of what the simulated nodes earn, as
 * it does for operators who chose such a box. The plug's own default (35-140 W, a desktop tower) cost more than the
 * simulated nodes earn in their first minutes, so the demo opened on a host losing money on power.
 */
export const DEMO_HOST_WATTS = { idleWatts: 10, maxWatts: 45 } as const;

/**
 * Demo mode: with no meter configured, energy accounting is on and reads the simulated plug (a Shelly Gen2 answer),
 * so the dashboard shows power and net earnings out of the box. The declared watts (used while the plug is silent)
 * are the simulated host's, unless the config declares its own.
 */
export function withDemoMeter(config: Config, plugUrl: string | null, declared: { idleWatts: number; maxWatts: number } = DEMO_HOST_WATTS): Config {
  if (!plugUrl || config.energy.meters.length > 0 || config.energy.meter) return config;
  const defaults = Value.Default(EnergyConfigSchema, {}) as Config['energy'];
  const ownEstimate =
    config.energy.estimate.idleWatts !== defaults.estimate.idleWatts || config.energy.estimate.maxWatts !== defaults.estimate.maxWatts;
  return {
    ...config,
    energy: {
      ...config.energy,
      enabled: true,
      meters: [{ name: 'sim-plug', type: 'http', url: plugUrl, format: 'shelly', interval: 5, timeout: 3 }],
      estimate: ownEstimate ? config.energy.estimate : { ...config.energy.estimate, ...declared },
    },
  };
}
