import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../config/load.js';
import type { Plan } from '../../domain/plan.js';
import { probePlan } from '../../../test/helpers/reallocation-fixtures.js';
import { planSteps } from './allocation-math.js';
import { checkGates } from './gates.js';

const s = (cpu: number) => ({ cpu, memory: 10, bandwidth: 10, storage: 10 });
const current = { a: s(40), b: s(40) };
const plan = (target: Plan['target'], over: Partial<Plan> = {}): Plan => probePlan(current, target, over);
const gate = (p: Plan, config = buildConfig({}, {})) =>
  checkGates({ plan: p, steps: planSteps(current, p.target), config, now: Date.UTC(2026, 0, 1, 3), appliedLastHour: 0, lastChange: {} });

describe('checkGates for exploration', () => {
  it('lets a small exploratory move through despite low gain and confidence', () => {
    expect(gate(plan({ a: s(36), b: s(44) }))).toBeNull();
  });

  it('refuses exploration larger than maxStepPercent, or when disabled', () => {
    expect(gate(plan({ a: s(25), b: s(55) }))?.code).toBe('exploration_too_large'); // 15 points, above the default 10
    const off = buildConfig({ optimizer: { exploration: { enabled: false } } }, {});
    expect(gate(plan({ a: s(36), b: s(44) }), off)?.code).toBe('exploration_disabled');
  });

  it('lets a compute provider probe one whole task slot, above maxStepPercent, and no more', () => {
    const p = plan({ a: s(52.5), b: s(27.5) });
    const withSlot = (q: Plan) =>
      checkGates({ plan: q, steps: planSteps(current, q.target), config: buildConfig({}, {}), now: 0, appliedLastHour: 0, lastChange: {}, stepAllowance: { a: { cpu: 12.5 }, b: { cpu: 12.5 } } });
    expect(withSlot(p)).toBeNull();
    expect(gate(p)?.code).toBe('exploration_too_large');
    expect(withSlot(plan({ a: s(55), b: s(25) }))?.code).toBe('exploration_too_large');
  });

  it('still counts exploration against the rate limit', () => {
    const p = plan({ a: s(36), b: s(44) });
    const skip = checkGates({ plan: p, steps: planSteps(current, p.target), config: buildConfig({}, {}), now: 0, appliedLastHour: 4, lastChange: {} });
    expect(skip?.code).toBe('rate_limited');
  });
});
