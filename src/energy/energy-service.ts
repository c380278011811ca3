/**
 * The energy service: at every snapshot it reads the meters (or the estimate), prices the draw with the tariff,
 * attributes it to protocols and derives net earnings; every `recordInterval` it stores a point, raises or resolves
 * the meter and net-negative alerts, and applies retention. It also gives the optimizer its power cost per share point
 * and, when the operator allows it, a policy that pauses protocols that lose money in expensive hours (applied in
 * auto mode, shown as the recommendation in advisory mode: it goes through the engine like any other policy).
 */
import type { Config, Policy } from '../config/schema.js';
import { resolveSecret } from '../config/load.js';
import type { Alert } from '../domain/alert.js';
import { RESOURCES, type ResourceShares } from '../domain/resources.js';
import type { Snapshot } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ProtocolPoint, Store } from '../store/types.js';
import type { NetFields } from '../engine/monitor/export.js';
import { type Attribution, attributePower, estimateHostWatts } from './attribution.js';
import { createEnergyAlerts, type EnergyAlertCondition, type EnergyAlerts } from './energy-alerts.js';
import { createEnergyReports, type EnergyReports } from './energy-reports.js';
import { configuredMeters, createHttpMeter, createMqttMeter, type Meter, type MeterState } from './meters.js';
import type { EnergyConfig } from './schema.js';
import { type EnergyPoint, energyRecordOf } from './energy-point.js';
import { netHistory } from './net-rows.js';
import { powerCostPerPoint } from './power-cost.js';
import { createTariff, type Tariff } from './tariff.js';
import type { EnergyView } from './views.js';

export const ENERGY_PAUSE_POLICY = 'energy-pause';
const BASIS_NOTES: Record<Attribution['basis'], string> = {
  measured: 'power above idle split by each protocol\'s measured CPU, network and disk use',
  mixed: 'power above idle split by measured use where protocols report it, by allocation share for the rest (no per-container figures yet)',
  allocation: 'no measured per-protocol use yet: power above idle split by allocation share',
};
const HOUR_MS = 3_600_000;
type Rules = Config['alerts']['rules'];
/** Longest gap between two snapshots that is integrated (a longer one means orcha was not watching). */
const MAX_GAP_MS = 5 * 60_000;

export interface EnergyServiceDeps {
  getConfig: () => Config;
  store: Pick<Store, 'energy' | 'alerts' | 'metrics'>;
  clock: Clock;
  log: Logger;
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  /** Where the energy alerts go: the daemon passes its alert service's family sync (one gate for every alert). */
  alerts?: EnergyAlerts;
  /** Without `alerts`: publish the changes of an energy-only gate (tests). */
  publishAlert?: (change: 'raised' | 'updated' | 'resolved', alert: Alert) => void;
  fetch?: typeof fetch;
  /**
   * Called with each point before it is stored (an agent's spool: written ahead of the local store, so a kill between
   * the two writes cannot leave a stored point unsent). A throw is logged; the point is still stored.
   */
  beforeRecord?: (point: EnergyPoint) => void;
}

export interface EnergyService extends EnergyReports {
  /** Account one snapshot (call after every poll). */
  observe(snapshot: Snapshot): Promise<void>;
  /** The figures at the latest snapshot; null before the first one. */
  current(): EnergyView | null;
  /** Per protocol, USD/h of power per share point of each resource at the latest snapshot (power-cost.ts). */
  powerCostPerPoint(): Record<string, ResourceShares>;
  /** Protocols whose net has stayed negative for `energy.netNegative.afterHours`. */
  netNegative(): string[];
  /** The policy pausing net-negative protocols now, when allowed (`netNegative.pause`, an expensive hour). */
  pausePolicy(config: Config): Policy | null;
  /** Protocol history points with power, power cost and net rate from the stored energy points (net-rows.ts). */
  netHistory(points: ProtocolPoint[], query: { from: number; to: number; stepMs?: number; protocol?: string }): Promise<(ProtocolPoint & NetFields)[]>;
  /** Told of every point stored, after it is (the agent sends them on); returns the unsubscribe. */
  onRecord(listener: (point: EnergyPoint) => void): () => void;
  close(): Promise<void>;
}

interface Accumulator {
  since: number;
  kwh: number;
  costUsd: number;
  protocols: Map<string, { kwh: number; costUsd: number; grossUsd: number }>;
}

