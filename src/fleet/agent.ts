/**
 * `orcha agent`: one host's adapters, executors and host readings, run through the product's composition root with
 * the HTTP server off; every snapshot (and every point of its energy accounting) goes to the local spool, and the
 * spool goes to the control plane in batches.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Snapshot } from '../domain/sample.js';
import type { Logger } from '../lib/logger.js';
import type { RunningOrcha } from '../main.js';
import { systemClock } from '../lib/clock.js';
import { createAgentPlans } from './agent-plans.js';
import { createAgentSender } from './agent-sender.js';
import { agentStatusOf } from './agent-status.js';
import { planningContextOf } from './planning-context.js';
import { spoolFault } from './fault-point.js';
import { openSpool, type Spool } from './spool.js';

import { AGENT_VERSION } from './agent-version.js';

export { AGENT_VERSION };

/** How far back the agent looks for measured effects to report (an effect is measured within hours of its move). */
const EFFECTS_LOOKBACK_MS = 7 * 86_400_000;

export interface AgentOptions {
  server: string;
  key: string;
  loaded: LoadedConfig;
  log: Logger;
  demo?: boolean;
  /** How often the spool is sent (default 10 s). */
  flushIntervalMs?: number;
  /** Snapshots per batch (default 500). */
  maxBatch?: number;
  /** How long the last send at shutdown may take (default 5 s). */
  finalFlushMs?: number;
}

export interface RunningAgent {
  spool: Spool;
  orcha: RunningOrcha;
  /** Send what is spooled now (also runs every flush interval). */
  flush(): Promise<{ sent: number; failed: boolean }>;
  close(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { loaded, log } = options;
  const dataDir = resolve(loaded.baseDir, loaded.config.dataDir);
  const { startOrcha } = await import('../main.js');
  mkdirSync(dataDir, { recursive: true });
  const spool = openSpool(join(dataDir, 'agent-spool.db'));
  // Decisions are the control plane's: the engine plans with its plans, and applies them here through its gates.
  const plans = createAgentPlans({ server: options.server, key: options.key, spool, clock: systemClock, log: log.child({ module: 'agent-plans' }) });
  // The spool is written ahead of the local store, from inside the coordinator and energy accounting (not after, from
  // an event): a kill between the two writes then leaves at most a snapshot or point the control plane has and this
  // store lacks, never one stored here and lost for the control plane. A spool of its own, it needs no reconciling at
  // start; the control plane stores a resent one once (host, time). Subscribed before the first poll, too.
  const fault = spoolFault();
  const outbox = {
    snapshot(s: Snapshot) {
      spool.append(s);
      fault('snapshot');
    },
    energy(point: unknown) {
      spool.appendEnergy(point);
      fault('energy');
    },
  };
  let orcha: RunningOrcha;
  try {
    orcha = await startOrcha({ loaded, log, demo: options.demo, listen: false, agent: true, strategy: () => plans.strategy, outbox });
  } catch (err) {
    spool.close();
    throw err;
  }
  const offs = [orcha.services.events.on('reallocations', (r) => plans.onReallocation(r))];
  const sender = createAgentSender({
    server: options.server,
    key: options.key,
    agentVersion: AGENT_VERSION,
    spool,
    log: log.child({ module: 'agent' }),
    maxBatch: options.maxBatch,
    // Breakers, loops, queue and uptime stay here: a summary goes with each batch for GET status?host=NAME.
    status: async () => ({ ...agentStatusOf(await orcha.services.status()), version: AGENT_VERSION }),
  });

  const stopping = new AbortController();
  let flushing: Promise<{ sent: number; failed: boolean }> | null = null;
  /** The spool first, then the planning exchange and the outcomes (they need the control plane as much). */
  const exchange = async (sent: { sent: number; failed: boolean }) => {
    if (sent.failed || stopping.signal.aborted) return sent;
    // Measured effects the engine filled in since (its after-window has passed) go out with their outcomes again.
    plans.queueEffects(await orcha.store.reallocations.list({ status: 'applied', since: systemClock.now() - EFFECTS_LOOKBACK_MS, limit: 500 }));
    await plans.deliverOutcomes(stopping.signal);
    await plans.exchange(planningContextOf(orcha.config()), stopping.signal);
    await plans.runRequest((dryRun) => orcha.services.engine.decide({ dryRun, trigger: 'manual', requestedBy: null }));
    return sent;
  };
  const flush = () => {
    flushing ??= sender
      .flush(stopping.signal)
      .then(exchange)
      .finally(() => {
        flushing = null;
      });
    return flushing;
  };
  // Ticks never overlap: the next one is scheduled when a flush ends.
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      void flush()
        .catch((err) => log.error({ err }, 'agent: flush failed'))
        .finally(() => {
          if (!stopping.signal.aborted) schedule();
        });
    }, options.flushIntervalMs ?? 10_000);
  };
  schedule();
  log.info({ server: options.server, spool: spool.counts() }, 'orcha agent started');

  let closed = false;
  return {
    spool,
    orcha,
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await orcha.close();
      // After the engine stopped: a reallocation that finished during shutdown still has its outcome kept.
      for (const off of offs) off();
      // One last send of what the final polls spooled, bounded: what does not get through waits in the spool.
      const last = setTimeout(() => stopping.abort(), options.finalFlushMs ?? 5000);
      // A send already under way may have started before the final polls were spooled: wait for it, then send again.
      await flushing?.catch(() => undefined);
      await sender
        .flush(stopping.signal)
        .then(() => plans.deliverOutcomes(stopping.signal))
        .catch(() => undefined);
      clearTimeout(last);
      stopping.abort();
      spool.close();
    },
  };
}
