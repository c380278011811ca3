import { Value } from '@sinclair/typebox/value';
import { expect, it } from 'vitest';
import { loadConfigText } from '../config/load.js';
import { PlanningContextSchema, planningConfig, planningContextOf } from './planning-context.js';

it("carries a host's optimizer settings to the control plane, which falls back to its own when an older agent sends none", () => {
  const host = loadConfigText('optimizer: { strategy: greedy, minImprovementPercent: 2, exploration: { enabled: false } }', {});
  const controlPlane = loadConfigText('optimizer: { strategy: lp }', {});
  const context = planningContextOf(host);
  // What the ingest side validates the agent's body against (no endpoints, no secrets, bounded).
  expect(Value.Check(PlanningContextSchema, context)).toBe(true);
  expect(planningConfig(controlPlane, context).optimizer).toEqual(host.optimizer);
  const { optimizer: _, ...older } = context;
  expect(Value.Check(PlanningContextSchema, older)).toBe(true);
  expect(planningConfig(controlPlane, older).optimizer).toEqual(controlPlane.optimizer);
  // Out-of-bounds settings are refused.
  expect(Value.Check(PlanningContextSchema, { ...context, optimizer: { ...host.optimizer, minConfidence: 5 } })).toBe(false);
});
