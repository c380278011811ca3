import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import PQueue from 'p-queue';
import { type Operation, type OperationKind, PRIORITIES, type Priority } from '../domain/operation.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { OperationsRepository } from '../store/types.js';

/**
 * Asynchronous operations (reallocations, reports, exports): a priority queue with four levels, FIFO within a
 * level (p-queue keeps insertion order among equal priorities), a capacity, a per-operation timeout and a persisted
 * status. Handlers are registered per kind.
 */

/** p-queue runs larger numbers first. */
const RANK: Record<Priority, number> = { critical: 3, high: 2, normal: 1, low: 0 };

export interface OperationContext {
  /** Aborted when the operation times out or the service stops. */
  signal: AbortSignal;
  operation: Operation;
  /**
   * Frees this operation's worker slot while it goes on waiting for something outside this process (a fleet host's
   * agent reporting an outcome): the queue runs the next operation meanwhile. The operation still finishes, times out
   * or is aborted at stop() as before.
   */
  release(): void;
}
export type OperationHandler = (params: Record<string, unknown>, ctx: OperationContext) => Promise<unknown>;

export interface SubmitRequest {
  kind: OperationKind;
  params?: Record<string, unknown>;
  priority?: Priority;
  createdBy?: string | null;
}

export interface QueueDepth {
  pending: number;
  processing: number;
  capacity: number;
  byPriority: Record<Priority, number>;
}

export interface OperationsService {
  register(kind: OperationKind, handler: OperationHandler): void;
  /** Queue an operation; throws ORCHA_ERR_QUEUE_FULL when `capacity` operations are waiting. */
  submit(request: SubmitRequest): Promise<Operation>;
  get(id: string): Promise<Operation | null>;
  /** Resolves with the operation as soon as it is finished, or as it stands after `timeoutMs`. null when unknown. */
  wait(id: string, timeoutMs: number): Promise<Operation | null>;
  depth(): QueueDepth;
  /** Mark operations a previous process left unfinished as failed, then start draining. */
  start(): Promise<void>;
  /** Stop taking work; resolves when running operations have finished (or timed out). */
  stop(): Promise<void>;
  /** 'change' (Operation) on every status change. */
  on(event: 'change', listener: (op: Operation) => void): () => void;
}

export interface OperationsOptions {
  repo: OperationsRepository;
  clock: Clock;
  log: Logger;
  /** Maximum pending operations (default 100). */
  capacity?: number;
  /** Operations processed at once (default 1). */
  concurrency?: number;
  /** Per-operation time limit (default 5 minutes). */
  timeoutMs?: number;
}

const FINISHED = new Set(['completed', 'failed', 'timeout']);

export function isFinished(op: Operation): boolean {
  return FINISHED.has(op.status);
}

