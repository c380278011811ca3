import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import type { ProtocolConfig } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { createDockerExecutor } from './docker.executor.js';
import { createDryRunExecutor } from './dry-run.executor.js';
import { createSimulatorExecutor } from './simulator.executor.js';
import { createStorjConfigExecutor } from './storj-config.executor.js';
import type { Executor } from './types.js';

export type { Executor } from './types.js';
export { createDockerExecutor } from './docker.executor.js';
export { createDryRunExecutor } from './dry-run.executor.js';
export { createStorjConfigExecutor } from './storj-config.executor.js';
export { type ContainerMeter, createContainerMeter } from './docker-stats.js';

export interface ExecutorDeps {
  log: Logger;
  clock: Clock;
  /** Directory of orcha.yaml: relative executor paths resolve inside it. */
  configDir: string;
  /** A Docker client; default: dockerode from DOCKER_HOST or /var/run/docker.sock, created on first need. */
  docker?: Docker;
}

/**
 * dockerode (with ssh2, gRPC and protobuf under it) is ~2 MB of JavaScript that took ~0.9 s to load on a busy
 * machine, so it is required only when a protocol actually needs a Docker client.
 */
function defaultDocker(): Docker {
  return dockerClient(process.env);
}

/** A Docker client for `DOCKER_HOST` of this environment (a `unix://` socket), else dockerode's own default. */
export function dockerClient(env: NodeJS.ProcessEnv): Docker {
  const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker;
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return new DockerClient({ socketPath: host.slice('unix://'.length) });
  return new DockerClient();
}

/** One executor per protocol, from the protocol's `executor` config. */
export function createExecutor(protocol: ProtocolConfig, deps: ExecutorDeps): Executor {
  const cfg = protocol.executor;
  const needContainer = (): string => {
    if (!cfg.container) {
      throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `protocol ${protocol.name}: executor ${cfg.type} needs a container`, [
        { path: `protocols.${protocol.name}.executor.container`, message: 'required' },
      ]);
    }
    return cfg.container;
  };
  switch (cfg.type) {
    case 'dry-run':
      return createDryRunExecutor({ protocol: protocol.name, clock: deps.clock });
    case 'docker':
      return createDockerExecutor({
        protocol: protocol.name,
        container: needContainer(),
        docker: deps.docker ?? defaultDocker(),
        restartOnChange: cfg.restartOnChange,
        log: deps.log,
      });
    case 'storj-config': {
      if (!cfg.configPath) {
        throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `protocol ${protocol.name}: storj-config needs configPath`, [
          { path: `protocols.${protocol.name}.executor.configPath`, message: 'required' },
        ]);
      }
      const restart = cfg.restartOnChange && !!cfg.container;
      return createStorjConfigExecutor({
        protocol: protocol.name,
        configPath: cfg.configPath,
        configDir: deps.configDir,
        container: cfg.container,
        docker: restart ? (deps.docker ?? defaultDocker()) : deps.docker,
        restartOnChange: cfg.restartOnChange,
        log: deps.log,
      });
    }
    case 'simulator':
      return createSimulatorExecutor(protocol, deps);
  }
}

/** Executors for every enabled protocol, keyed by protocol name (what the reallocation engine takes). */
export function createExecutors(protocols: ProtocolConfig[], deps: ExecutorDeps): Map<string, Executor> {
  const map = new Map<string, Executor>();
  for (const p of protocols) if (p.enabled) map.set(p.name, createExecutor(p, deps));
  return map;
}
