/**
 * The decision benchmark's oracle: what a strategy that knows the market's true, noise-free response (now and ahead:
 * drift, events, demand cycles) does with the same switching costs. It is the upper bound the other strategies are
 * measured against, so it must not leave money a simple strategy would take:
 * - it re-plans every hour and at once when an event starts or ends;
 * - it hill-climbs the true response from where it is, with single and joint moves (oracle-polish.ts); when an event
 *   starts or ends it also climbs from the LP on the true curves' concave envelopes and from the equal split, and
 *   keeps the best (polishing from where it is alone earned the same months on both markets in a fraction of the time);
 * - it never cuts a storage node below the data it stores: that data earns until the end of the month and takes weeks
 *   to refill, which no gain of an hour repays (it is planned on the value of the data, not the instantaneous rate);
 * - it moves when the true gain over the next day (the known future response of the new allocation against holding
 *   the current one) repays the restarts the move causes, choosing between the best allocation and the best that
 *   restarts no node by that net gain (so it does not restart a node for a tweak it could nearly match without).
 */
import type { Config } from '../../src/config/schema.js';
import { type Allocation, RESOURCES, type ResourceShares } from '../../src/domain/resources.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { type LpSolver, oracleStrategy } from '../../src/engine/optimizer/index.js';
import { type Bounds, capacityOf, effectiveBounds } from '../../src/engine/optimizer/types.js';
import { buildOptimizerInput } from '../../src/engine/reallocation/index.js';
import type { Executor } from '../../src/executors/types.js';
import type { Market, MarketModel } from '../../src/sim/market.js';
import { polishOnTruth, totalOf } from './oracle-polish.js';

const HOUR = 3_600_000;
export const ORACLE_EVERY_MS = HOUR;
/** How far ahead the oracle weighs a move's gain against the restarts it causes. */
const GAIN_HORIZON_HOURS = 24;

export interface OracleRunner {
  /** Re-plans when due (the hour turned, or an event started or ended within the last step); true when it moved. */
  step(now: number, stepMs: number, latest: Snapshot, health: Record<string, boolean>): Promise<boolean>;
  readonly changes: number;
  readonly plans: number;
}

const crossed = (time: number, now: number, stepMs: number) => time > now - stepMs && time <= now;
const moved = (a: ResourceShares, b: ResourceShares) => RESOURCES.some((r) => Math.abs(a[r] - b[r]) > 0.01);

export function createOracleRunner(deps: {
  market: Market;
  config: Config;
  executors: Map<string, Executor>;
  solver: LpSolver;
  initial: Allocation;
  now: () => number;
}): OracleRunner {
  const { market } = deps;
  const models = [...market.models.values()];
  const truthAt = (time: number) => (name: string, shares: ResourceShares) => market.models.get(name)!.trueUsdPerHour(shares, time);
  const lp = oracleStrategy((name, shares) => truthAt(deps.now())(name, shares), { solver: deps.solver });
  const current: Allocation = structuredClone(deps.initial);
  let lastSlot = -1;
  let changes = 0;
  let plans = 0;

  /** Stored data is a floor: a storage node (one whose cuts delete data) is never planned below what it stores. */
  const storedFloor = (m: MarketModel) => (m.dataDeletedPercent ? m.effectiveShares().storage : 0);

  /**
   * The best allocation found now, and the best that restarts no node (every node with a restart cost held where it
   * is): the caller weighs a restart against the best move that needs none, not against standing still.
   */
  async function plan(now: number, latest: Snapshot, health: Record<string, boolean>, wide: boolean): Promise<Allocation[]> {
    const input = await buildOptimizerInput({ config: deps.config, now, current, snapshot: latest, health, executors: deps.executors });
    for (const p of input.protocols) {
      // Truth needs no history; connected is the truth too (an outage earns nothing whatever it is given).
      p.observations = [];
      p.connected = true;
      const floor = Math.min(storedFloor(market.models.get(p.name)!), current[p.name].storage, p.limits.storage.max);
      if (floor > p.limits.storage.min) p.limits = { ...p.limits, storage: { ...p.limits.storage, min: floor } };
    }
    const truth = truthAt(now);
    const bounds = effectiveBounds(input);
    const capacity = capacityOf(input);
    const best = (starts: Allocation[], b: Bounds) => {
      let out = current;
      let outValue = totalOf(current, truth);
      for (const start of starts) {
        const target = polishOnTruth(start, truth, b, capacity);
        const value = totalOf(target, truth);
        if (value > outValue + 1e-9) {
          out = target;
          outValue = value;
        }
      }
      return out;
    };
    // Where it is, every time; when an event starts or ends (the landscape changed at once), from afar too.
    const free = best(wide ? [current, (await lp.plan(input)).target, deps.initial] : [current], bounds);
    const held = structuredClone(bounds);
    for (const m of models) {
      if ((m.restartMinutes ?? 0) > 0) for (const r of RESOURCES) held[m.protocol][r] = { lo: current[m.protocol][r], hi: current[m.protocol][r] };
    }
    return [free, best([current], held)];
  }

  /** The true gain of holding `target` instead of `current` over the next hours, less the restarts it causes. */
  function netGain(target: Allocation, now: number): number {
    let gain = 0;
    for (let h = 0; h < GAIN_HORIZON_HOURS; h++) gain += market.trueUsdPerHour(target, now + h * HOUR) - market.trueUsdPerHour(current, now + h * HOUR);
    const changed = models.filter((m) => moved(target[m.protocol], current[m.protocol]));
    return gain - changed.reduce((s, m) => s + ((m.restartMinutes ?? 0) / 60) * m.trueUsdPerHour(current[m.protocol], now), 0);
  }

  return {
    get changes() {
      return changes;
    },
    get plans() {
      return plans;
    },
    async step(now, stepMs, latest, health) {
      const slot = Math.floor(now / ORACLE_EVERY_MS);
      const eventEdge = market.events.some((e) => crossed(e.at, now, stepMs) || (e.durationMs !== undefined && crossed(e.at + e.durationMs, now, stepMs)));
      if (slot === lastSlot && !eventEdge) return false;
      lastSlot = slot;
      plans++;
      const scored = (await plan(now, latest, health, eventEdge)).map((target) => ({ target, net: netGain(target, now) }));
      const { target, net } = scored.reduce((a, b) => (b.net > a.net ? b : a));
      const changed = models.filter((m) => moved(target[m.protocol], current[m.protocol]));
      if (changed.length === 0 || net <= 1e-9) return false;
      changes++;
      for (const m of changed) {
        m.setAllocation(target[m.protocol]);
        current[m.protocol] = { ...target[m.protocol] };
      }
      return true;
    },
  };
}
