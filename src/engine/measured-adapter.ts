import type { Adapter } from '../adapters/types.js';
import type { HealthProblem } from '../domain/health.js';
import type { AdapterReading } from '../domain/sample.js';
import type { ContainerMeter } from '../executors/docker-stats.js';
import { errorMessage } from '../lib/errors.js';

/**
 * An adapter whose readings carry the protocol's own resource use, measured from its container (config
 * `executor.container`) at each poll. The node's reading and the container's stats are read side by side; stats that
 * cannot be read leave the use "not measured" and say why in the node's health, never failing the earnings read.
 */
export function withContainerStats(adapter: Adapter, meter: ContainerMeter): Adapter {
  return {
    name: adapter.name,
    type: adapter.type,
    isCloud: adapter.isCloud,
    async read(signal): Promise<AdapterReading> {
      const [reading, measured] = await Promise.all([
        adapter.read(signal),
        meter.read(signal).then(
          (use) => ({ use }),
          (err: unknown) => ({ error: errorMessage(err) }),
        ),
      ]);
      if ('use' in measured) return { ...reading, resources: { ...reading.resources, ...measured.use } };
      const problem: HealthProblem = {
        code: 'container-stats-unavailable',
        message: `container ${meter.container}: ${measured.error}`.slice(0, 500),
        severity: 'warning',
      };
      const health = reading.health ?? { problems: [] };
      return { ...reading, health: { ...health, problems: [...health.problems, problem].slice(0, 50) } };
    },
  };
}
