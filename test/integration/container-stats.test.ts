import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Adapter } from '../../src/adapters/types.js';
import { DockerStatsSchema, containerUsage, createContainerMeter } from '../../src/executors/docker-stats.js';
import { withContainerStats } from '../../src/engine/measured-adapter.js';
import { type FakeDocker, startFakeDocker } from '../helpers/fake-docker.js';

/**
 * A protocol's own resource use from its container's Docker stats, against bodies of the real shape
 * (test/fixtures/docker/README.md) served by a fake Docker Engine on a unix socket through dockerode's real path.
 */

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/docker', name), 'utf8')) as Record<string, unknown>;
const V1_DOCS = fixture('stats.api-v1.24-docs-example.json');
const V2 = fixture('stats.cgroup2.swagger-assembled.json');

/** The same container 10 s later: every counter moved on (what a second poll reads). */
function tenSecondsLater(body: Record<string, unknown>): Record<string, unknown> {
  const next = structuredClone(body) as typeof V2 & Record<string, never>;
  const b = next as unknown as {
    read: string;
    networks: Record<string, { rx_bytes: number; tx_bytes: number }>;
    blkio_stats: { io_service_bytes_recursive: { op: string; value: number }[] };
  };
  b.read = new Date(Date.parse(b.read) + 10_000).toISOString();
  b.networks.eth0!.rx_bytes += 150_000;
  b.networks.eth0!.tx_bytes += 50_000;
  b.networks.eth5!.rx_bytes += 20_000;
  for (const e of b.blkio_stats.io_service_bytes_recursive) e.value += e.op === 'read' ? 400_000 : 100_000;
  return next;
}

describe('docker stats arithmetic, as `docker stats` computes it', () => {
  it('the API v1.24 documentation example (cgroup v1): CPU from percpu length, memory minus total_inactive_file', () => {
    expect(Value.Check(DockerStatsSchema, V1_DOCS)).toBe(true);
    const u = containerUsage(V1_DOCS as never);
    expect(u.cpuPercent).toBeCloseTo(((100215355 - 100093996) / (739306590000000 - 9492140000000)) * 4 * 100, 20);
    expect(u.memoryBytes).toBe(6537216);
    expect(u.networkBytes).toBe(5338 + 648 + 4641 + 690);
    // An empty blkio_stats: the container did no block I/O (0), it is still measured.
    expect(u.blockIoBytes).toBe(0);
    expect(u.readAt).toBe(Date.parse('2015-01-08T22:57:31.547920715Z'));
  });

  it('the current API shape (cgroup v2): online_cpus, memory minus inactive_file, read + write bytes', () => {
    expect(Value.Check(DockerStatsSchema, V2)).toBe(true);
    const u = containerUsage(V2 as never);
    expect(u.cpuPercent).toBeCloseTo(1, 12);
    expect(u.memoryBytes).toBe(10137600 - 2510848);
    expect(u.networkBytes).toBe(5338 + 648 + 4641 + 690);
    expect(u.blockIoBytes).toBe(7593984 + 100);
  });

  it('a container without networking has its network use not measured, never 0', () => {
    const { networks: _, ...noNet } = V2;
    expect(containerUsage(noNet as never).networkBytes).toBeNull();
  });
});

describe('container meter through dockerode against the fake Docker Engine', () => {
  let fake: FakeDocker;
  let docker: Docker;
  beforeEach(async () => {
    fake = await startFakeDocker();
    docker = new Docker({ socketPath: fake.socketPath });
  });
  afterEach(() => fake.close());

  it('asks stream=false; the first reading has CPU and memory, the next ones network and block I/O rates too', async () => {
    fake.addContainer('storagenode').stats = [V2, tenSecondsLater(V2)];
    const meter = createContainerMeter({ docker, container: 'storagenode' });
    const first = await meter.read(AbortSignal.timeout(3_000));
    expect(first).toEqual({ cpuPercent: expect.closeTo(1, 12), memoryBytes: 7626752 });
    const call = fake.calls.find((c) => c.path === '/containers/storagenode/stats')!;
    expect(new URLSearchParams(call.query).get('stream')).toBe('false');
    const second = await meter.read(AbortSignal.timeout(3_000));
    expect(second.bandwidthBytesPerSec).toBeCloseTo((150_000 + 50_000 + 20_000) / 10, 9);
    expect(second.blockIoBytesPerSec).toBeCloseTo((400_000 + 100_000) / 10, 9);
  });

  it('a counter that went down (the container restarted) gives no rate rather than a negative one', async () => {
    const later = tenSecondsLater(V2) as { networks: Record<string, { rx_bytes: number; tx_bytes: number }> };
    for (const n of Object.values(later.networks)) Object.assign(n, { rx_bytes: 10, tx_bytes: 10 });
    fake.addContainer('myst').stats = [V2, later];
    const meter = createContainerMeter({ docker, container: 'myst' });
    await meter.read(AbortSignal.timeout(3_000));
    const second = await meter.read(AbortSignal.timeout(3_000));
    expect(second.bandwidthBytesPerSec).toBeUndefined();
    expect(second.blockIoBytesPerSec).toBeGreaterThan(0);
  });

  it('a missing container or a body of the wrong shape is an error naming it', async () => {
    const meter = createContainerMeter({ docker, container: 'nope' });
    await expect(meter.read(AbortSignal.timeout(3_000))).rejects.toThrow('docker stats failed for container nope: No such container: nope');
    fake.addContainer('odd').stats = [{ ...V2, cpu_stats: { system_cpu_usage: 5 } }];
    await expect(createContainerMeter({ docker, container: 'odd' }).read(AbortSignal.timeout(3_000))).rejects.toThrow('docker stats: cpu_stats.cpu_usage: Expected required property');
  });

  it('an adapter with a container: its reading carries the measured use; stats failing leave it unmeasured and say why', async () => {
    const node: Adapter = {
      name: 'storj',
      type: 'storj',
      isCloud: false,
      read: async () => ({ connected: true, token: 'USD', cumulativeTokens: 1.5, resources: { storageBytes: 42 }, health: { problems: [] } }),
    };
    fake.addContainer('storagenode').stats = [V2];
    const measured = withContainerStats(node, createContainerMeter({ docker, container: 'storagenode' }));
    const r = await measured.read(AbortSignal.timeout(3_000));
    expect(r.resources).toEqual({ storageBytes: 42, cpuPercent: expect.closeTo(1, 12), memoryBytes: 7626752 });
    expect(r.cumulativeTokens).toBe(1.5);
    fake.failOn(/stats/, { status: 500, message: 'cgroup read failed' });
    const failed = await measured.read(AbortSignal.timeout(3_000));
    expect(failed.resources).toEqual({ storageBytes: 42 });
    expect(failed.cumulativeTokens).toBe(1.5);
    expect(failed.health!.problems).toEqual([
      { code: 'container-stats-unavailable', message: 'container storagenode: docker stats failed for container storagenode: cgroup read failed', severity: 'warning' },
    ]);
  });
});
