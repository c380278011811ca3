import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../config/load.js';
import type { Plan } from '../../domain/plan.js';
import { movesEarnings, resolveProfile } from '../../domain/profile.js';
import type { Reallocation } from '../../domain/reallocation.js';
import type { ResourceShares } from '../../domain/resources.js';
import { probePlan } from '../../../test/helpers/reallocation-fixtures.js';
import { planSteps } from './allocation-math.js';
import { lastEarningChange } from './readable-holds.js';
import { checkGates } from './gates.js';

const host = { cpuCount: 8, memoryTotalBytes: 32 * 2 ** 30 };
const sh = (cpu: number, memory: number, bandwidth: number, storage: number): ResourceShares => ({ cpu, memory, bandwidth, storage });
const HOUR = 3_600_000;

describe('what a move changes about earnings (profiles)', () => {
  const grass = resolveProfile('grass', undefined, host);
  it('counts a resource the node is paid for, and any share at or crossing its least useful level', () => {
    expect(movesEarnings(grass, sh(18, 18, 18, 18), sh(18, 18, 25, 18))).toBe(true);
    expect(movesEarnings(grass, sh(18, 18, 18, 18), sh(0.5, 18, 18, 18))).toBe(true);
  });
  it('does not count what it is not paid for above its least useful share', () => {
    expect(movesEarnings(grass, sh(18, 18, 18, 18), sh(8, 5, 18, 2))).toBe(false);
  });
  it('counts every move without a profile', () => {
    expect(movesEarnings(undefined, sh(18, 18, 18, 18), sh(18, 18, 18, 17))).toBe(true);
  });
});

describe('readable holds run from the last move of what a node earns', () => {
  const step = (protocol: string, from: ResourceShares, to: ResourceShares, at: number) => ({ seq: 0, protocol, from, to, status: 'applied' as const, error: null, appliedAt: at });
  const realloc = (steps: Reallocation['steps'], at: number, status: Reallocation['status'] = 'applied'): Reallocation => ({
    id: `r${at}`,
    status,
    reason: null,
    trigger: 'loop',
    dryRun: false,
    exploration: true,
    strategy: 'lp',
    before: {},
    after: {},
    projectedImprovementUsdPerHour: 0,
    confidence: 0,
    steps,
    measuredBeforeUsdPerHour: null,
    measuredAfterUsdPerHour: null,
    createdAt: at,
    finishedAt: at,
  });

  it('finds the last change of a paid resource, ignoring storage handed over by a bandwidth sharer', () => {
    const profiles = new Map([['grass', resolveProfile('grass', undefined, host)]]);
    const applied = [
      realloc([step('grass', sh(18, 18, 18, 18), sh(18, 18, 25, 18), 5 * HOUR)], 5 * HOUR),
      realloc([step('grass', sh(18, 18, 25, 18), sh(18, 18, 25, 12), 9 * HOUR)], 9 * HOUR),
      realloc([step('grass', sh(18, 18, 25, 12), sh(18, 18, 35, 12), 11 * HOUR)], 11 * HOUR, 'rolled_back'),
    ];
    expect(lastEarningChange(applied, profiles)).toEqual({ grass: 5 * HOUR });
  });

  const current = { a: sh(20, 20, 20, 20), b: sh(20, 20, 20, 20) };
  const probe = (target: Plan['target']): Plan => probePlan(current, target);

  const now = Date.UTC(2026, 0, 2, 3);
  const gate = (lastChange: Record<string, number>, lastReadableChange?: Record<string, number>) => {
    const p = probe({ a: sh(20, 20, 25, 20), b: sh(20, 20, 15, 20) });
    return checkGates({ plan: p, steps: planSteps(current, p.target), config: buildConfig({}, {}), now, appliedLastHour: 0, lastChange, holdMs: { a: 10 * HOUR }, lastReadableChange });
  };

  it('holds a probe until the lag has passed since the last change of what the node earns', () => {
    expect(gate({ a: now - 3 * HOUR })?.code).toBe('hold_not_passed');
    expect(gate({ a: now - 3 * HOUR }, { a: now - 4 * HOUR })?.reason).toMatch(/a changed 240 min ago, held 600 min/);
  });

  it('lets it through when only what the node does not earn from changed since, after the minimum hold', () => {
    expect(gate({ a: now - 3 * HOUR }, { a: now - 11 * HOUR })).toBeNull();
    expect(gate({ a: now - 30 * 60_000 }, { a: now - 11 * HOUR })?.reason).toMatch(/a changed 30 min ago \(/);
  });
});
