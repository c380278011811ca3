/**
 * Energy accounting as the composition root sees it: the service, the optimizer input net of power cost, the
 * energy-pause policy added to the running config, and the simulated plug of demo mode.
 */
import type { Config } from '../config/schema.js';
import { buildOptimizerInput, type InputContext } from '../engine/reallocation/optimizer-input.js';
import type { OptimizerInput } from '../engine/optimizer/types.js';
import type { EnergyService } from './energy-service.js';
import { netOfPowerCost } from './optimizer-net.js';

export { createEnergyService, ENERGY_PAUSE_POLICY, type EnergyService } from './energy-service.js';
export { EnergyConfigSchema } from './schema.js';
export type { EnergyHistoryView, EnergyReport, EnergyView } from './views.js';

/** The reallocation engine's `buildInput`: the usual input, with rates net of the power cost the allocation causes. */
export function netOptimizerInput(energy: Pick<EnergyService, 'powerCostPerCpuPoint'>) {
  return async (ctx: InputContext): Promise<OptimizerInput> => netOfPowerCost(await buildOptimizerInput(ctx), energy.powerCostPerCpuPoint());
}

/** The config with the energy-pause policy appended while it applies (auto mode, allowed, an expensive hour). */
export function withEnergyPolicy(config: Config, energy: Pick<EnergyService, 'pausePolicy'>): Config {
  const policy = energy.pausePolicy(config);
  return policy ? { ...config, policies: [...config.policies, policy] } : config;
}

/**
 * Demo mode: with no meter configured, energy accounting is on and reads the simulated plug (a Shelly Gen2 answer),
 * so the dashboard shows power and net earnings out of the box.
 */
export function withDemoMeter(config: Config, plugUrl: string | null): Config {
  if (!plugUrl || config.energy.meters.length > 0 || config.energy.meter) return config;
  return {
    ...config,
    energy: {
      ...config.energy,
      enabled: true,
      meters: [{ name: 'sim-plug', type: 'http', url: plugUrl, format: 'shelly', interval: 5, timeout: 3 }],
    },
  };
}
