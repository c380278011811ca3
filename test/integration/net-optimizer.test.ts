/**
 * The optimizer maximizes net earnings, through the real reallocation engine, the LP strategy and energy accounting
 * (the declared-watts estimate, a time-of-use tariff) on a SQLite store. A small deterministic host: `cruncher` is
 * paid for its CPU, `relay` for its bandwidth only, and both keep the CPU they are given busy, so every point of CPU
 * draws power. Each 5 simulated minutes the host is sampled, energy accounting follows, and every 30 minutes the
 * engine decides, as the daemon's loops do.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Allocation, ResourceShares } from '../../src/domain/resources.js';
import type { HostResources, Snapshot } from '../../src/domain/sample.js';
import { createEnergyService, type EnergyService, netOptimizerInput, withEnergyPolicy } from '../../src/energy/index.js';
import { createStrategy } from '../../src/engine/optimizer/index.js';
import { createReallocationEngine, type Decision } from '../../src/engine/reallocation/index.js';
import type { Executor } from '../../src/executors/types.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Store } from '../../src/store/types.js';
import { createSqliteTestStore, protocolSample } from '../helpers/stores.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Date.UTC(2026, 2, 2, 6); // a Monday, 06:00 UTC
const host: HostResources = {
  cpuCount: 8,
  cpuPercent: 0,
  memoryTotalBytes: 32 * 2 ** 30,
  memoryUsedBytes: 8 * 2 ** 30,
  bandwidthCapacityBytesPerSec: 12_500_000,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 4e12,
  storageUsedBytes: 1e12,
};
const shares = (cpu: number, bandwidth: number): ResourceShares => ({ cpu, memory: 20, bandwidth, storage: 0 });
const INITIAL: Allocation = { cruncher: shares(40, 20), relay: shares(40, 50) };

/** What each node earns, USD/h, at its shares: cruncher 0.001 per CPU point, relay 0.001 per bandwidth point. */
const earns = (name: string, s: ResourceShares) => (name === 'cruncher' ? 0.001 * s.cpu : 0.001 * s.bandwidth);

interface WorldOptions {
  energy: boolean;
  mode?: 'auto' | 'advisory';
  /** Energy section overrides (the tariff, the pause). */
  energyConfig?: Record<string, unknown>;
}

function makeConfig(o: WorldOptions): Config {
  return buildConfig(
    {
      protocols: (['cruncher', 'relay'] as const).map((name) => ({
        name,
        type: 'mysterium',
        endpoint: `http://127.0.0.1:9/${name}`,
        executor: { type: 'dry-run' },
        initialAllocation: INITIAL[name],
        // What each is paid for, reported as earned with no lag.
        profile: { paidOn: name === 'cruncher' ? ['cpu'] : ['bandwidth'], lagMinutes: 0, cadenceMinutes: 5 },
        limits: { cpu: { min: 0, max: 40 }, memory: { min: 0, max: 40 }, bandwidth: { min: 0, max: 50 }, storage: { min: 0, max: 100 } },
      })),
      reallocation: { mode: o.mode ?? 'auto' },
      energy: {
        enabled: o.energy,
        recordInterval: 60,
        pricePerKwh: 0.2,
        // 200 W between idle and every core busy: 2 W per point of host CPU.
        estimate: { idleWatts: 20, maxWatts: 220 },
        ...o.energyConfig,
      },
    },
    {},
  );
}

