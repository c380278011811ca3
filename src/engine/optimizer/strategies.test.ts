import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../test/helpers/optimizer-instances.js';
import type { Policy } from '../../config/schema.js';
import type { ResourceShares } from '../../domain/resources.js';
import { isOrchaError } from '../../lib/errors.js';
import { createHighsSolver } from './highs-solver.js';
import { createStrategy, strategies } from './index.js';
import type { Observation, OptimizerInput, ProtocolInput } from './types.js';

const solver = createHighsSolver();
const NOW = 1_700_000_000_000;
const free = { min: 0, max: 100 };

function shares(cpu: number, memory = 10): ResourceShares {
  return { cpu, memory, bandwidth: 10, storage: 10 };
}

function protocol(name: string, rate: number, observations: Observation[] = [], extra: Partial<ProtocolInput> = {}): ProtocolInput {
  return {
    name,
    connected: true,
    pinned: false,
    // Only CPU is free in these scenarios; the other shares are held where they are.
    limits: { cpu: free, memory: { min: 10, max: 10 }, bandwidth: { min: 10, max: 10 }, storage: { min: 10, max: 10 } },
    currentUsdPerHour: rate,
    restartsOnChange: false,
    observations,
    ...extra,
  };
}

function input(protocols: ProtocolInput[], current: Record<string, number>, policies: Policy[] = []): OptimizerInput {
  return {
    time: NOW,
    current: Object.fromEntries(Object.entries(current).map(([n, cpu]) => [n, shares(cpu)])),
    reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 5 },
    protocols,
    policies,
    settings: defaultSettings,
  };
}

/** History where the CPU share visited `levels` for 4 hours each, sampled every 10 minutes, ending now. */
function history(levels: number[], truth: (cpu: number) => number): Observation[] {
  const out: Observation[] = [];
  const perLevel = 24;
  let t = NOW - levels.length * perLevel * 600_000;
  levels.forEach((cpu, i) => {
    for (let k = 0; k < perLevel; k++) {
      const wobble = ((i * perLevel + k) % 5) * 0.002 - 0.004;
      out.push({ time: t, shares: shares(cpu), usdPerHour: truth(cpu) + wobble });
      t += 600_000;
    }
  });
  return out;
}

describe('lp strategy', () => {
  const a = (cpu: number) => 1.2 * (1 - Math.exp(-cpu / 20)) + 0.1;
  const b = (cpu: number) => 0.6 * (1 - Math.exp(-cpu / 40)) + 0.1;

  it('moves CPU toward the protocol whose fitted curve pays more at the margin, with pairwise opportunities', async () => {
    const protocols = [
      protocol('alpha', a(10), history([20, 5, 15, 10], a), { restartsOnChange: true }),
      protocol('beta', b(70), history([60, 75, 65, 70], b)),
    ];
    const plan = await createStrategy('lp', { solver }).plan(input(protocols, { alpha: 10, beta: 70 }));
    expect(plan.strategy).toBe('lp');
    expect(plan.exploration).toBe(false);
    expect(plan.target.alpha.cpu).toBeGreaterThan(10);
    // Trust region: at most one exploration step past the highest share alpha has been seen at (20 %).
    expect(plan.target.alpha.cpu).toBeLessThanOrEqual(20 + defaultSettings.exploration.maxStepPercent + 1e-9);
    expect(plan.target.alpha.cpu + plan.target.beta.cpu).toBeLessThanOrEqual(90 + 1e-6);
    expect(plan.target.alpha.memory).toBe(10);
    expect(plan.improvementUsdPerHour).toBeGreaterThan(0);
    expect(plan.projectedUsdPerHour).toBeCloseTo(plan.currentUsdPerHour + plan.improvementUsdPerHour, 5);
    // The true curves agree that the move pays.
    const trueGain = a(plan.target.alpha.cpu) + b(plan.target.beta.cpu) - a(10) - b(70);
    expect(trueGain).toBeGreaterThan(0);
    // alpha restarts on change: 2 minutes of its current rate.
    expect(plan.switchingCostUsd).toBeCloseTo((2 / 60) * a(10), 5);
    expect(plan.roi).toBeCloseTo((plan.improvementUsdPerHour * 1 - plan.switchingCostUsd) / plan.switchingCostUsd, 2);
    const opp = plan.opportunities.find((o) => o.resource === 'cpu' && o.from === 'beta' && o.to === 'alpha');
    expect(opp?.gainUsdPerHour).toBeGreaterThan(0);
    expect(opp?.paybackHours).toBeGreaterThan(0);
    expect(plan.explanations.alpha).toMatch(/cpu 10→/);
    expect(plan.explanations.alpha).toMatch(/settled observations/);
  });

  it('proposes a small labelled exploration when the model is too uncertain to trust', async () => {
    const protocols = [protocol('alpha', 0.5), protocol('beta', 0.2)];
    const plan = await createStrategy('lp', { solver }).plan(input(protocols, { alpha: 30, beta: 30 }));
    expect(plan.exploration).toBe(true);
    expect(plan.confidence).toBeLessThan(defaultSettings.minConfidence);
    expect(plan.explorationCostUsd).toBeGreaterThanOrEqual(0);
    for (const name of ['alpha', 'beta']) {
      expect(Math.abs(plan.target[name].cpu - 30)).toBeLessThanOrEqual(defaultSettings.exploration.maxStepPercent + 1e-9);
      expect(plan.target[name].storage).toBe(10);
    }
    expect(plan.explanations.alpha).toMatch(/exploration/);
    const off = await createStrategy('lp', { solver }).plan({
      ...input(protocols, { alpha: 30, beta: 30 }),
      settings: { ...defaultSettings, exploration: { enabled: false, maxStepPercent: 5, scoutPercent: 0 } },
    });
    expect(off.exploration).toBe(false);
  });

  it('keeps pinned and disconnected protocols from gaining share', async () => {
    const policy: Policy = { name: 'keep', enabled: true, rules: [{ protocol: 'alpha', resource: 'cpu', max: 25 }], pinned: ['gamma'], excludedHours: [] };
    const protocols = [
      protocol('alpha', a(10), history([20, 5, 15, 10], a)),
      protocol('beta', b(40), history([30, 45, 35, 40], b), { connected: false }),
      protocol('gamma', 0.05),
    ];
    const plan = await createStrategy('lp', { solver }).plan(input(protocols, { alpha: 10, beta: 40, gamma: 20 }, [policy]));
    expect(plan.target.alpha.cpu).toBeLessThanOrEqual(25 + 1e-9);
    expect(plan.target.beta.cpu).toBeLessThanOrEqual(40 + 1e-9);
    expect(plan.target.gamma).toEqual(shares(20));
  });

  it('rejects an input that names a protocol twice, naming the field', async () => {
    const bad = input([protocol('alpha', 1), protocol('alpha', 1)], { alpha: 10 });
    await expect(createStrategy('lp', { solver }).plan(bad)).rejects.toSatisfy(
      (err) => isOrchaError(err, 'ORCHA_ERR_VALIDATION') && JSON.stringify(err.details).includes('protocols[1].name'),
    );
  });
});

