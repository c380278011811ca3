import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../test/helpers/optimizer-instances.js';
import { RESOURCES, type Resource, type ResourceShares } from '../../domain/resources.js';
import { scoutBounds } from './lp.strategy.js';
import { linearCurve } from './piecewise.js';
import type { ProtocolResponse } from './response-model.js';
import { effectiveBounds, type OptimizerInput, type ProtocolInput } from './types.js';

const zero: ResourceShares = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
const mm = { min: 0, max: 100 };

function protocol(name: string, extra: Partial<ProtocolInput> = {}): ProtocolInput {
  return {
    name,
    connected: true,
    pinned: false,
    limits: { cpu: mm, memory: mm, bandwidth: mm, storage: mm },
    currentUsdPerHour: 0,
    restartsOnChange: false,
    observations: [],
    ...extra,
  };
}

/** A model that earns from the given resources (slope 0.01 USD/h per point) and from nothing else. */
function earning(name: string, resources: Resource[]): ProtocolResponse {
  const curves = Object.fromEntries(RESOURCES.map((r) => [r, linearCurve(resources.includes(r) ? 0.01 : 0)])) as ProtocolResponse['curves'];
  return {
    protocol: name,
    fitted: true,
    settledObservations: 50,
    residualStd: 0,
    effectiveCount: 50,
    baseUsdPerHour: 0,
    curves,
    observedRange: { cpu: null, memory: null, bandwidth: null, storage: null },
  };
}

function input(protocols: ProtocolInput[], scoutPercent: number, reserve = 10): OptimizerInput {
  return {
    time: 0,
    current: Object.fromEntries(protocols.map((p) => [p.name, { ...zero }])),
    reserve: { cpu: reserve, memory: reserve, bandwidth: reserve, storage: reserve },
    protocols,
    policies: [],
    settings: { ...defaultSettings, exploration: { enabled: true, maxStepPercent: 10, scoutPercent } },
  };
}

describe('scout shares', () => {
  const responses = new Map([
    ['grass', earning('grass', ['bandwidth'])],
    ['storj', earning('storj', ['storage', 'bandwidth'])],
    ['golem', earning('golem', ['cpu', 'memory'])],
  ]);

  it('keeps each connected protocol at the scout share of every fast resource it earns from, and of no other', () => {
    const inp = input([protocol('grass'), protocol('storj'), protocol('golem')], 1);
    const b = scoutBounds(inp, effectiveBounds(inp), responses);
    expect(b.grass.bandwidth).toEqual({ lo: 1, hi: 100 });
    expect(b.storj.bandwidth.lo).toBe(1);
    expect(b.golem.cpu.lo).toBe(1);
    expect(b.golem.memory.lo).toBe(1);
    // Nothing earned from it: no floor. Storage answers in weeks: never scouted.
    expect(b.grass.cpu.lo).toBe(0);
    expect(b.golem.bandwidth.lo).toBe(0);
    expect(b.storj.storage.lo).toBe(0);
  });

  it('leaves disconnected and pinned protocols, a policy maximum and a disabled setting alone', () => {
    const capped = protocol('grass', { limits: { cpu: mm, memory: mm, bandwidth: { min: 0, max: 0.5 }, storage: mm } });
    const inp = input([capped, protocol('storj', { connected: false }), protocol('golem', { pinned: true })], 1);
    const b = scoutBounds(inp, effectiveBounds(inp), responses);
    expect(b.grass.bandwidth).toEqual({ lo: 0.5, hi: 0.5 });
    expect(b.storj.bandwidth.lo).toBe(0);
    expect(b.golem.cpu).toEqual({ lo: 0, hi: 0 });
    const off = input([protocol('grass')], 0);
    expect(scoutBounds(off, effectiveBounds(off), responses).grass.bandwidth.lo).toBe(0);
  });

  it('drops a resource\'s floors when they would not all fit its capacity', () => {
    // 99.5 % reserved: 0.5 points for protocols, less than two 1-point floors on bandwidth.
    const inp = input([protocol('grass'), protocol('storj')], 1, 99.5);
    const b = scoutBounds(inp, effectiveBounds(inp), responses);
    expect(b.grass.bandwidth.lo).toBe(0);
    expect(b.storj.bandwidth.lo).toBe(0);
  });
});
