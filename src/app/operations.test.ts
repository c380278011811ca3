import { afterEach, describe, expect, it } from 'vitest';
import type { Operation } from '../domain/operation.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { OperationsRepository } from '../store/types.js';
import { type OperationsService, createOperationsService } from './operations.js';

/** A repository kept in memory: the queue's behaviour does not depend on the database. */
function memoryRepo(): OperationsRepository & { rows: Map<string, Operation> } {
  const rows = new Map<string, Operation>();
  return {
    rows,
    async insert(op) {
      rows.set(op.id, { ...op });
    },
    async update(id, patch) {
      const row = rows.get(id);
      if (row) rows.set(id, { ...row, ...patch });
    },
    async get(id) {
      const row = rows.get(id);
      return row ? { ...row } : null;
    },
    async list() {
      return [...rows.values()];
    },
    async findUnfinished() {
      return [...rows.values()].filter((r) => r.status === 'pending' || r.status === 'processing');
    },
  };
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let service: OperationsService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe('operations queue', () => {
  it('runs higher priorities first and FIFO within a level', async () => {
    const repo = memoryRepo();
    service = createOperationsService({ repo, clock: systemClock, log: silentLogger() });
    const order: string[] = [];
    const gate = deferred();
    service.register('report', async (params) => {
      if (params.tag === 'first') await gate.promise;
      order.push(String(params.tag));
      return { tag: params.tag };
    });
    await service.start();
    const first = await service.submit({ kind: 'report', params: { tag: 'first' } });
    await service.submit({ kind: 'report', params: { tag: 'low-1' }, priority: 'low' });
    await service.submit({ kind: 'report', params: { tag: 'normal-1' } });
    await service.submit({ kind: 'report', params: { tag: 'critical-1' }, priority: 'critical' });
    await service.submit({ kind: 'report', params: { tag: 'normal-2' } });
    const last = await service.submit({ kind: 'report', params: { tag: 'high-1' }, priority: 'high' });
    expect(service.depth().pending).toBe(5);
    gate.resolve();
    await service.wait(first.id, 5_000);
    const low = [...repo.rows.values()].find((r) => r.params.tag === 'low-1')!;
    await service.wait(low.id, 5_000);
    expect(order).toEqual(['first', 'critical-1', 'high-1', 'normal-1', 'normal-2', 'low-1']);
    const done = await service.get(last.id);
    expect(done?.status).toBe('completed');
    expect(done?.result).toEqual({ tag: 'high-1' });
    expect(repo.rows.get(last.id)?.status).toBe('completed');
  });

  it('refuses work beyond its capacity with ORCHA_ERR_QUEUE_FULL', async () => {
    service = createOperationsService({ repo: memoryRepo(), clock: systemClock, log: silentLogger(), capacity: 2 });
    const gate = deferred();
    service.register('export', () => gate.promise);
    await service.start();
    await service.submit({ kind: 'export' }); // processing
    await service.submit({ kind: 'export' });
    await service.submit({ kind: 'export' });
    await expect(service.submit({ kind: 'export' })).rejects.toMatchObject({ code: 'ORCHA_ERR_QUEUE_FULL', status: 503 });
    gate.resolve();
  });

  it('records failures and timeouts, and wait() returns as soon as the operation finishes', async () => {
    service = createOperationsService({ repo: memoryRepo(), clock: systemClock, log: silentLogger(), timeoutMs: 50 });
    service.register('report', async () => {
      throw new Error('no data for that period');
    });
    service.register('export', (_p, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    await service.start();
    const failed = await service.submit({ kind: 'report' });
    const slow = await service.submit({ kind: 'export' });
    expect((await service.wait(failed.id, 10_000))?.status).toBe('failed');
    expect((await service.wait(failed.id, 0))?.error).toBe('no data for that period');
    expect((await service.wait(slow.id, 10_000))?.status).toBe('timeout');
  });

  it('wait() gives the pending operation back at its timeout, and null for an unknown id', async () => {
    service = createOperationsService({ repo: memoryRepo(), clock: systemClock, log: silentLogger() });
    const gate = deferred();
    service.register('report', () => gate.promise);
    await service.start();
    const op = await service.submit({ kind: 'report' });
    expect((await service.wait(op.id, 20))?.status).toBe('processing');
    expect(await service.wait('nope', 20)).toBeNull();
    gate.resolve();
  });

  it('marks operations left unfinished by a previous process as failed at start', async () => {
    const repo = memoryRepo();
    await repo.insert({
      id: 'old',
      kind: 'report',
      priority: 'normal',
      status: 'processing',
      params: {},
      result: null,
      error: null,
      createdBy: null,
      createdAt: 1,
      startedAt: 2,
      finishedAt: null,
    });
    service = createOperationsService({ repo, clock: systemClock, log: silentLogger() });
    await service.start();
    expect(repo.rows.get('old')).toMatchObject({ status: 'failed', error: 'interrupted by a restart' });
  });

  it('counts waiting work by priority, and stop() cancels what waits but lets the running one finish', async () => {
    const repo = memoryRepo();
    service = createOperationsService({ repo, clock: systemClock, log: silentLogger() });
    const gate = deferred();
    service.register('report', async () => {
      await gate.promise;
      return 'done';
    });
    await service.start();
    const running = await service.submit({ kind: 'report' });
    const waiting = [
      await service.submit({ kind: 'report', priority: 'low' }),
      await service.submit({ kind: 'report', priority: 'critical' }),
      await service.submit({ kind: 'report', priority: 'critical' }),
    ];
    expect(service.depth()).toEqual({ pending: 3, processing: 1, capacity: 100, byPriority: { critical: 2, high: 0, normal: 0, low: 1 } });
    const stopped = service.stop();
    await expect(service.submit({ kind: 'report' })).rejects.toMatchObject({ code: 'ORCHA_ERR_DEPENDENCY_DOWN' });
    gate.resolve();
    await stopped;
    expect(repo.rows.get(running.id)).toMatchObject({ status: 'completed', result: 'done' });
    for (const op of waiting) expect(repo.rows.get(op.id)).toMatchObject({ status: 'failed', error: 'cancelled by shutdown' });
    expect(service.depth()).toMatchObject({ pending: 0, processing: 0 });
    service = undefined;
  });
  it('runs the next operation while one that released its slot waits, and finishes both; stop() aborts a released one and waits for it', async () => {
    const repo = memoryRepo();
    service = createOperationsService({ repo, clock: systemClock, log: silentLogger() });
    const agent = deferred<string>();
    let aborted = false;
    service.register('reallocate', async (_params, ctx) => {
      ctx.release();
      if (ctx.operation.params.stay === true) {
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('stopped'));
          }),
        );
      }
      return agent.promise;
    });
    service.register('report', async () => 'report done');
    await service.start();
    const waiting = await service.submit({ kind: 'reallocate' });
    const report = await service.submit({ kind: 'report' });
    // With one worker, the report finishes while the reallocation still waits for its agent.
    expect((await service.wait(report.id, 5_000))?.status).toBe('completed');
    expect((await service.get(waiting.id))?.status).toBe('processing');
    agent.resolve('applied');
    expect(await service.wait(waiting.id, 5_000)).toMatchObject({ status: 'completed', result: 'applied' });

    const stays = await service.submit({ kind: 'reallocate', params: { stay: true } });
    expect((await service.wait(stays.id, 50))?.status).toBe('processing');
    await service.stop();
    expect(aborted).toBe(true);
    expect(repo.rows.get(stays.id)).toMatchObject({ status: 'failed', error: 'stopped' });
    service = undefined;
  });
});
