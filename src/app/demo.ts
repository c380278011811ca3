/**
 * Demo mode: the built-in node simulators stand in for the protocols (`orcha demo`, `simulators.enabled: true`, or
 * `auto` with no protocol in the file), with a simulated smart plug whose draw follows the simulated load, so energy
 * accounting works out of the box. The simulators' modules load only when they run, never beside real nodes.
 */
import type { Config } from '../config/schema.js';
import { DEMO_HOST_WATTS, withDemoMeter } from '../energy/index.js';
import type { Clock } from '../lib/clock.js';
import type { SimulatorsHandle } from '../sim/index.js';

/** Simulators run when asked (`demo`, `simulators.enabled: true`) or, with `auto`, when no protocol is configured. */
export function wantsSimulators(config: Config, demo: boolean): boolean {
  if (demo) return true;
  if (config.simulators.enabled === 'auto') return config.protocols.length === 0;
  return config.simulators.enabled;
}

export interface Demo {
  /** Null when the simulators do not run (real nodes). */
  simulators: SimulatorsHandle | null;
  /** The config as orcha runs it: with simulators running and no node in the file, the simulators are the protocols. */
  effective(config: Config): Config;
  /** Whether the protocols of this (file) config are the simulators: the dashboard says so. */
  simulated(config: Config): boolean;
  close(): Promise<void>;
}

export async function startDemo(options: { initial: Config; demo: boolean; clock: Clock }): Promise<Demo> {
  const { initial, demo, clock } = options;
  if (!wantsSimulators(initial, demo)) {
    return { simulators: null, effective: (c) => c, simulated: () => false, close: async () => undefined };
  }
  const simulators = await (await import('../sim/index.js')).startSimulators({ seed: initial.simulators.seed, clock });
  let plugUrl: string | null = null;
  let closePlug = async (): Promise<void> => undefined;
  try {
    const plug = await (await import('../sim/power-meter.sim.js')).startPowerMeterSim({ market: simulators.market, clock, ...DEMO_HOST_WATTS });
    plugUrl = plug.url;
    closePlug = () => plug.close();
  } catch (err) {
    await simulators.close();
    throw err;
  }
  const simulated = (c: Config) => demo || c.protocols.length === 0;
  return {
    simulators,
    effective: (c) => (simulated(c) ? withDemoMeter({ ...c, protocols: simulators.protocols }, plugUrl) : c),
    simulated,
    async close() {
      await closePlug();
      await simulators.close();
    },
  };
}
