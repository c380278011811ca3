/**
 * A process killed with SIGKILL between two steps of a reallocation: the next start-up rolls it back, and the
 * containers (fake Docker Engine API), the journal and the database agree afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { createReallocationEngine } from '../../src/engine/reallocation/index.js';
import { createDockerExecutor, sharesToDockerLimits } from '../../src/executors/docker.executor.js';
import type { Executor } from '../../src/executors/types.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createStore } from '../../src/store/index.js';
import { type FakeDocker, startFakeDocker } from '../helpers/fake-docker.js';
import { BEFORE, EVEN, NAMES, host } from '../helpers/reallocation-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const rawConfig = {
  protocols: NAMES.map((name) => ({ name, type: 'golem', endpoint: `http://127.0.0.1:9/${name}`, initialAllocation: BEFORE[name] })),
  reallocation: { mode: 'auto' },
};

/** The orcha side of the crash: a separate Node process that starts a reallocation and gets killed mid-way. */
const CHILD = `
const p = JSON.parse(process.env.ORCHA_CRASH_TEST);
const src = (f) => new URL(f, p.src).href;
const { default: Docker } = await import('dockerode');
const { createStore } = await import(src('store/index.ts'));
const { buildConfig } = await import(src('config/load.ts'));
const { createReallocationEngine } = await import(src('engine/reallocation/index.ts'));
const { createDockerExecutor } = await import(src('executors/docker.executor.ts'));
const { systemClock } = await import(src('lib/clock.ts'));
const { silentLogger } = await import(src('lib/logger.ts'));
const log = silentLogger();
const store = await createStore({ sqlitePath: p.db });
const docker = new Docker({ socketPath: p.socket });
const executors = new Map(p.names.map((n) => [n, createDockerExecutor({ protocol: n, container: n, docker, restartOnChange: false, log })]));
const config = buildConfig(p.config, {});
const engine = createReallocationEngine({
  repo: store.reallocations, executors, clock: systemClock, log, getConfig: () => config,
  strategy: { name: 'fixed', plan: async (input) => ({ strategy: 'fixed', createdAt: input.time, current: input.current, target: p.target,
    currentUsdPerHour: 1, projectedUsdPerHour: 2, improvementUsdPerHour: 1, improvementPercent: 100, confidence: 0.9,
    switchingCostUsd: 0, roi: null, exploration: false, opportunities: [], explanations: {} }) },
  getState: () => ({ snapshot: { time: Date.now(), totalUsdPerHour: 1, host: p.host, protocols: [] }, health: Object.fromEntries(p.names.map((n) => [n, true])) }),
});
const d = await engine.decide({ trigger: 'loop' });
console.log('finished', d.status);
`;

describe('crash between two steps (SIGKILL)', () => {
  let dir: string;
  let fake: FakeDocker;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orcha-crash-'));
    fake = await startFakeDocker({ cpuCount: 4 });
    for (const n of NAMES) fake.addContainer(n, sharesToDockerLimits(BEFORE[n], host));
  });
  afterEach(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the next start-up rolls the reallocation back; containers, journal and database agree', async () => {
    const db = join(dir, 'orcha.db');
    const before = NAMES.map((n) => ({ ...fake.containers.get(n) }));
    // Migrate first, so the child and the parent open a ready database.
    await (await createStore({ sqlitePath: db })).close();

    const params = { src: `${pathToFileURL(join(ROOT, 'src')).href}/`, db, socket: fake.socketPath, names: NAMES, config: rawConfig, target: EVEN, host };
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      env: { ...process.env, ORCHA_CRASH_TEST: JSON.stringify(params) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (b: Buffer) => {
      output += b.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

    // The third step (c's increase) reaches Docker and is held there; the process dies while it waits.
    const held = await Promise.race([fake.holdNext(/^POST \/containers\/c\/update$/), exited.then(() => null)]);
    expect(held, `child exited early:\n${output}`).not.toBeNull();
    child.kill('SIGKILL');
    await exited;
    expect(output).not.toContain('finished');

    // Two steps went through before the crash: the containers are half-way.
    expect(fake.containers.get('a')?.NanoCpus).toBe(sharesToDockerLimits(EVEN.a, host).NanoCpus);
    expect(fake.containers.get('c')?.NanoCpus).toBe(sharesToDockerLimits(BEFORE.c, host).NanoCpus);

    // Start-up of the next process.
    const store = await createStore({ sqlitePath: db });
    try {
      const [journal] = await store.reallocations.findInterrupted();
      expect(journal.status).toBe('applying');
      expect(journal.steps.map((s) => [s.protocol, s.status, s.appliedAt !== null])).toEqual([
        ['a', 'applied', true],
        ['b', 'applied', true],
        ['c', 'pending', true], // in flight when the process died
        ['d', 'pending', false],
      ]);
      const log = silentLogger();
      const docker = new Docker({ socketPath: fake.socketPath });
      const executors = new Map<string, Executor>(
        NAMES.map((n) => [n, createDockerExecutor({ protocol: n, container: n, docker, restartOnChange: false, log })]),
      );
      const config = buildConfig(rawConfig, {});
      const engine = createReallocationEngine({
        repo: store.reallocations,
        executors,
        clock: new VirtualClock(),
        log,
        getConfig: () => config,
        strategy: { name: 'unused', plan: () => Promise.reject(new Error('not called')) },
        getState: () => ({ snapshot: null, health: {}, host }),
      });
      const [recovered] = await engine.recover();
      expect(recovered.status).toBe('rolled_back');
      expect(recovered.reason).toContain('interrupted before step 2 (c) completed; rolled back at start-up');
      expect(recovered.steps.map((s) => s.status)).toEqual(['rolled_back', 'rolled_back', 'pending', 'pending']);

      // The world, the engine and the database agree: everything is back to the recorded `before`.
      expect(NAMES.map((n) => ({ ...fake.containers.get(n) }))).toEqual(before);
      for (const n of NAMES) expect(await executors.get(n)?.read(host)).toEqual(recovered.before[n]);
      expect(engine.current()).toEqual(recovered.before);
      expect(await store.reallocations.findInterrupted()).toEqual([]);
      expect(await store.reallocations.lastChangeByProtocol()).toEqual({});
    } finally {
      await store.close();
    }
  }, 60_000);
});
