/**
 * Sends the spool to the control plane in order, batch by batch (its snapshots and the energy points spooled with
 * them, under one batch id): a batch leaves the spool only once acknowledged
 * (`stored` or `duplicate`; snapshots it answers as `expired`, older than its retention horizon, are dropped with it
 * and counted). Network errors and 5xx are retried with exponential backoff (cockatiel); a refused key
 * is logged and retried slowly (spooling goes on, nothing is lost); a batch refused as invalid is set aside.
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { AgentStatus } from '../domain/agent-status.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Spool, SpoolBatch } from './spool.js';

export interface SenderOptions {
  server: string;
  key: string;
  agentVersion: string;
  spool: Spool;
  log: Logger;
  /** Snapshots per batch (default 500). */
  maxBatch?: number;
  /** Per-request deadline (default 30 s). */
  timeoutMs?: number;
  /** Attempts per flush before waiting for the next one (default 4). */
  attempts?: number;
  /** The daemon's status summary, sent with each batch (GET status?host=NAME on the control plane answers it). */
  status?: () => Promise<AgentStatus>;
}

class SendError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface AgentSender {
  /** Send everything spooled; resolves when the spool is empty or the control plane stays unreachable. */
  flush(signal?: AbortSignal): Promise<{ sent: number; failed: boolean }>;
}

export function createAgentSender(options: SenderOptions): AgentSender {
  const url = `${options.server.replace(/\/+$/, '')}/api/v1/agent/batches`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // A control plane older than this agent refuses the fields it does not know (its batch schema is closed): stop
  // sending such a field then, rather than setting batches aside (spool since 0.2.0, status since 0.3.0).
  let reportSpool = true;
  let reportStatus = options.status !== undefined;
  // Energy points likewise: a control plane that does not take them could not store them; they are dropped then.
  let sendEnergy = true;
  // A batch whose points the control plane refused as invalid (not as unknown): its snapshots go without them.
  let withoutEnergy: string | null = null;
  const policy = retry(
    handleWhen((err) => err instanceof SendError && (err.status === null || err.status >= 500 || err.status === 429)),
    { maxAttempts: Math.max(0, (options.attempts ?? 4) - 1), backoff: new ExponentialBackoff({ initialDelay: 500, maxDelay: 10_000 }) },
  );

  /** Posts a batch; resolves with how many of its snapshots the control plane answered as expired. */
  async function post(batch: SpoolBatch, signal?: AbortSignal): Promise<number> {
    // An explicit timer per request: AbortSignal.timeout inside AbortSignal.any can be collected on Node 20.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const status = reportStatus && options.status ? await options.status().catch(() => null) : null;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key}` },
        body: JSON.stringify({
          batchId: batch.batchId,
          agentVersion: options.agentVersion,
          snapshots: batch.snapshots,
          ...(sendEnergy && batch.energy.length > 0 && batch.batchId !== withoutEnergy ? { energy: batch.energy } : {}),
          // What still waits, this batch included: the control plane alerts when it keeps growing.
          ...(reportSpool ? { spool: { pending: options.spool.counts().pending, oldestAt: options.spool.oldestTime() } } : {}),
          ...(status ? { status } : {}),
        }),
        signal: controller.signal,
      });
      const text = await res.text();
      if (!res.ok) throw new SendError(`control plane answered ${res.status}: ${text.slice(0, 300)}`, res.status);
      return expiredIn(text);
    } catch (err) {
      if (err instanceof SendError) throw err;
      throw new SendError(`control plane unreachable: ${errorMessage(err)}`, null);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    async flush(signal) {
      let sent = 0;
      for (;;) {
        if (signal?.aborted) return { sent, failed: false };
        const batch = options.spool.next(options.maxBatch ?? 500);
        if (!batch) return { sent, failed: false };
        if (!sendEnergy && batch.snapshots.length === 0) {
          options.spool.acknowledge(batch.batchId);
          continue;
        }
        try {
          const expired = await policy.execute(({ signal: s }) => post(batch, s), signal);
          if (expired > 0) {
            options.log.warn(
              { batchId: batch.batchId, expired, snapshots: batch.snapshots.length },
              'agent: the control plane dropped snapshots older than its retention horizon (already rolled up there); the rest are stored',
            );
          }
          options.spool.acknowledge(batch.batchId, expired);
          sent += batch.snapshots.length;
        } catch (err) {
          const status = err instanceof SendError ? err.status : null;
          const refused = status === 400 ? errorMessage(err) : '';
          if (reportSpool && /spool/.test(refused)) {
            reportSpool = false;
            options.log.warn('agent: the control plane does not take spool reports (older version); sending batches without them');
            continue;
          }
          if (reportStatus && /body\.status\b/.test(refused)) {
            reportStatus = false;
            options.log.warn('agent: the control plane does not take status summaries (older version); sending batches without them');
            continue;
          }
          if (sendEnergy && batch.energy.length > 0 && /body\.energy\b[^}]*not a known field/.test(refused)) {
            sendEnergy = false;
            options.log.warn('agent: the control plane does not take power readings (older version); sending batches without them');
            continue;
          }
          if (sendEnergy && batch.energy.length > 0 && batch.batchId !== withoutEnergy && batch.snapshots.length > 0 && /body\.energy\b/.test(refused)) {
            // The snapshots must not be lost with a bad point: they go again without this batch's points (dropped, logged).
            withoutEnergy = batch.batchId;
            options.log.error({ batchId: batch.batchId, err: refused }, 'agent: the control plane refused the energy points of a batch as invalid; sending its snapshots without them');
            continue;
          }
          if (status === 400 || status === 413) {
            options.log.error({ batchId: batch.batchId, err: errorMessage(err) }, 'agent: the control plane refused a batch as invalid; set aside');
            options.spool.reject(batch.batchId);
            continue;
          }
          const level = status === 401 || status === 403 ? 'error' : 'warn';
          options.log[level]({ err: errorMessage(err), pending: options.spool.counts().pending }, 'agent: batch not delivered; spooled for later');
          return { sent, failed: true };
        }
      }
    },
  };
}

/** The `expired` count of an acknowledgement (0 from a control plane that does not say). */
function expiredIn(text: string): number {
  try {
    const n = (JSON.parse(text) as { expired?: unknown }).expired;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}
