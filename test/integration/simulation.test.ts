/**
 * Issue 4, must-hold 5: a seeded 7-day simulation on a VirtualClock against the real node simulators over HTTP.
 * Each run wires the product as main.ts does (simulators -> adapters -> coordinator -> SQLite store -> optimizer ->
 * reallocation engine with its gates -> simulator executors), from the same initial allocation and market seed:
 *   auto   : the lp optimizer in `auto` mode (the default config otherwise),
 *   greedy : the seeds' method through the same engine and gates,
 *   equal  : the static equal split, never reallocated,
 *   oracle : the lp engine path with the true curves (an upper reference, printed only; SIM_ONLY=...,oracle runs it,
 *            bench/decision-quality.ts measures it on several markets).
 * What counts is what the market paid: each simulator's cumulative USD over the week.
 */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createHighsSolver, createStrategy } from '../../src/engine/optimizer/index.js';
import { createReallocationEngine } from '../../src/engine/reallocation/index.js';
import { createExecutors } from '../../src/executors/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startSimRig } from '../helpers/sim-coordinator.js';

const SEED = 20260105;
const START = Date.UTC(2026, 0, 5);
const DAYS = Number(process.env.SIM_DAYS ?? 7);
/** Simulated time between polls, and between decisions (every other poll; the one-hour hold paces the changes). */
const POLL_MS = 15 * 60_000;
const DECIDE_MS = 30 * 60_000;
const log = silentLogger();
const solver = createHighsSolver();

type RunKind = 'auto' | 'greedy' | 'equal' | 'oracle';

interface RunResult {
  kind: RunKind;
  usd: number;
  applied: number;
  explorations: number;
  final: Record<string, Record<string, number>>;
}

async function runWeek(kind: RunKind): Promise<RunResult> {
  // The shipped defaults, except: auto mode (what is under test), the simulators as protocols, and the poll
  // interval the test actually uses (observations are aggregated per poll interval).
  const overrides = { intervals: { poll: POLL_MS / 1000, decide: DECIDE_MS / 1000 }, reallocation: { mode: kind === 'equal' ? 'advisory' : 'auto' } };
  const defaults = buildConfig(overrides, {});
  let engineRef: ReturnType<typeof createReallocationEngine> | null = null;
  const rig = await startSimRig({
    seed: SEED,
    start: START,
    timeout: 5,
    settings: { ...defaults.coordinator, intervals: defaults.intervals },
    allocation: () => engineRef?.current() ?? {},
  });
  const { clock, sims, coordinator } = rig;
  try {
    const config: Config = buildConfig({ ...overrides, protocols: sims.protocols }, {});
    const strategy =
      kind === 'auto'
        ? createStrategy('lp', { solver })
        : kind === 'greedy'
          ? createStrategy('greedy')
          : kind === 'oracle'
            ? createStrategy('oracle', { solver, trueUsdPerHour: (n, s) => sims.market.models.get(n)!.trueUsdPerHour(s, clock.now()) })
            : createStrategy('equal');
    const health = () => Object.fromEntries(coordinator.status().map((s) => [s.name, s.connected && s.breaker === 'closed']));
    const engine = createReallocationEngine({
      repo: rig.store.reallocations,
      executors: createExecutors(config.protocols, { log, clock, configDir: tmpdir() }),
      strategy,
      clock,
      log,
      getConfig: () => config,
      getState: () => ({ snapshot: coordinator.latest(), health: health() }),
      metrics: rig.store.metrics,
    });
    engineRef = engine;

    const paidSoFar = () => [...sims.market.models.values()].reduce((s, m) => s + m.cumulativeUsd(), 0);
    const startUsd = paidSoFar();
    let applied = 0;
    let explorations = 0;
    await coordinator.pollOnce({ force: true });
    for (let t = 0; t < DAYS * 24 * 3_600_000; t += POLL_MS) {
      await clock.advance(POLL_MS);
      await coordinator.pollOnce({ force: true });
      if (kind === 'equal' || (clock.now() - START) % DECIDE_MS !== 0) continue;
      const d = await engine.decide({ trigger: 'loop' });
      if (d.status === 'applied') {
        applied++;
        if (d.reallocation.exploration) explorations++;
      }
      if (process.env.SIM_TRACE && d.recorded) {
        console.log(kind, new Date(clock.now()).toISOString(), d.status, d.reason ?? '', JSON.stringify(d.plan?.target ?? {}));
      }
    }
    const usd = paidSoFar() - startUsd;
    return { kind, usd, applied, explorations, final: engine.current() };
  } finally {
    await rig.close();
  }
}

describe('a seeded week against the node simulators', () => {
  it('auto mode earns more than the static equal split and at least as much as the seeds\' greedy method', async () => {
    const results: RunResult[] = [];
    const kinds = (process.env.SIM_ONLY?.split(',') ?? ['equal', 'greedy', 'auto']) as RunKind[];
    for (const kind of kinds) {
      const t0 = performance.now();
      results.push(await runWeek(kind));
      if (process.env.SIM_TRACE) console.log(kind, 'took', Math.round(performance.now() - t0), 'ms');
    }
    const by = Object.fromEntries(results.map((r) => [r.kind, r])) as Record<RunKind, RunResult>;
    console.log(`seed ${SEED}, ${DAYS} simulated days, poll every ${POLL_MS / 60_000} min`);
    console.table(
      results.map((r) => ({
        run: r.kind,
        'USD earned': Number(r.usd.toFixed(4)),
        'vs equal %': by.equal ? Number(((100 * (r.usd - by.equal.usd)) / by.equal.usd).toFixed(2)) : null,
        applied: r.applied,
        explorations: r.explorations,
      })),
    );
    if (process.env.SIM_TRACE) for (const r of results) console.log(r.kind, JSON.stringify(r.final));
    expect(by.auto.usd).toBeGreaterThan(by.equal.usd);
    expect(by.auto.usd).toBeGreaterThanOrEqual(by.greedy.usd);
    // Three simulated weeks over HTTP: about 2 minutes on a quiet 2-core machine, much more when it is busy.
  }, 900_000);
});
