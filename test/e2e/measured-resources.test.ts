import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDocker, startFakeDocker } from '../helpers/fake-docker.js';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

/**
 * Measured per-protocol resource use, end to end: the product started through startOrcha, the Storj node given a
 * container (`executor.container`) that a fake Docker Engine (DOCKER_HOST) answers stats for with bodies of the real
 * shape; every other protocol has none, so its use is "not measured" (null and a flag) in the API, never 0.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

const V2 = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/docker/stats.cgroup2.swagger-assembled.json'), 'utf8'));

/** The container's counters `n` polls on (60 s apart, as the test polls): 2 kB/s of network, 5 kB/s of block I/O. */
function statsAt(n: number) {
  const b = structuredClone(V2);
  b.read = new Date(Date.parse(V2.read) + n * 60_000).toISOString();
  b.networks.eth0.rx_bytes += n * 60 * 1_500;
  b.networks.eth0.tx_bytes += n * 60 * 500;
  b.blkio_stats.io_service_bytes_recursive[1].value += n * 60 * 5_000;
  return b;
}

let docker: FakeDocker;
let server: TestOrcha;

beforeAll(async () => {
  docker = await startFakeDocker();
  docker.addContainer('storagenode').stats = Array.from({ length: 40 }, (_, n) => statsAt(n));
  server = await startTestOrcha({
    env: { DOCKER_HOST: `unix://${docker.socketPath}` },
    protocols: (list) => list.map((p) => (p.type === 'storj' ? { ...p, executor: { ...(p.executor as object), container: 'storagenode' } } : p)),
    warmPolls: 3,
  });
});
afterAll(async () => {
  await server?.close();
  await docker?.close();
});

async function api(path: string): Promise<J> {
  const res = await fetch(`${server.url}${path}`);
  expect(res.status, path).toBe(200);
  return res.json();
}

describe('per-protocol resource use', () => {
  it('a protocol with a container: CPU, memory, network and block I/O from its Docker stats, in the API and the store', async () => {
    const metrics = await api('/api/v1/metrics');
    const storj = metrics.protocols.find((p: J) => p.type === 'storj');
    expect(storj.resourcesMeasured).toBe(true);
    expect(storj.cpuPercent).toBeCloseTo(1, 9);
    expect(storj.memoryBytes).toBe(10137600 - 2510848);
    expect(storj.bandwidthBytesPerSec).toBeCloseTo(2_000, 6);
    expect(storj.blockIoBytesPerSec).toBeCloseTo(5_000, 6);
    // The node's own figure (disk it stores) is kept beside the container's.
    expect(storj.storageBytes).toBeGreaterThan(0);
    expect(docker.calls.filter((c) => c.path === '/containers/storagenode/stats').length).toBeGreaterThanOrEqual(3);
    // Prometheus: a series per measure of the measured protocol, none for the others (never a 0 they did not report).
    const scrape = await (await fetch(`${server.url}/metrics`)).text();
    expect(scrape).toContain(`orcha_protocol_resource_use{protocol="${storj.protocol}",measure="memory_bytes"} 7626752`);
    expect(scrape).toMatch(new RegExp(`orcha_protocol_resource_use\\{protocol="${storj.protocol}",measure="block_io_bytes_per_second"\\} 5000`));
    expect(scrape.split('\n').filter((l) => l.startsWith('orcha_protocol_resource_use{'))).toHaveLength(4);
    const stored = (await server.store.metrics.latest())!.protocols.find((p) => p.type === 'storj')!;
    expect(stored).toMatchObject({ resourcesMeasured: true, memoryBytes: 7626752 });
    expect(stored.cpuPercent).toBeCloseTo(1, 4);
  });

  it('protocols without a container say "not measured": null and the flag, never 0, in metrics, status, the dashboard document and history', async () => {
    const metrics = await api('/api/v1/metrics');
    const others = metrics.protocols.filter((p: J) => p.type !== 'storj');
    expect(others.length).toBe(5);
    for (const p of others) {
      expect(p, p.protocol).toMatchObject({ resourcesMeasured: false, cpuPercent: null, memoryBytes: null, bandwidthBytesPerSec: null, blockIoBytesPerSec: null });
    }
    const status = await api('/api/v1/status');
    const flags = Object.fromEntries(status.coordinator.adapters.map((a: J) => [a.type, a.resourcesMeasured]));
    expect(flags).toEqual({ storj: true, golem: false, mysterium: false, streamr: false, grass: false, 'http-json': false });
    const dashboard = await api('/api/v1/dashboard');
    const golem = dashboard.snapshot.protocols.find((p: J) => p.type === 'golem');
    expect(golem).toMatchObject({ resourcesMeasured: false, cpuPercent: null, memoryBytes: null });
    const history = await api('/api/v1/metrics/history?from=2025-12-31T00:00:00Z&to=2026-01-02T00:00:00Z');
    const points = history.protocols.filter((p: J) => p.protocol === golem.protocol);
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expect(p).toMatchObject({ cpuPercent: null, memoryBytes: null, bandwidthBytesPerSec: null });
    const storjPoints = history.protocols.filter((p: J) => p.protocol === metrics.protocols.find((x: J) => x.type === 'storj').protocol);
    expect(storjPoints.at(-1).cpuPercent).toBeCloseTo(1, 4);
  });

  it('stats that cannot be read leave the use unmeasured for that poll and say why in the node\'s health; earnings still read', async () => {
    docker.failOn(/stats/, { status: 500, message: 'cgroup read failed', times: 1 });
    await server.poll();
    const storj = (await api('/api/v1/metrics')).protocols.find((p: J) => p.type === 'storj');
    expect(storj).toMatchObject({ connected: true, resourcesMeasured: false, cpuPercent: null });
    expect(storj.health.problems.map((p: J) => p.code)).toContain('container-stats-unavailable');
    await server.poll();
    expect((await api('/api/v1/metrics')).protocols.find((p: J) => p.type === 'storj').resourcesMeasured).toBe(true);
  });
});
