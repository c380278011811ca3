import type Docker from 'dockerode';
import type { Resource, ResourceShares } from '../domain/resources.js';
import type { HostResources } from '../domain/sample.js';
import { errorMessage, OrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Executor } from './types.js';

/** Docker refuses memory limits below 6 MiB and CPU limits below 0.01 CPU. */
export const DOCKER_MIN_MEMORY_BYTES = 6 * 1024 * 1024;
export const DOCKER_MIN_NANO_CPUS = 10_000_000;
const NANO = 1_000_000_000;

export interface DockerLimits {
  NanoCpus: number;
  Memory: number;
  MemorySwap: number;
}

/** Turns percent-of-host shares into the container limits Docker understands. */
export function sharesToDockerLimits(shares: ResourceShares, host: HostResources): DockerLimits {
  const nano = Math.round((shares.cpu / 100) * host.cpuCount * NANO);
  const memory = Math.round((shares.memory / 100) * host.memoryTotalBytes);
  const Memory = Math.max(DOCKER_MIN_MEMORY_BYTES, memory);
  return {
    NanoCpus: Math.max(DOCKER_MIN_NANO_CPUS, nano),
    Memory,
    // Docker's own default when only --memory is given (swap equal to memory); sent with Memory in the same
    // call because Docker rejects a Memory above the MemorySwap already in force.
    MemorySwap: Memory * 2,
  };
}

export function dockerLimitsToShares(limits: { NanoCpus?: number; Memory?: number }, host: HostResources): Pick<ResourceShares, 'cpu' | 'memory'> {
  const cpu = limits.NanoCpus ? (limits.NanoCpus / (host.cpuCount * NANO)) * 100 : 100;
  const memory = limits.Memory ? (limits.Memory / host.memoryTotalBytes) * 100 : 100;
  return { cpu: round(cpu), memory: round(memory) };
}

const round = (x: number) => Math.round(Math.min(100, x) * 1000) / 1000;

export interface DockerExecutorOptions {
  protocol: string;
  container: string;
  docker: Docker;
  restartOnChange: boolean;
  log: Logger;
}

/**
 * CPU and memory through the Docker Engine API (`POST /containers/{id}/update`), read back from container
 * inspect. Docker has no bandwidth or disk lever: those shares are remembered, not enforced.
 */
export function createDockerExecutor(options: DockerExecutorOptions): Executor {
  const { docker, container: name, protocol } = options;
  const log = options.log.child({ executor: 'docker', protocol, container: name });
  const container = docker.getContainer(name);
  // The last shares applied. Bandwidth and storage are not enforced by Docker: remembered so read() returns a
  // whole allocation.
  let applied: ResourceShares | null = null;

  const fail = (what: string, err: unknown): never => {
    const status = (err as { statusCode?: number }).statusCode;
    const code = status === undefined || status >= 500 ? 'ORCHA_ERR_DEPENDENCY_DOWN' : 'ORCHA_ERR_EXECUTOR';
    throw new OrchaError(code, `docker ${what} failed for container ${name}: ${dockerMessage(err)}`, { status }, { cause: err });
  };

  return {
    type: 'docker',
    protocol,
    restartsOnChange: options.restartOnChange,
    controls: ['cpu', 'memory'] as readonly Resource[],
    async check() {
      try {
        await docker.ping();
        await container.inspect();
      } catch (err) {
        fail('check', err);
      }
    },
    async read(host) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await container.inspect();
      } catch (err) {
        return fail('inspect', err);
      }
      const limits = dockerLimitsToShares(info.HostConfig, host);
      // When the container holds exactly what we set, report the shares we set: Docker's floors (0.01 CPU,
      // 6 MiB) and integer rounding must not read back as someone else's change.
      if (applied) {
        const expected = sharesToDockerLimits(applied, host);
        if (info.HostConfig.NanoCpus === expected.NanoCpus && info.HostConfig.Memory === expected.Memory) {
          return { ...applied };
        }
      }
      return { ...limits, bandwidth: applied?.bandwidth ?? 0, storage: applied?.storage ?? 0 };
    },
    async apply(shares, host) {
      const limits = sharesToDockerLimits(shares, host);
      try {
        await container.update(limits);
      } catch (err) {
        fail('update', err);
      }
      applied = { ...shares };
      log.info({ limits }, 'container limits updated');
      if (options.restartOnChange) {
        try {
          await container.restart();
        } catch (err) {
          fail('restart', err);
        }
        log.info('container restarted');
      }
    },
  };
}

function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } }).json;
  return json?.message ?? errorMessage(err);
}