describe('baselines', () => {
  it('greedy (the seeds\' method) fills the most efficient protocol first, up to its maximum', async () => {
    const flat = (rate: number, cpu: number) => Array.from({ length: 12 }, (_, i) => ({ time: NOW - (12 - i) * 600_000, shares: shares(cpu), usdPerHour: rate }));
    const protocols = [
      protocol('alpha', 0.3, flat(0.3, 30)),
      protocol('beta', 0.9, flat(0.9, 30), { limits: { ...protocol('x', 0).limits, cpu: { min: 0, max: 50 } } }),
      protocol('gamma', 0.6, flat(0.6, 30), { limits: { ...protocol('x', 0).limits, cpu: { min: 5, max: 100 } } }),
    ];
    const plan = await createStrategy('greedy').plan(input(protocols, { alpha: 30, beta: 30, gamma: 30 }));
    expect(plan.strategy).toBe('greedy');
    // beta is most efficient (0.9 USD/h on 30 %) and takes its maximum; gamma the rest; alpha keeps nothing.
    expect(plan.target.beta.cpu).toBe(50);
    expect(plan.target.gamma.cpu).toBe(40);
    expect(plan.target.alpha.cpu).toBe(0);
    // Constant rates, 12 observations: the seeds' variance score is certain.
    expect(plan.confidence).toBe(1);
    expect(plan.improvementUsdPerHour).toBeGreaterThan(0);
    expect(plan.opportunities.some((o) => o.from === 'alpha' && o.resource === 'cpu')).toBe(true);
  });

  it('equal splits capacity evenly within bounds', async () => {
    const protocols = [
      protocol('alpha', 0.3),
      protocol('beta', 0.9, [], { limits: { ...protocol('x', 0).limits, cpu: { min: 0, max: 10 } } }),
      protocol('gamma', 0.6),
    ];
    const plan = await createStrategy('equal').plan(input(protocols, { alpha: 10, beta: 10, gamma: 10 }));
    expect(plan.target.beta.cpu).toBe(10);
    expect(plan.target.alpha.cpu).toBeCloseTo(40, 5);
    expect(plan.target.gamma.cpu).toBeCloseTo(40, 5);
    expect(plan.target.alpha.cpu + plan.target.beta.cpu + plan.target.gamma.cpu).toBeLessThanOrEqual(90);
  });

  it('oracle needs the true curves; unknown names are refused', () => {
    expect(Object.keys(strategies).sort()).toEqual(['equal', 'greedy', 'lp', 'oracle']);
    expect(() => createStrategy('oracle')).toThrow(expect.objectContaining({ code: 'ORCHA_ERR_VALIDATION' }));
    expect(() => createStrategy('magic')).toThrow(expect.objectContaining({ code: 'ORCHA_ERR_VALIDATION' }));
    expect(createStrategy('oracle', { trueUsdPerHour: () => 0 }).name).toBe('oracle');
  });
});
