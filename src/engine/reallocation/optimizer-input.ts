import type { Config } from '../../config/schema.js';
import type { Allocation } from '../../domain/resources.js';
import type { Snapshot } from '../../domain/sample.js';
import type { Executor } from '../../executors/types.js';
import type { MetricsRepository } from '../../store/types.js';
import type { Observation, OptimizerInput } from '../optimizer/types.js';

/** At most this many observations per protocol: history is averaged into buckets beyond it. */
const MAX_OBSERVATIONS = 500;

export interface InputContext {
  config: Config;
  now: number;
  current: Allocation;
  snapshot: Snapshot | null;
  health: Record<string, boolean>;
  executors: Map<string, Executor>;
  /** Persisted history (preferred: survives restarts). */
  metrics?: MetricsRepository;
  /** In-memory snapshot history (the coordinator's ring), used when there is no metrics repository. */
  history?: Snapshot[];
}

/** Builds the optimizer's input from the config, the current allocation and the observed history. */
export async function buildOptimizerInput(ctx: InputContext): Promise<OptimizerInput> {
  const { config, now } = ctx;
  const from = now - config.optimizer.historyHours * 3_600_000;
  const stepMs = Math.max(config.intervals.poll * 1000, Math.ceil((now - from) / MAX_OBSERVATIONS));
  const enabled = config.protocols.filter((p) => p.enabled);
  const history = await observationsByProtocol(ctx, new Set(enabled.map((p) => p.name)), from, stepMs);
  const protocols = enabled.map((p) => {
    const sample = ctx.snapshot?.protocols.find((s) => s.protocol === p.name);
    const observations = history.get(p.name) ?? [];
    return {
      name: p.name,
      connected: sample?.connected ?? ctx.health[p.name] ?? false,
      pinned: p.pinned,
      limits: p.limits,
      currentUsdPerHour: sample?.usdPerHour ?? observations.at(-1)?.usdPerHour ?? 0,
      restartsOnChange: ctx.executors.get(p.name)?.restartsOnChange ?? false,
      observations,
    };
  });
  const current: Allocation = {};
  for (const p of enabled) if (ctx.current[p.name]) current[p.name] = { ...ctx.current[p.name] };
  return {
    time: now,
    current,
    reserve: { ...config.host.reserve },
    protocols,
    policies: config.policies,
    settings: config.optimizer,
    holdHours: Math.max(config.reallocation.minHoldMinutes / 60, 1 / 60),
  };
}

/**
 * Observations per protocol. The store is read once for all protocols (one query per decision rather than one per
 * protocol: decisions run every minute, and their reads compete with the poll loop's writes).
 */
async function observationsByProtocol(ctx: InputContext, names: Set<string>, from: number, stepMs: number): Promise<Map<string, Observation[]>> {
  const out = new Map<string, Observation[]>([...names].map((n) => [n, []]));
  if (ctx.metrics) {
    const points = await ctx.metrics.protocolHistory({ from, to: ctx.now, stepMs });
    for (const p of points) {
      if (p.samples <= 0 || p.connected <= 0) continue;
      out.get(p.protocol)?.push({
        time: p.time,
        shares: { cpu: p.allocCpu, memory: p.allocMemory, bandwidth: p.allocBandwidth, storage: p.allocStorage },
        usdPerHour: p.usdPerHour,
      });
    }
    return out;
  }
  const snaps = ctx.history ?? (ctx.snapshot ? [ctx.snapshot] : []);
  for (const snap of snaps) {
    if (snap.time < from) continue;
    for (const s of snap.protocols) {
      if (s.connected) out.get(s.protocol)?.push({ time: s.time, shares: { ...s.allocation }, usdPerHour: s.usdPerHour });
    }
  }
  return out;
}