function world(store: Store, o: WorldOptions) {
  const clock = new VirtualClock(START);
  const config = makeConfig(o);
  const allocation: Allocation = structuredClone(INITIAL);
  const executors = new Map<string, Executor>(
    Object.keys(INITIAL).map((name) => [
      name,
      {
        type: 'simulator',
        protocol: name,
        restartsOnChange: false,
        check: async () => undefined,
        read: async () => ({ ...allocation[name]! }),
        apply: async (s: ResourceShares) => {
          allocation[name] = { ...s };
        },
      },
    ]),
  );
  const energy: EnergyService = createEnergyService({ getConfig: () => config, store, clock, log: silentLogger(), baseDir: '.' });
  // The daemon's config as the engine sees it: with the energy-pause policy while it applies.
  const effective = () => withEnergyPolicy(config, energy);
  let history: Snapshot[] = [];
  const engine = createReallocationEngine({
    repo: store.reallocations,
    executors,
    strategy: createStrategy('lp'),
    clock,
    log: silentLogger(),
    getConfig: effective,
    getState: () => ({ snapshot: history.at(-1) ?? null, health: { cruncher: true, relay: true }, host, current: INITIAL }),
    history: () => history,
    ...(o.energy ? { buildInput: netOptimizerInput(energy) } : {}),
  });
  const totals = { grossUsd: 0, powerUsd: 0 };
  const decisions: { time: number; decision: Decision; allocation: Allocation }[] = [];

  async function sample(): Promise<void> {
    const now = clock.now();
    // Each keeps its CPU share busy: percent of one core, as Docker measures it.
    const protocols = Object.entries(allocation).map(([name, s]) =>
      protocolSample(name, now, { type: 'mysterium', usdPerHour: earns(name, s), earnedUsd: earns(name, s) / 12, cpuPercent: s.cpu * host.cpuCount, allocation: { ...s } }),
    );
    const cpuLoad = Object.values(allocation).reduce((sum, s) => sum + s.cpu, 0);
    const snapshot: Snapshot = { time: now, totalUsdPerHour: protocols.reduce((sum, p) => sum + p.usdPerHour, 0), host: { ...host, cpuPercent: cpuLoad }, protocols };
    history.push(snapshot);
    history = history.filter((h) => h.time >= now - config.optimizer.historyHours * HOUR);
    await energy.observe(snapshot);
    const view = energy.current();
    totals.grossUsd += snapshot.totalUsdPerHour / 12;
    totals.powerUsd += view ? view.powerCostUsdPerHour / 12 : ((20 + 2 * cpuLoad) / 1000) * 0.2 / 12;
  }

  return {
    clock,
    energy,
    allocation,
    decisions,
    totals,
    /** Run until `until`, sampling every 5 minutes and deciding every 30, as the loops do. */
    async runUntil(until: number): Promise<void> {
      while (clock.now() < until) {
        await clock.advance(5 * MINUTE);
        await sample();
        if ((clock.now() - START) % (30 * MINUTE) === 0) {
          const decision = await engine.decide({ trigger: 'loop' });
          decisions.push({ time: clock.now(), decision, allocation: structuredClone(allocation) });
        }
      }
    },
    close: () => energy.close(),
  };
}

/** Protocols a "costs more power than it earns" alert was raised for (open or since resolved). */
async function raisedNetNegative(store: Store): Promise<(string | null)[]> {
  const alerts = await store.alerts.list({});
  return [...new Set(alerts.filter((a) => a.type === 'net_negative').map((a) => a.protocol))];
}

