import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { HostResources } from '../../src/domain/sample.js';
import { createDockerExecutor } from '../../src/executors/docker.executor.js';
import { createDryRunExecutor } from '../../src/executors/dry-run.executor.js';
import { createExecutor, createExecutors } from '../../src/executors/index.js';
import { createStorjConfigExecutor, readAllocatedDiskSpace } from '../../src/executors/storj-config.executor.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { isOrchaError } from '../../src/lib/errors.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type FakeDocker, startFakeDocker } from '../helpers/fake-docker.js';

const log = silentLogger();
const GiB = 2 ** 30;
const host: HostResources = {
  cpuCount: 4,
  cpuPercent: 0,
  memoryTotalBytes: 16 * GiB,
  memoryUsedBytes: 0,
  bandwidthCapacityBytesPerSec: 12_500_000,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 4e12,
  storageUsedBytes: 0,
};
const shares = (cpu: number, memory: number, bandwidth = 0, storage = 0) => ({ cpu, memory, bandwidth, storage });

describe('docker executor against the fake Docker Engine API', () => {
  let fake: FakeDocker;
  let docker: Docker;
  beforeEach(async () => {
    fake = await startFakeDocker({ cpuCount: 4 });
    // A version prefix, as a pinned client sends it (/v1.47/containers/...).
    docker = new Docker({ socketPath: fake.socketPath, version: 'v1.47' });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sets NanoCpus and Memory + MemorySwap in one update call and reads them back', async () => {
    const c = fake.addContainer('storagenode', { NanoCpus: 1e9, Memory: GiB, MemorySwap: 2 * GiB });
    const ex = createDockerExecutor({ protocol: 'storj', container: 'storagenode', docker, restartOnChange: false, log });
    await ex.check();
    // Memory rises above the MemorySwap in force: only accepted because both go in the same call.
    await ex.apply(shares(50, 25, 10, 20), host);
    expect(c.NanoCpus).toBe(2e9);
    expect(c.Memory).toBe(4 * GiB);
    expect(c.MemorySwap).toBe(8 * GiB);
    const updates = fake.calls.filter((x) => x.path.endsWith('/update'));
    expect(updates).toHaveLength(1);
    expect(updates[0].body).toEqual({ NanoCpus: 2e9, Memory: 4 * GiB, MemorySwap: 8 * GiB });
    expect(await ex.read(host)).toEqual(shares(50, 25, 10, 20));
    expect(ex.controls).toEqual(['cpu', 'memory']);
    expect(c.restarts).toBe(0);
  });

  it('reads back a zero share as zero although Docker holds its floor (0.01 CPU, 6 MiB)', async () => {
    const c = fake.addContainer('idle');
    const ex = createDockerExecutor({ protocol: 'idle', container: 'idle', docker, restartOnChange: false, log });
    await ex.apply(shares(0, 0), host);
    expect([c.NanoCpus, c.Memory]).toEqual([1e7, 6 * 2 ** 20]);
    expect(await ex.read(host)).toEqual(shares(0, 0));
    // Someone else changed the container: the read-back shows it.
    c.NanoCpus = 2e9;
    expect((await ex.read(host))?.cpu).toBe(50);
  });

  it('restarts the container when configured', async () => {
    const c = fake.addContainer('golem');
    const ex = createDockerExecutor({ protocol: 'golem', container: 'golem', docker, restartOnChange: true, log });
    await ex.apply(shares(25, 10), host);
    expect(c.restarts).toBe(1);
    expect(ex.restartsOnChange).toBe(true);
  });

  it('turns a Docker refusal into ORCHA_ERR_EXECUTOR with Docker\'s message, leaving limits unchanged', async () => {
    const c = fake.addContainer('x', { NanoCpus: 1e9, Memory: GiB, MemorySwap: 2 * GiB });
    const ex = createDockerExecutor({ protocol: 'x', container: 'x', docker, restartOnChange: false, log });
    // 200 % of 4 CPUs = 8 CPUs: the daemon refuses.
    const err = await ex.apply(shares(200, 10), host).catch((e) => e);
    expect(isOrchaError(err, 'ORCHA_ERR_EXECUTOR')).toBe(true);
    expect(err.message).toContain('Range of CPUs is from 0.01 to 4.00');
    expect(c.NanoCpus).toBe(1e9);
  });

  it('the fake refuses Memory above MemorySwap, as Docker does', async () => {
    fake.addContainer('y', { Memory: GiB, MemorySwap: 2 * GiB });
    const err = await docker
      .getContainer('y')
      .update({ Memory: 3 * GiB })
      .catch((e) => e);
    expect(err.statusCode).toBe(400);
    expect(err.json.message).toContain('memoryswap');
  });

  it('reports an unreachable daemon or missing container from check()', async () => {
    const ex = createDockerExecutor({ protocol: 'gone', container: 'gone', docker, restartOnChange: false, log });
    const missing = await ex.check().catch((e) => e);
    expect(isOrchaError(missing, 'ORCHA_ERR_EXECUTOR')).toBe(true);
    expect(missing.message).toContain('No such container');
    fake.addContainer('gone');
    fake.failOn(/^GET \/_ping/, { status: 500, message: 'daemon is shutting down' });
    const down = await ex.check().catch((e) => e);
    expect(isOrchaError(down, 'ORCHA_ERR_DEPENDENCY_DOWN')).toBe(true);
  });

  it('fails a step when the injected failure hits the update, then works once cleared', async () => {
    const c = fake.addContainer('z');
    const ex = createDockerExecutor({ protocol: 'z', container: 'z', docker, restartOnChange: false, log });
    fake.failOn(/\/update$/, { times: 1 });
    await expect(ex.apply(shares(10, 10), host)).rejects.toThrow(/injected failure/);
    await ex.apply(shares(10, 10), host);
    expect(c.NanoCpus).toBe(4e8);
  });
});

