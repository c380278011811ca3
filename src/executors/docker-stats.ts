import type Docker from 'dockerode';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { OrchaError, errorMessage } from '../lib/errors.js';

/**
 * A protocol's own resource use, measured from its container: `GET /containers/{id}/stats?stream=false` of the Docker
 * Engine API. With `stream=false` (and without `one-shot`) the daemon waits for two cgroup reads, so `precpu_stats` is
 * the previous read and the CPU delta between them is real.
 *
 * Shapes: moby/moby `api/types/container/stats.go` (`StatsResponse`) and `api/swagger.yaml` (`ContainerStatsResponse`);
 * the arithmetic is the `docker stats` command's (docker/cli `cli/command/container/stats_helpers.go`):
 * - CPU % = (Δ cpu_usage.total_usage / Δ system_cpu_usage) × online CPUs × 100 (online_cpus, else the length of
 *   percpu_usage): percent of one core, as `docker stats` shows it;
 * - memory = usage − total_inactive_file (cgroup v1) or − inactive_file (cgroup v2), when below usage: the page cache
 *   the kernel can drop is not the node's memory (Docker 19.03 and older subtracted `cache`; same idea);
 * - network = rx_bytes + tx_bytes summed over the container's interfaces; block I/O = io_service_bytes_recursive
 *   entries whose op starts with r (read) or w (write). Both are counters since the container started: a rate needs
 *   two readings, so the first poll measures CPU and memory only and the next ones all four.
 */

const U64 = Type.Number({ minimum: 0 });
const CpuStatsSchema = Type.Object({
  cpu_usage: Type.Object({ total_usage: U64, percpu_usage: Type.Optional(Type.Union([Type.Array(U64), Type.Null()])) }),
  system_cpu_usage: Type.Optional(U64),
  online_cpus: Type.Optional(U64),
});

export const DockerStatsSchema = Type.Object({
  read: Type.String(),
  cpu_stats: CpuStatsSchema,
  precpu_stats: Type.Optional(Type.Partial(CpuStatsSchema)),
  memory_stats: Type.Object({
    usage: Type.Optional(U64),
    stats: Type.Optional(Type.Record(Type.String(), Type.Number())),
  }),
  networks: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Object({ rx_bytes: U64, tx_bytes: U64 })), Type.Null()])),
  blkio_stats: Type.Optional(
    Type.Object({
      io_service_bytes_recursive: Type.Optional(Type.Union([Type.Array(Type.Object({ op: Type.String(), value: U64 })), Type.Null()])),
    }),
  ),
});
export type DockerStats = Static<typeof DockerStatsSchema>;

/** One stats body, computed the way `docker stats` does; counters stay counters (rates need two readings). */
export interface ContainerUsage {
  /** epoch ms the daemon read the cgroup */
  readAt: number;
  cpuPercent: number;
  memoryBytes: number;
  /** cumulative since the container started */
  networkBytes: number | null;
  blockIoBytes: number | null;
}

export function containerUsage(s: DockerStats): ContainerUsage {
  const readAt = Date.parse(s.read);
  if (Number.isNaN(readAt)) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `docker stats: read: Expected a date-time, got ${JSON.stringify(s.read.slice(0, 40))}`);
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  const hasPrevious = s.precpu_stats?.system_cpu_usage !== undefined && s.precpu_stats.system_cpu_usage > 0;
  const cpuPercent = hasPrevious && systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;

  const usage = s.memory_stats.usage ?? 0;
  const stats = s.memory_stats.stats ?? {};
  const v1 = stats.total_inactive_file;
  const v2 = stats.inactive_file;
  const memoryBytes = v1 !== undefined && v1 < usage ? usage - v1 : v2 !== undefined && v2 < usage ? usage - v2 : usage;

  // A container without networking has no `networks`: its network use is not measured, not 0.
  const nets = s.networks ? Object.values(s.networks) : null;
  const networkBytes = nets && nets.length > 0 ? nets.reduce((sum, n) => sum + n.rx_bytes + n.tx_bytes, 0) : null;
  // cgroup v2 leaves the list null until the container did any I/O: no entries is 0 bytes, as `docker stats` shows.
  const entries = s.blkio_stats ? (s.blkio_stats.io_service_bytes_recursive ?? []) : null;
  const blockIoBytes = entries ? entries.reduce((sum, e) => (/^[rw]/i.test(e.op) ? sum + e.value : sum), 0) : null;
  return { readAt, cpuPercent, memoryBytes, networkBytes, blockIoBytes };
}

/** What one protocol's container used, in the units of a sample's resources; a rate absent until two readings exist. */
export interface MeasuredUse {
  cpuPercent: number;
  memoryBytes: number;
  bandwidthBytesPerSec?: number;
  blockIoBytesPerSec?: number;
}

export interface ContainerMeter {
  readonly container: string;
  read(signal: AbortSignal): Promise<MeasuredUse>;
}

/** A per-second rate between two counter readings; a counter that went down (container restarted) gives none. */
function rate(now: number | null, before: number | null, seconds: number): number | undefined {
  if (now === null || before === null || seconds <= 0 || now < before) return undefined;
  return (now - before) / seconds;
}

export function createContainerMeter(options: { docker: Docker; container: string }): ContainerMeter {
  const { container: name } = options;
  const handle = options.docker.getContainer(name);
  let previous: ContainerUsage | null = null;

  return {
    container: name,
    async read(signal) {
      let body: unknown;
      try {
        // docker-modem honours `abortSignal` (it is not in dockerode's types): the poll's deadline ends the call.
        body = await handle.stats({ stream: false, abortSignal: signal } as { stream: false });
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        const json = (err as { json?: { message?: string } }).json;
        throw new OrchaError(
          status === 404 ? 'ORCHA_ERR_EXECUTOR' : 'ORCHA_ERR_DEPENDENCY_DOWN',
          `docker stats failed for container ${name}: ${json?.message ?? errorMessage(err)}`,
          { status },
          { cause: err },
        );
      }
      if (!Value.Check(DockerStatsSchema, body)) {
        const first = [...Value.Errors(DockerStatsSchema, body)][0];
        throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `docker stats: ${first?.path.slice(1).replaceAll('/', '.') || '(root)'}: ${first?.message ?? 'invalid'}`);
      }
      const now = containerUsage(body);
      const seconds = previous ? (now.readAt - previous.readAt) / 1000 : 0;
      const use: MeasuredUse = { cpuPercent: now.cpuPercent, memoryBytes: now.memoryBytes };
      const network = previous ? rate(now.networkBytes, previous.networkBytes, seconds) : undefined;
      const blockIo = previous ? rate(now.blockIoBytes, previous.blockIoBytes, seconds) : undefined;
      if (network !== undefined) use.bandwidthBytesPerSec = network;
      if (blockIo !== undefined) use.blockIoBytesPerSec = blockIo;
      previous = now;
      return use;
    },
  };
}