export function createOperationsService(options: OperationsOptions): OperationsService {
  const { repo, clock } = options;
  const log = options.log.child({ module: 'operations' });
  const capacity = options.capacity ?? 100;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const handlers = new Map<OperationKind, OperationHandler>();
  /** Paused until start(): operations submitted before then wait, as they would for a busy worker. */
  const queue = new PQueue({ concurrency, autoStart: false });
  /** Operations not yet finished, by id (finished ones are read back from the repository). */
  const live = new Map<string, Operation>();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const stopController = new AbortController();
  let stopping = false;
  /** Operations that released their slot and still run (stop() waits for them after aborting them). */
  const released = new Set<Promise<void>>();

  async function update(op: Operation, patch: Partial<Operation>): Promise<void> {
    Object.assign(op, patch);
    try {
      await repo.update(op.id, patch);
    } catch (err) {
      log.error({ err, operationId: op.id }, 'could not persist operation status');
    }
    events.emit('change', { ...op });
  }

  async function execute(op: Operation, release: () => void): Promise<void> {
    const handler = handlers.get(op.kind);
    await update(op, { status: 'processing', startedAt: clock.now() });
    const controller = new AbortController();
    const onStop = () => controller.abort();
    stopController.signal.addEventListener('abort', onStop, { once: true });
    const timer = new AbortController();
    let timedOut = false;
    const deadline = clock.sleep(timeoutMs, timer.signal).then(
      () => {
        timedOut = true;
        controller.abort();
      },
      () => undefined,
    );
    try {
      if (!handler) throw new OrchaError('ORCHA_ERR_INTERNAL', `No handler for operations of kind ${op.kind}`);
      const work = handler(op.params, { signal: controller.signal, operation: { ...op }, release });
      const result = await Promise.race([work, deadline.then(() => (timedOut ? TIMEOUT : work))]);
      if (result === TIMEOUT) {
        await update(op, { status: 'timeout', error: `did not finish within ${timeoutMs} ms`, finishedAt: clock.now() });
      } else {
        await update(op, { status: 'completed', result: result ?? null, finishedAt: clock.now() });
      }
    } catch (err) {
      log.warn({ err, operationId: op.id, kind: op.kind }, 'operation failed');
      await update(op, { status: timedOut ? 'timeout' : 'failed', error: errorMessage(err), finishedAt: clock.now() });
    } finally {
      timer.abort();
      stopController.signal.removeEventListener('abort', onStop);
      live.delete(op.id);
    }
  }

  return {
    register(kind, handler) {
      handlers.set(kind, handler);
    },

    async submit(request) {
      if (stopping) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'The server is shutting down');
      if (queue.size >= capacity) {
        throw new OrchaError('ORCHA_ERR_QUEUE_FULL', `The operation queue is full (${capacity} waiting)`);
      }
      const op: Operation = {
        id: randomUUID(),
        kind: request.kind,
        priority: request.priority ?? 'normal',
        status: 'pending',
        params: request.params ?? {},
        result: null,
        error: null,
        createdBy: request.createdBy ?? null,
        createdAt: clock.now(),
        startedAt: null,
        finishedAt: null,
      };
      await repo.insert(op);
      live.set(op.id, op);
      const accepted = { ...op };
      events.emit('change', accepted);
      // execute() settles every outcome itself; a task dropped by stop() is marked there.
      // The queue's task ends when the operation does, or earlier when its handler releases the slot.
      const task = () =>
        new Promise<void>((freeSlot) => {
          let run: Promise<void> | null = null;
          let isReleased = false;
          const release = () => {
            if (isReleased) return;
            isReleased = true;
            if (run) released.add(run);
            freeSlot();
          };
          run = execute(op, release).finally(() => {
            if (run) released.delete(run);
            freeSlot();
          });
          if (isReleased) released.add(run);
        });
      void queue.add(task, { priority: RANK[op.priority], id: op.id }).catch(() => undefined);
      return accepted;
    },

    async get(id) {
      const current = live.get(id);
      if (current) return { ...current };
      return repo.get(id);
    },

    async wait(id, waitMs) {
      const op = await this.get(id);
      if (!op || isFinished(op) || waitMs <= 0) return op;
      return new Promise<Operation | null>((resolve) => {
        const timer = new AbortController();
        const listener = (changed: Operation) => {
          if (changed.id === id && isFinished(changed)) done(changed);
        };
        const done = (value: Operation | null) => {
          events.off('change', listener);
          timer.abort();
          resolve(value);
        };
        events.on('change', listener);
        clock.sleep(waitMs, timer.signal).then(
          async () => done(await this.get(id)),
          () => undefined,
        );
      });
    },

    depth() {
      const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, queue.sizeBy({ priority: RANK[p] })])) as Record<Priority, number>;
      return { pending: queue.size, processing: queue.pending, capacity, byPriority };
    },

    async start() {
      for (const op of await repo.findUnfinished()) {
        await repo.update(op.id, { status: 'failed', error: 'interrupted by a restart', finishedAt: clock.now() });
      }
      if (!stopping) queue.start();
    },

    async stop() {
      stopping = true;
      queue.clear();
      for (const op of [...live.values()].filter((o) => o.status === 'pending')) {
        await update(op, { status: 'failed', error: 'cancelled by shutdown', finishedAt: clock.now() });
        live.delete(op.id);
      }
      await queue.onPendingZero();
      stopController.abort();
      await Promise.allSettled([...released]);
    },

    on(event, listener) {
      events.on(event, listener);
      return () => events.off(event, listener);
    },
  };
}

const TIMEOUT = Symbol('timeout');
