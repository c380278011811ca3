import type { Config } from '../../config/schema.js';
import type { Plan } from '../../domain/plan.js';
import type { ReallocationStep } from '../../domain/reallocation.js';
import { RESOURCES } from '../../domain/resources.js';
import { touchedProtocols } from './allocation-math.js';

export const SKIP_CODES = [
  'no_change',
  'excluded_hour',
  'below_min_improvement',
  'low_confidence',
  'exploration_disabled',
  'exploration_too_large',
  'rate_limited',
  'hold_not_passed',
  'preflight_failed',
  'no_host',
  'guard_paused',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

export interface Skip {
  code: SkipCode;
  reason: string;
}

export interface GateInput {
  plan: Plan;
  steps: ReallocationStep[];
  config: Config;
  now: number;
  /** Applied (not dry-run) reallocations in the last hour. */
  appliedLastHour: number;
  /** protocol -> epoch ms of its last applied change */
  lastChange: Record<string, number>;
  /** protocol -> hold in ms when longer than reallocation.minHoldMinutes (its reporting lag and cadence: a move must be readable before the next). */
  holdMs?: Record<string, number>;
  /** protocol -> epoch ms of its last applied change of a resource it earns from (default: lastChange); `holdMs` runs from it. */
  lastReadableChange?: Record<string, number>;
  /** protocol -> the largest probe move per resource when above exploration.maxStepPercent (one task slot). */
  stepAllowance?: Record<string, Partial<Record<(typeof RESOURCES)[number], number>>>;
}

const fmt = (x: number, d = 4) => Number(x.toFixed(d)).toString();

/** SPEC §3 decision rules, in the order an operator would ask: is there anything to do, is it worth it, may we. */
export function checkGates(input: GateInput): Skip | null {
  const { plan, steps, config, now } = input;
  const opt = config.optimizer;
  const re = config.reallocation;
  if (steps.length === 0) return { code: 'no_change', reason: 'no_change: the plan keeps the current allocation' };

  const hour = new Date(now).getUTCHours();
  const excluding = config.policies.find((p) => p.enabled && p.excludedHours.includes(hour));
  if (excluding) {
    return { code: 'excluded_hour', reason: `excluded_hour: policy ${excluding.name} excludes ${hour}:00 UTC` };
  }

  if (plan.exploration) {
    // Exploration is judged by its size, not its projected gain (its point is to learn where the model is unsure).
    if (!opt.exploration.enabled) return { code: 'exploration_disabled', reason: 'exploration_disabled: optimizer.exploration.enabled is false' };
    for (const s of steps) {
      for (const r of RESOURCES) {
        const max = Math.max(opt.exploration.maxStepPercent, input.stepAllowance?.[s.protocol]?.[r] ?? 0);
        const move = Math.abs((plan.target[s.protocol]?.[r] ?? 0) - (plan.current[s.protocol]?.[r] ?? 0));
        if (move > max + 1e-6) {
          return {
            code: 'exploration_too_large',
            reason: `exploration_too_large: ${s.protocol} ${r} moves ${fmt(move, 2)} points, above optimizer.exploration.maxStepPercent ${max}`,
          };
        }
      }
    }
  } else if (plan.rule === undefined) {
    if (plan.improvementPercent < opt.minImprovementPercent || plan.improvementUsdPerHour < opt.minImprovementUsdPerHour) {
      return {
        code: 'below_min_improvement',
        reason:
          `below_min_improvement: +${fmt(plan.improvementUsdPerHour)} USD/h (${fmt(plan.improvementPercent, 2)} %) ` +
          `is under the minimum ${opt.minImprovementUsdPerHour} USD/h and ${opt.minImprovementPercent} %`,
      };
    }
    if (plan.confidence < opt.minConfidence) {
      return {
        code: 'low_confidence',
        reason: `low_confidence: confidence ${fmt(plan.confidence, 3)} is under optimizer.minConfidence ${opt.minConfidence}`,
      };
    }
  }

  if (input.appliedLastHour >= re.maxPerHour) {
    return {
      code: 'rate_limited',
      reason: `rate_limited: ${input.appliedLastHour} reallocations in the last hour (reallocation.maxPerHour ${re.maxPerHour})`,
    };
  }

  const minHold = re.minHoldMinutes * 60_000;
  // A readable hold runs from the protocol's last change of what it earns from (a change of anything else has no
  // effect to read); the minimum hold from any change.
  const readableSince = (p: string) => input.lastReadableChange?.[p] ?? input.lastChange[p];
  const held = touchedProtocols(steps)
    .map((p) => {
      const sinceAny = input.lastChange[p] === undefined ? Infinity : now - input.lastChange[p];
      const readable = input.holdMs?.[p] ?? 0;
      const since = readableSince(p);
      const sinceReadable = since === undefined ? Infinity : now - since;
      if (readable > minHold && sinceReadable < readable) {
        return `${p} changed ${fmt(sinceReadable / 60_000, 1)} min ago, held ${fmt(readable / 60_000, 0)} min to read its reporting lag and cadence`;
      }
      return sinceAny < minHold ? `${p} changed ${fmt(sinceAny / 60_000, 1)} min ago` : null;
    })
    .filter((x): x is string => x !== null);
  if (held.length > 0) {
    return {
      code: 'hold_not_passed',
      reason: `hold_not_passed: ${held.join('; ')} (reallocation.minHoldMinutes ${re.minHoldMinutes})`,
    };
  }
  return null;
}
