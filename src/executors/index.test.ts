import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDocker, type FakeDocker } from '../../test/helpers/fake-docker.js';
import { buildConfig } from '../config/load.js';
import { VirtualClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { createExecutor } from './index.js';

const log = createLogger({ level: 'silent' });
const host = {
  cpuCount: 4,
  cpuPercent: 0,
  memoryTotalBytes: 16 * 2 ** 30,
  memoryUsedBytes: 0,
  bandwidthCapacityBytesPerSec: 0,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 4e12,
  storageUsedBytes: 0,
};

describe('the default Docker client (loaded only when a protocol needs one)', () => {
  let fake: FakeDocker;
  const saved = process.env.DOCKER_HOST;
  beforeEach(async () => {
    fake = await startFakeDocker({ cpuCount: 4 });
    process.env.DOCKER_HOST = `unix://${fake.socketPath}`;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    await fake.close();
  });

  it('reaches the Docker named by DOCKER_HOST when no client is injected', async () => {
    fake.addContainer('storagenode', { NanoCpus: 2e9, Memory: 4 * 2 ** 30 });
    const protocol = buildConfig(
      { protocols: [{ name: 'storj', type: 'storj', endpoint: 'http://127.0.0.1:14002', executor: { type: 'docker', container: 'storagenode' } }] },
      {},
    ).protocols[0];
    const executor = createExecutor(protocol, { log, clock: new VirtualClock(), configDir: tmpdir() });
    await executor.check();
    expect(await executor.read(host)).toMatchObject({ cpu: 50, memory: 25 });
  });
});