describe('storj-config executor', () => {
  let dir: string;
  let fake: FakeDocker;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-storj-'));
    fake = await startFakeDocker();
  });
  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const configText = [
    '# how much disk space a node should use',
    'storage.allocated-disk-space: 1.00 TB # set at install',
    'storage.path: /app/config/storage',
    'server.address: :28967',
    '',
  ].join('\n');

  it('rewrites only storage.allocated-disk-space, atomically, and restarts the node', async () => {
    writeFileSync(join(dir, 'config.yaml'), configText);
    const c = fake.addContainer('storagenode');
    const ex = createStorjConfigExecutor({
      protocol: 'storj',
      configPath: 'config.yaml',
      configDir: dir,
      container: 'storagenode',
      docker: new Docker({ socketPath: fake.socketPath }),
      restartOnChange: true,
      log,
    });
    await ex.check();
    expect(await ex.read(host)).toMatchObject({ storage: 25 });
    await ex.apply(shares(0, 0, 0, 50), host);
    const text = readFileSync(join(dir, 'config.yaml'), 'utf8');
    expect(text).toBe(configText.replace('1.00 TB # set at install', '2.00 TB # set at install'));
    expect(readAllocatedDiskSpace(text)).toBe(2e12);
    expect(await ex.read(host)).toMatchObject({ storage: 50 });
    expect(c.restarts).toBe(1);
    expect(readdirSync(dir)).toEqual(['config.yaml']);
  });

  it('refuses a config path outside the config directory', () => {
    expect(() =>
      createStorjConfigExecutor({ protocol: 's', configPath: '../etc/config.yaml', configDir: dir, restartOnChange: false, log }),
    ).toThrow(/leaves the config directory/);
  });

  it('fails check() and apply() with ORCHA_ERR_EXECUTOR when the file is missing', async () => {
    const ex = createStorjConfigExecutor({ protocol: 's', configPath: 'nope.yaml', configDir: dir, restartOnChange: false, log });
    const err = await ex.check().catch((e) => e);
    expect(isOrchaError(err, 'ORCHA_ERR_EXECUTOR')).toBe(true);
  });
});

describe('dry-run executor', () => {
  it('records every apply and holds the last allocation', async () => {
    const clock = new VirtualClock();
    const ex = createDryRunExecutor({ protocol: 'p', clock });
    expect(await ex.read(host)).toBeNull();
    await ex.apply(shares(10, 20, 30, 40), host);
    await clock.advance(1000);
    await ex.apply(shares(1, 2, 3, 4), host);
    expect(await ex.read(host)).toEqual(shares(1, 2, 3, 4));
    expect(ex.history.map((h) => h.time - ex.history[0].time)).toEqual([0, 1000]);
  });
});

describe('createExecutor', () => {
  const proto = (executor: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    buildConfig({ protocols: [{ name: 'p', type: 'storj', endpoint: 'http://127.0.0.1:14002', executor, ...extra }] }, {}).protocols[0];
  const deps = { log, clock: new VirtualClock(), configDir: tmpdir() };

  it('builds the executor each protocol config names', () => {
    const docker = new Docker({ socketPath: '/nonexistent.sock' });
    expect(createExecutor(proto({}), deps).type).toBe('dry-run');
    const d = createExecutor(proto({ type: 'docker', container: 'storagenode', restartOnChange: true }), { ...deps, docker });
    expect([d.type, d.restartsOnChange]).toEqual(['docker', true]);
    const s = createExecutor(proto({ type: 'storj-config', configPath: 'config.yaml' }), deps);
    expect([s.type, s.controls]).toEqual(['storj-config', ['storage']]);
    expect(createExecutor(proto({ type: 'simulator' }), deps).type).toBe('simulator');
  });

  it('names the missing field', () => {
    const err = (() => {
      try {
        createExecutor({ ...proto({}), executor: { type: 'docker', restartOnChange: false } }, deps);
      } catch (e) {
        return e;
      }
    })();
    expect(isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as { details: unknown }).details).toEqual([{ path: 'protocols.p.executor.container', message: 'required' }]);
  });

  it('createExecutors keys enabled protocols by name', () => {
    const config = buildConfig(
      {
        protocols: [
          { name: 'on', type: 'golem', endpoint: 'http://127.0.0.1:7465' },
          { name: 'off', type: 'golem', endpoint: 'http://127.0.0.1:7466', enabled: false },
        ],
      },
      {},
    );
    expect([...createExecutors(config.protocols, deps).keys()]).toEqual(['on']);
  });
});