describe('net optimizer through the reallocation engine', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createSqliteTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('gives back CPU that costs more power than it earns (and keeps it when it only sees gross), earning more net', async () => {
    // Flat 0.20 USD/kWh: a point of CPU costs 2 W = 0.0004 USD/h. Relay's CPU earns nothing; cruncher's 0.001.
    const gross = world(store, { energy: false });
    await gross.runUntil(START + 12 * HOUR);
    // Blind to power, nothing is worth moving: the relay keeps all of its CPU.
    expect(gross.allocation.relay!.cpu).toBe(40);
    expect(gross.allocation.cruncher!.cpu).toBe(40);
    await gross.close();

    const netStore = await createSqliteTestStore();
    try {
      const net = world(netStore, { energy: true });
      await net.runUntil(START + 12 * HOUR);
      // Relay's CPU goes back step by step, down to its profile's useful minimum; cruncher's, which pays, stays.
      expect(net.allocation.relay!.cpu).toBeLessThanOrEqual(5);
      expect(net.allocation.cruncher!.cpu).toBe(40);
      expect(net.allocation.relay!.bandwidth).toBe(50);
      const applied = net.decisions.filter((d) => d.decision.status === 'applied');
      expect(applied.length).toBeGreaterThanOrEqual(2);
      // Each move is planned net of power: gross falls by nothing, power by 0.0004 USD/h per point given back.
      const first = applied[0]!.decision.plan!;
      expect(first.powerCostUsdPerHour).toBeGreaterThan(first.projectedPowerCostUsdPerHour!);
      expect(first.improvementUsdPerHour).toBeGreaterThan(0);
      expect(first.explanations.relay).toMatch(/net projected \(power cost -/);
      // The journal has them, applied through the gates like any other move.
      const journal = await netStore.reallocations.list({ limit: 100 });
      expect(journal.filter((r) => r.status === 'applied').length).toBe(applied.length);
      // Same market, same hours: more net after power than the optimizer that saw gross only.
      const netGain = net.totals.grossUsd - net.totals.powerUsd - (gross.totals.grossUsd - gross.totals.powerUsd);
      expect(net.totals.grossUsd).toBeCloseTo(gross.totals.grossUsd, 9);
      expect(netGain).toBeGreaterThan(0.02);
      await net.close();
    } finally {
      await netStore.close();
    }
  });

  // Peak 17:00-21:00 at 1.00 USD/kWh: a point of CPU then costs 0.002 USD/h, twice what cruncher earns with it.
  const tariff = { tariff: { rates: [{ name: 'peak', pricePerKwh: 1, from: '17:00', to: '21:00' }] } };
  const at = (w: ReturnType<typeof world>, hhmm: string) => w.decisions.find((d) => new Date(d.time).toISOString().slice(11, 16) === hhmm)!;
  const cruncherAt = (w: ReturnType<typeof world>, hhmm: string) => at(w, hhmm).allocation.cruncher!;
  const until = (hour: number) => Date.UTC(2026, 2, 2, hour);

  it('pauses a protocol that loses money in expensive hours when allowed, and resumes it after, through the gates and journal', async () => {
    const allowed = world(store, { energy: true, energyConfig: { ...tariff, netNegative: { afterHours: 1, pause: true } } });
    await allowed.runUntil(until(21));
    // Before the peak cruncher pays for its power and keeps its shares.
    expect(cruncherAt(allowed, '16:30')).toEqual(shares(40, 20));
    // The peak's first decision trims its CPU (the power term alone); an hour into the peak its net has stayed
    // negative for netNegative.afterHours, the alert is raised, and the pause takes it down to its minimums.
    expect(cruncherAt(allowed, '17:00').cpu).toBeLessThan(40);
    const paused = at(allowed, '18:00');
    expect(paused.decision.status).toBe('applied');
    expect(paused.allocation.cruncher).toEqual({ cpu: 0, memory: 0, bandwidth: 0, storage: 0 });
    expect(paused.decision.plan!.explanations.cruncher).toMatch(/held down by policy energy-pause \(Paused while power costs 1 USD\/kWh/);
    expect(await raisedNetNegative(store)).toEqual(['cruncher']);
    expect(cruncherAt(allowed, '20:30').cpu).toBe(0);
    // At 21:00 power is cheap again: the CPU that pays is given back.
    const resumed = at(allowed, '21:00');
    expect(resumed.decision.status).toBe('applied');
    expect(resumed.allocation.cruncher!.cpu).toBe(40);
    // Both went through the journal like any other move.
    const journal = await store.reallocations.list({ status: 'applied', limit: 100 });
    expect(journal.map((r) => r.id)).toEqual(expect.arrayContaining([paused.decision.reallocation.id, resumed.decision.reallocation.id]));
    await allowed.close();
  });

  it('does not pause unless allowed: the optimizer only trims what costs more than it earns, a step at a time', async () => {
    const refused = world(store, { energy: true, energyConfig: { ...tariff, netNegative: { afterHours: 1, pause: false } } });
    await refused.runUntil(until(20) + 30 * MINUTE);
    // The alert is raised all the same.
    expect(await raisedNetNegative(store)).toEqual(['cruncher']);
    for (const hhmm of ['18:00', '19:00', '20:30']) {
      expect(cruncherAt(refused, hhmm).cpu).toBeGreaterThan(0);
      expect(cruncherAt(refused, hhmm).memory).toBe(20);
    }
    await refused.close();
  });

  it('in advisory mode only shows the pause: it is the recommendation at the peak, and nothing moves', async () => {
    const advisory = world(store, { energy: true, mode: 'advisory', energyConfig: { ...tariff, netNegative: { afterHours: 1, pause: true } } });
    await advisory.runUntil(until(18));
    const shown = at(advisory, '18:00');
    expect(shown.decision.status).toBe('advisory');
    expect(shown.decision.plan!.target.cruncher).toEqual({ cpu: 0, memory: 0, bandwidth: 0, storage: 0 });
    expect(advisory.allocation).toEqual(INITIAL);
    expect(await store.reallocations.list({ status: 'applied' })).toEqual([]);
    await advisory.close();
  });
});
