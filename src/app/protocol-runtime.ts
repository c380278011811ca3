import { type Adapter, createAdapters } from '../adapters/index.js';
import type { Config } from '../config/schema.js';
import type Docker from 'dockerode';
import type { ProtocolConfig } from '../config/schema.js';
import { withContainerStats } from '../engine/measured-adapter.js';
import { createContainerMeter, createExecutors, dockerClient } from '../executors/index.js';
import type { Executor } from '../executors/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

export interface ProtocolRuntimeDeps {
  /** The config file's directory (adapters' and executors' relative paths, `{file: ...}` secrets). */
  baseDir: string;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The config as orcha runs it (with simulators running and no node in the file, the simulators' protocols). */
  effective: (config: Config) => Config;
}

/**
 * The protocols orcha runs and their adapters and executors, kept across config reloads: an unchanged protocol keeps
 * its adapter (its login session, its Retry-After wait); the executors map is one object for the life of the process
 * and a reload replaces its entries, so every holder sees the new ones.
 */
export interface ProtocolRuntime {
  /** The config as orcha runs it: with simulators running and no node in the file, the simulators are the protocols. */
  effective(config: Config): Config;
  adaptersFor(config: Config): Map<string, Adapter>;
  readonly executors: Map<string, Executor>;
  /** Rebuild the executors for an (effective) config. */
  replaceExecutors(config: Config): void;
}

export function createProtocolRuntime(deps: ProtocolRuntimeDeps, initial: Config): ProtocolRuntime {
  const { effective } = deps;
  const adapterCache = new Map<string, { key: string; adapter: Adapter }>();
  // One Docker client (DOCKER_HOST of orcha's environment), made only when a protocol names a container.
  let docker: Docker | undefined;
  const dockerFor = (protocols: ProtocolConfig[]): Docker | undefined => {
    if (!protocols.some((p) => p.enabled && (p.executor.container || p.executor.type === 'docker'))) return undefined;
    docker ??= dockerClient(deps.env);
    return docker;
  };
  const build = (c: Config) => createExecutors(c.protocols, { log: deps.log, clock: deps.clock, configDir: deps.baseDir, docker: dockerFor(c.protocols) });
  const executors = build(effective(initial));
  return {
    effective,
    adaptersFor(c) {
      const fresh = createAdapters(c.protocols, { baseDir: deps.baseDir, clock: deps.clock, env: deps.env });
      // A protocol in a container has its own use measured from the container's stats; without one it is not measured.
      for (const p of c.protocols) {
        const adapter = fresh.get(p.name);
        const container = p.executor.container;
        if (adapter && container) fresh.set(p.name, withContainerStats(adapter, createContainerMeter({ docker: dockerFor(c.protocols)!, container })));
      }
      const keys = new Map(c.protocols.map((p) => [p.name, JSON.stringify(p)]));
      for (const [name, adapter] of fresh) {
        const key = keys.get(name) ?? '';
        const cached = adapterCache.get(name);
        if (cached?.key === key) fresh.set(name, cached.adapter);
        else adapterCache.set(name, { key, adapter });
      }
      for (const name of adapterCache.keys()) if (!fresh.has(name)) adapterCache.delete(name);
      return fresh;
    },
    executors,
    replaceExecutors(c) {
      const fresh = build(c);
      executors.clear();
      for (const [name, executor] of fresh) executors.set(name, executor);
    },
  };
}