export function createEnergyService(deps: EnergyServiceDeps): EnergyService {
  const { clock, store } = deps;
  const log = deps.log.child({ module: 'energy' });
  const alerts =
    deps.alerts ??
    createEnergyAlerts({
      repo: store.alerts,
      clock,
      publish: deps.publishAlert ?? (() => undefined),
      rule: (type) => (deps.getConfig().alerts.rules as Partial<Record<string, Rules[keyof Rules]>>)[type],
    });
  let meters: Meter[] = [];
  let metersKey = '';
  let tariff: { key: string; tariff: Tariff } | null = null;
  let view: EnergyView | null = null;
  let lastObserved: number | null = null;
  let acc: Accumulator | null = null;
  let lastPrune = -Infinity;
  let negative = new Set<string>();
  let costPerPoint: Record<string, ResourceShares> = {};
  const listeners = new Set<(point: EnergyPoint) => void>();

  async function syncMeters(energy: EnergyConfig): Promise<void> {
    const configs = configuredMeters(energy);
    const key = JSON.stringify(configs);
    if (key === metersKey) return;
    const old = meters;
    meters = [];
    metersKey = key;
    await Promise.all(old.map((m) => m.close()));
    const needsMqtt = configs.some((c) => c.type === 'mqtt');
    const mqtt = needsMqtt ? await import('mqtt') : null;
    for (const c of configs) {
      if (c.type === 'http') meters.push(createHttpMeter(c, { fetch: deps.fetch }));
      else {
        let password: string | undefined;
        try {
          password = resolveSecret(c.password, deps.baseDir, deps.env ?? process.env);
        } catch (err) {
          log.warn({ meter: c.name, err: errorMessage(err) }, 'meter password unavailable');
        }
        meters.push(createMqttMeter(c, { clock, log, password, connect: (url, opts) => mqtt!.connect(url, opts) }));
      }
    }
    log.info({ meters: configs.map((c) => `${c.name} (${c.type} ${c.format})`) }, 'power meters configured');
  }

  function tariffFor(config: Config): Tariff {
    const key = JSON.stringify([config.energy.currency, config.energy.pricePerKwh, config.energy.tariff, config.prices.usd[config.energy.currency]]);
    if (tariff?.key !== key) tariff = { key, tariff: createTariff(config.energy, config.prices.usd) };
    return tariff.tariff;
  }

  /** Host draw and per-protocol dedicated draw from the meters, falling back to the estimate where they fail. */
  function draw(snapshot: Snapshot, energy: EnergyConfig, states: MeterState[]) {
    const estimate = estimateHostWatts(snapshot, energy);
    const reasons: string[] = [];
    const dedicated: Record<string, number> = {};
    const shared = states.filter((s) => s.protocol === null);
    let hostWatts = 0;
    if (states.length === 0) {
      hostWatts = estimate;
      reasons.push('no power meter configured: estimated from declared idle and maximum watts');
    }
    for (const s of states) {
      let watts = s.watts;
      if (s.status !== 'ok') {
        reasons.push(`meter ${s.name} is ${s.status}${s.error ? ` (${s.error})` : ''}: ${watts === null ? 'declared watts used' : 'last reading used'}`);
        watts ??= s.protocol === null ? estimate / Math.max(1, shared.length) : 0;
      }
      if (s.protocol === null) hostWatts += watts ?? 0;
      else dedicated[s.protocol] = (dedicated[s.protocol] ?? 0) + (watts ?? 0);
    }
    // Declared per-protocol hardware counts when nothing measures the host (a meter would include it).
    if (shared.length === 0 && states.length === 0) {
      for (const [p, d] of Object.entries(energy.estimate.protocols)) dedicated[p] = (dedicated[p] ?? 0) + d.watts;
    }
    return { hostWatts, dedicated, estimated: reasons.length > 0, reason: reasons.length > 0 ? reasons.join('; ') : null };
  }

  function buildView(snapshot: Snapshot, config: Config, states: MeterState[]): { view: EnergyView; attribution: Attribution } {
    const energy = config.energy;
    const price = tariffFor(config).at(snapshot.time);
    const d = draw(snapshot, energy, states);
    const attribution = attributePower({ snapshot, hostWatts: d.hostWatts, dedicatedWatts: d.dedicated, config: energy });
    const gross = new Map(snapshot.protocols.map((s) => [s.protocol, s.usdPerHour]));
    const protocols = attribution.protocols.map((p) => {
      const cost = (p.watts / 1000) * price.usdPerKwh;
      const g = gross.get(p.protocol) ?? 0;
      return {
        protocol: p.protocol,
        watts: p.watts,
        idleWatts: p.idleWatts,
        activeWatts: p.activeWatts,
        loadShare: p.loadShare,
        grossUsdPerHour: g,
        powerCostUsdPerHour: cost,
        netUsdPerHour: g - cost,
      };
    });
    const totalWatts = d.hostWatts + Object.values(d.dedicated).reduce((s, w) => s + w, 0);
    const cost = (totalWatts / 1000) * price.usdPerKwh;
    return {
      attribution,
      view: {
        time: snapshot.time,
        enabled: true,
        estimated: d.estimated,
        estimatedReason: d.reason,
        currency: price.currency,
        pricePerKwh: price.pricePerKwh,
        rate: price.rate,
        usdPerKwh: price.usdPerKwh,
        hostWatts: totalWatts,
        idleWatts: attribution.idleWatts,
        overheadWatts: attribution.overheadWatts,
        basis: attribution.basis,
        basisNote: BASIS_NOTES[attribution.basis],
        idleRule: energy.attribution.idle,
        grossUsdPerHour: snapshot.totalUsdPerHour,
        powerCostUsdPerHour: cost,
        netUsdPerHour: snapshot.totalUsdPerHour - cost,
        meters: states,
        protocols,
      },
    };
  }

  function accumulate(v: EnergyView, now: number): void {
    const dt = lastObserved === null ? 0 : Math.min(MAX_GAP_MS, Math.max(0, now - lastObserved));
    lastObserved = now;
    acc ??= { since: now, kwh: 0, costUsd: 0, protocols: new Map() };
    const h = dt / HOUR_MS;
    acc.kwh += (v.hostWatts / 1000) * h;
    acc.costUsd += v.powerCostUsdPerHour * h;
    for (const p of v.protocols) {
      const a = acc.protocols.get(p.protocol) ?? { kwh: 0, costUsd: 0, grossUsd: 0 };
      a.kwh += (p.watts / 1000) * h;
      a.costUsd += p.powerCostUsdPerHour * h;
      a.grossUsd += p.grossUsdPerHour * h;
      acc.protocols.set(p.protocol, a);
    }
  }

  async function record(v: EnergyView, config: Config, now: number): Promise<void> {
    const a = acc!;
    acc = { since: now, kwh: 0, costUsd: 0, protocols: new Map() };
    const point: EnergyPoint = {
      view: v,
      intervalMs: now - a.since,
      energyKwh: a.kwh,
      costUsd: a.costUsd,
      protocols: [...a.protocols].map(([protocol, x]) => ({ protocol, energyKwh: x.kwh, costUsd: x.costUsd, grossUsd: x.grossUsd })),
    };
    try {
      deps.beforeRecord?.(point);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'energy point not written ahead');
    }
    await store.energy.record(energyRecordOf(point));
    for (const listener of listeners) {
      try {
        listener(point);
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'energy point listener failed');
      }
    }
    await evaluateAlerts(v, config, now);
    if (now - lastPrune >= HOUR_MS) {
      lastPrune = now;
      await store.energy.prune(now - config.storage.retention.rawDays * 24 * HOUR_MS);
    }
  }

  async function evaluateAlerts(v: EnergyView, config: Config, now: number): Promise<void> {
    const silent: EnergyAlertCondition[] = v.meters
      .filter((m) => m.status === 'silent' || m.status === 'failing')
      .map((m) => ({
        key: `power_meter_silent:${m.name}`,
        type: 'power_meter_silent',
        severity: 'warning',
        protocol: m.protocol,
        message: `Power meter ${m.name} is ${m.status}${m.error ? `: ${m.error}` : ''}. Power figures are estimated until it reports again.`,
        details: { meter: m.name, status: m.status, lastReadingAt: m.lastReadingAt },
      }));
    await alerts.sync('power_meter_silent', silent);

    const hours = config.energy.netNegative.afterHours;
    const windowMs = hours * HOUR_MS;
    const totals = await store.energy.totals({ from: now - windowMs, to: now });
    const losing: EnergyAlertCondition[] = [];
    const names = new Set<string>();
    for (const t of totals) {
      const net = t.grossUsd - t.costUsd;
      // The whole period must have been watched: a loss over ten minutes is not a loss over a day.
      if (t.coveredMs < windowMs * 0.9 || net >= 0) continue;
      names.add(t.protocol);
      losing.push({
        key: `net_negative:${t.protocol}`,
        type: 'net_negative',
        severity: 'warning',
        protocol: t.protocol,
        message: `${t.protocol} costs more power than it earns: over the last ${hours} h it earned ${t.grossUsd.toFixed(4)} USD and its power cost ${t.costUsd.toFixed(4)} USD (net ${net.toFixed(4)} USD).`,
        details: { hours, grossUsd: t.grossUsd, powerCostUsd: t.costUsd, netUsd: net, energyKwh: t.energyKwh, estimatedPoints: t.estimatedPoints },
      });
    }
    negative = names;
    await alerts.sync('net_negative', losing);
  }

  const reports = createEnergyReports({ store, getConfig: deps.getConfig });

  async function observeOne(snapshot: Snapshot): Promise<void> {
    const config = deps.getConfig();
    if (!config.energy.enabled) {
      view = null;
      if (meters.length > 0) await syncMeters({ ...config.energy, meters: [], meter: undefined });
      return;
    }
    const now = snapshot.time;
    await syncMeters(config.energy);
    // HTTP meters are read in the background: a slow plug never holds up the poll loop.
    for (const m of meters) void m.poll(now).catch(() => undefined);
    const states = meters.map((m) => m.state(now, config.energy.staleAfter * 1000));
    const built = buildView(snapshot, config, states);
    view = built.view;
    costPerPoint = powerCostPerPoint({
      snapshot,
      attribution: built.attribution,
      config: config.energy,
      estimateOnly: states.length === 0,
      usdPerKwh: built.view.usdPerKwh,
    });
    accumulate(view, now);
    if (acc && now - acc.since >= config.energy.recordInterval * 1000) {
      try {
        await record(view, config, now);
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'energy point not stored');
      }
    }
  }

  let queue: Promise<void> = Promise.resolve();

  return {
    ...reports,
    observe(snapshot) {
      // One snapshot at a time: the accumulator and the stored points must see them in order.
      const run = queue.then(() => observeOne(snapshot));
      queue = run.catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'energy accounting failed'));
      return run;
    },
    current: () => view,
    netHistory: (points, query) => netHistory(points, store.energy, query, deps.getConfig().energy.recordInterval * 1000),
    // Energy accounting switched off: the optimizer plans on gross again at once, not from the last costs seen.
    powerCostPerPoint: () => (deps.getConfig().energy.enabled ? structuredClone(costPerPoint) : {}),
    netNegative: () => [...negative],
    onRecord(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pausePolicy(config) {
      const energy = config.energy;
      // Advisory mode gets it too: the engine only recommends there, so the pause shows without being applied.
      if (!energy.enabled || !energy.netNegative.pause || negative.size === 0) return null;
      const t = tariffFor(config);
      const price = t.at(clock.now()).pricePerKwh;
      const threshold = energy.netNegative.expensiveAbovePricePerKwh ?? t.cheapest();
      if (!(price > threshold)) return null;
      const rules: Policy['rules'] = [];
      for (const name of negative) {
        const p = config.protocols.find((x) => x.name === name);
        if (!p || p.pinned) continue;
        // Storage stays: taking it back would delete stored data. The floor is the protocol's own minimum.
        for (const r of RESOURCES.filter((x) => x !== 'storage')) rules.push({ protocol: name, resource: r, max: p.limits[r].min });
      }
      if (rules.length === 0) return null;
      return {
        name: ENERGY_PAUSE_POLICY,
        description: `Paused while power costs ${price} ${energy.currency}/kWh (above ${threshold}): these protocols cost more power than they earn.`,
        enabled: true,
        rules,
        pinned: [],
        excludedHours: [],
      };
    },
    async close() {
      await Promise.all(meters.map((m) => m.close()));
      meters = [];
      metersKey = '';
    },
  };
}
