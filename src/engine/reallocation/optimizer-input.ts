import type { Config } from '../../config/schema.js';
import { resolveProfile, storageRuled } from '../../domain/profile.js';
import { type Allocation, RESOURCE_TIME_CONSTANT_MS } from '../../domain/resources.js';
import type { Snapshot } from '../../domain/sample.js';
import type { Executor } from '../../executors/types.js';
import type { MetricsRepository } from '../../store/types.js';
import type { OptimizerInput } from '../optimizer/types.js';
import { fillByBandwidth } from './fill-response.js';
import { processSeries, type RawPoint } from './observation-series.js';

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
  const host = ctx.snapshot?.host ?? null;
  const storageNodes = new Set(enabled.filter((p) => storageRuled(resolveProfile(p.type, p.profile, host))).map((p) => p.name));
  const fillLinks = await fillLinksOf(ctx, storageNodes, host?.storageTotalBytes);
  const protocols = enabled.map((p) => {
    const sample = ctx.snapshot?.protocols.find((s) => s.protocol === p.name);
    const raw = history.get(p.name) ?? [];
    const profile = resolveProfile(p.type, p.profile, host);
    const series = processSeries(raw, profile, now, stepMs);
    const connected = sample?.connected ?? ctx.health[p.name] ?? false;
    // The rate over the protocol's cadence (de-seasonalized), not the last sample, which jumps with lumpy reports.
    const rate = connected ? (series.recentUsdPerHour ?? sample?.usdPerHour ?? 0) : (sample?.usdPerHour ?? 0);
    return {
      name: p.name,
      connected,
      pinned: p.pinned,
      limits: p.limits,
      currentUsdPerHour: rate,
      restartsOnChange: (ctx.executors.get(p.name)?.restartsOnChange ?? false) || profile.restartMinutes > 0,
      observations: series.observations,
      profile,
      ...storage(raw, sample?.storageBytes, host?.storageTotalBytes, now),
      ...(fillLinks.has(p.name) ? { fillByBandwidth: fillLinks.get(p.name)! } : {}),
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

interface StoragePoint extends RawPoint {
  storageBytes: number;
}

/** Data stored (percent of the disk) and how fast it grew over the history, percent per day. */
function storage(raw: StoragePoint[], latestBytes: number | undefined, totalBytes: number | undefined, now: number) {
  if (!totalBytes || totalBytes <= 0) return {};
  const bytes = latestBytes ?? raw.at(-1)?.storageBytes;
  if (bytes === undefined) return {};
  const storedShare = Math.min(100, (100 * Math.max(0, bytes)) / totalBytes);
  const first = raw[0];
  const days = first ? (now - first.time) / 86_400_000 : 0;
  const fillSharePerDay = first && days >= 0.5 ? Math.max(0, (storedShare - (100 * first.storageBytes) / totalBytes) / days) : 0;
  return { storedShare, fillSharePerDay };
}

/**
 * Storage nodes whose fill rate measurably answers their bandwidth share (fill-response.ts), read over the storage
 * time constant: the data fill over weeks, and a link seen once stays true after the share settled.
 */
async function fillLinksOf(ctx: InputContext, names: Set<string>, totalBytes: number | undefined) {
  const out = new Map<string, NonNullable<ReturnType<typeof fillByBandwidth>>>();
  if (names.size === 0 || !totalBytes || totalBytes <= 0) return out;
  const from = ctx.now - RESOURCE_TIME_CONSTANT_MS.storage;
  const stepMs = Math.max(ctx.config.intervals.poll * 1000, Math.ceil((ctx.now - from) / MAX_OBSERVATIONS));
  const history = await observationsByProtocol(ctx, names, from, stepMs);
  for (const [name, raw] of history) {
    const curve = fillByBandwidth(raw.map((o) => ({ time: o.time, shares: o.shares, storedShare: (100 * o.storageBytes) / totalBytes })));
    if (curve) out.set(name, curve);
  }
  return out;
}

/**
 * Observations per protocol. The store is read once for all protocols (one query per decision rather than one per
 * protocol: decisions run every minute, and their reads compete with the poll loop's writes).
 */
async function observationsByProtocol(ctx: InputContext, names: Set<string>, from: number, stepMs: number): Promise<Map<string, StoragePoint[]>> {
  const out = new Map<string, StoragePoint[]>([...names].map((n) => [n, []]));
  if (ctx.metrics) {
    const points = await ctx.metrics.protocolHistory({ from, to: ctx.now, stepMs });
    for (const p of points) {
      if (p.samples <= 0 || p.connected <= 0) continue;
      out.get(p.protocol)?.push({
        time: p.time,
        shares: { cpu: p.allocCpu, memory: p.allocMemory, bandwidth: p.allocBandwidth, storage: p.allocStorage },
        usdPerHour: p.usdPerHour,
        storageBytes: p.storageBytes,
      });
    }
    return out;
  }
  const snaps = ctx.history ?? (ctx.snapshot ? [ctx.snapshot] : []);
  for (const snap of snaps) {
    if (snap.time < from) continue;
    for (const s of snap.protocols) {
      if (s.connected) out.get(s.protocol)?.push({ time: s.time, shares: { ...s.allocation }, usdPerHour: s.usdPerHour, storageBytes: s.storageBytes });
    }
  }
  return out;
}
