import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Config, Policy } from '../../config/schema.js';
import { PolicySchema } from '../../config/schema.js';
import { protocolCapacity } from '../../domain/capacity.js';
import type { Plan } from '../../domain/plan.js';
import type { ProtocolProfile } from '../../domain/profile.js';
import {
  type Allocation,
  AllocationSchema,
  RESOURCES,
  type Resource,
  type ResourceShares,
  ResourceSharesSchema,
} from '../../domain/resources.js';
import { type FieldError, OrchaError } from '../../lib/errors.js';

const MinMaxSchema = Type.Object({ min: Type.Number({ minimum: 0, maximum: 100 }), max: Type.Number({ minimum: 0, maximum: 100 }) });

const PerPoint = Type.Number({ minimum: 0, maximum: 1000 });
export const PowerCostSchema = Type.Object({ cpu: PerPoint, memory: PerPoint, bandwidth: PerPoint, storage: PerPoint });

export const ObservationSchema = Type.Object({
  /** epoch ms */
  time: Type.Number(),
  /** The shares the protocol held when this rate was measured. */
  shares: ResourceSharesSchema,
  usdPerHour: Type.Number(),
});
export type Observation = Static<typeof ObservationSchema>;

export const ProtocolInputSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  connected: Type.Boolean(),
  pinned: Type.Boolean(),
  limits: Type.Object({ cpu: MinMaxSchema, memory: MinMaxSchema, bandwidth: MinMaxSchema, storage: MinMaxSchema }),
  currentUsdPerHour: Type.Number(),
  /** Whether applying a change restarts the node (its downtime is the switching cost). */
  restartsOnChange: Type.Boolean(),
  /** History inside `optimizer.historyHours`, any order. */
  observations: Type.Array(ObservationSchema),
  /** What the protocol is paid for, its lags and minimums (default: an agnostic protocol). */
  profile: Type.Optional(Type.Unsafe<ProtocolProfile>(Type.Object({}))),
  /** Data stored, percent of the disk (storage nodes). */
  storedShare: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  /** How fast the data stored grew over the history, percent of the disk per day. */
  fillSharePerDay: Type.Optional(Type.Number({ minimum: 0 })),
  /**
   * Storage nodes: the extra fill (percent of the disk per day) each bandwidth share bought, measured on the node's
   * own history (a concave curve over the bandwidth share); absent where the fill did not answer bandwidth.
   */
  fillByBandwidth: Type.Optional(
    Type.Object({
      knots: Type.Array(Type.Number({ minimum: 0, maximum: 100 })),
      slopes: Type.Array(Type.Number({ minimum: 0 })),
      measured: Type.Tuple([Type.Number({ minimum: 0, maximum: 100 }), Type.Number({ minimum: 0, maximum: 100 })]),
    }),
  ),
  /**
   * Energy accounting on: USD/h of power each share point of a resource causes (power above idle, at the current
   * price). Rates and observations stay gross; the optimizer subtracts this cost as its own term, so it can give a
   * resource less when its marginal earnings are below its marginal power cost.
   */
  powerCostPerPoint: Type.Optional(PowerCostSchema),
});
export type ProtocolInput = Static<typeof ProtocolInputSchema>;

/** Everything a strategy needs; built by the reallocation engine from the coordinator's history and the config. */
export interface OptimizerInput {
  /** epoch ms, from the injected clock */
  time: number;
  current: Allocation;
  /** Host reserve, percent per resource: capacity for protocols is 100 - reserve. */
  reserve: ResourceShares;
  protocols: ProtocolInput[];
  policies: Policy[];
  settings: Config['optimizer'];
  /** Hours a new allocation is held (reallocation.minHoldMinutes / 60); the ROI horizon. Default 1. */
  holdHours?: number;
  /**
   * Protocols whose last move of what they earn is not readable yet (their reporting lag and cadence have not
   * passed since): a probe must not move what they earn, or it would walk blind. Default: none.
   */
  heldForReading?: string[];
  /**
   * Per protocol, the resources it is paid for that its last applied move cut while its reports cannot show that cut
   * yet: a plan may hold them or give them back, not cut them further (a cut walked faster than the reports is blind).
   * Default: none.
   */
  unreadCuts?: Record<string, Resource[]>;
}

export interface Strategy {
  readonly name: string;
  plan(input: OptimizerInput): Promise<Plan>;
}

export type Bounds = Record<string, Record<Resource, { lo: number; hi: number }>>;

const checkers = {
  allocation: TypeCompiler.Compile(AllocationSchema),
  shares: TypeCompiler.Compile(ResourceSharesSchema),
  protocol: TypeCompiler.Compile(ProtocolInputSchema),
  policy: TypeCompiler.Compile(PolicySchema),
};

/** Check an input at the edge (the engine builds it from config and history); errors name the field. */
export function validateOptimizerInput(input: OptimizerInput): void {
  const errors: FieldError[] = [];
  const check = (compiled: (typeof checkers)[keyof typeof checkers], value: unknown, path: string) => {
    // The compiled check is fast on thousands of observations; errors are only walked when it fails.
    if (compiled.Check(value)) return;
    for (const e of compiled.Errors(value)) errors.push({ path: `${path}${e.path.replaceAll('/', '.')}`, message: e.message });
  };
  check(checkers.allocation, input.current, 'current');
  check(checkers.shares, input.reserve, 'reserve');
  input.protocols.forEach((p, i) => {
    check(checkers.protocol, p, `protocols[${i}]`);
  });
  input.policies.forEach((p, i) => {
    check(checkers.policy, p, `policies[${i}]`);
  });
  const names = new Set<string>();
  input.protocols.forEach((p, i) => {
    if (names.has(p.name)) errors.push({ path: `protocols[${i}].name`, message: `duplicate protocol ${p.name}` });
    names.add(p.name);
  });
  if (errors.length > 0) throw new OrchaError('ORCHA_ERR_VALIDATION', 'Invalid optimizer input', errors);
}

export function capacityOf(input: Pick<OptimizerInput, 'reserve'>): ResourceShares {
  return protocolCapacity(input.reserve);
}

export function currentShares(input: Pick<OptimizerInput, 'current'>, protocol: string): ResourceShares {
  return input.current[protocol] ?? { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
}

/** True when policies forbid applying a reallocation at `time` (UTC hour listed in an enabled policy). */
export function isExcludedHour(input: Pick<OptimizerInput, 'time' | 'policies'>): boolean {
  const hour = new Date(input.time).getUTCHours();
  return input.policies.some((p) => p.enabled !== false && (p.excludedHours ?? []).includes(hour));
}

/** Protocols whose shares may not change: pinned in their config or by an enabled policy. */
export function pinnedProtocols(input: Pick<OptimizerInput, 'protocols' | 'policies'>): Set<string> {
  const pinned = new Set(input.protocols.filter((p) => p.pinned).map((p) => p.name));
  for (const policy of input.policies) if (policy.enabled !== false) for (const n of policy.pinned ?? []) pinned.add(n);
  return pinned;
}

const EPS = 1e-9;

/**
 * The enabled policies that hold a protocol below its current share (a rule's max under what it has), named with
 * their description: why a plan takes shares it would otherwise keep (the energy pause, say).
 */
export function bindingPolicyNote(input: Pick<OptimizerInput, 'policies' | 'current'>, protocol: string): string | undefined {
  const cur = currentShares(input, protocol);
  const binding = input.policies.filter(
    (p) =>
      p.enabled !== false &&
      (p.rules ?? []).some((rule) => rule.protocol === protocol && rule.max !== undefined && RESOURCES.some((r) => (rule.resource ?? r) === r && cur[r] > rule.max! + EPS)),
  );
  if (binding.length === 0) return undefined;
  return binding.map((p) => `held down by policy ${p.name}${p.description ? ` (${p.description})` : ''}`).join('; ');
}


/**
 * Per protocol and resource, the interval [lo, hi] its share may take. Protocol limits and the rules of enabled
 * policies intersect. A pinned protocol keeps its current shares (a pin wins over limits: it means "never touch").
 * A disconnected protocol may only lose share: hi is capped at its current share and a policy minimum cannot force
 * it to grow. Throws ORCHA_ERR_INFEASIBLE, naming the field, when an interval is empty or the minimums of a
 * resource exceed its capacity (100 - reserve).
 */
export function effectiveBounds(input: Pick<OptimizerInput, 'protocols' | 'policies' | 'current' | 'reserve'>): Bounds {
  const pinned = pinnedProtocols(input);
  const bounds: Bounds = {};
  const conflicts: FieldError[] = [];
  for (const p of input.protocols) {
    const cur = currentShares(input, p.name);
    const b = {} as Bounds[string];
    for (const r of RESOURCES) {
      let lo = p.limits[r].min;
      let hi = p.limits[r].max;
      for (const policy of input.policies) {
        if (policy.enabled === false) continue;
        for (const rule of policy.rules ?? []) {
          if (rule.protocol !== p.name || (rule.resource !== undefined && rule.resource !== r)) continue;
          if (rule.min !== undefined) lo = Math.max(lo, rule.min);
          if (rule.max !== undefined) hi = Math.min(hi, rule.max);
        }
      }
      if (pinned.has(p.name)) {
        lo = cur[r];
        hi = cur[r];
      } else if (!p.connected) {
        hi = Math.min(hi, cur[r]);
        lo = Math.min(lo, hi);
      }
      if (lo > hi + EPS) {
        conflicts.push({ path: `protocols.${p.name}.${r}`, message: `min ${lo} is above max ${hi}` });
        hi = lo;
      }
      b[r] = { lo, hi: Math.max(lo, hi) };
    }
    bounds[p.name] = b;
  }
  const cap = capacityOf(input);
  for (const r of RESOURCES) {
    const minimums = Object.values(bounds).reduce((sum, b) => sum + b[r].lo, 0);
    if (minimums > cap[r] + 1e-6) {
      conflicts.push({ path: `reserve.${r}`, message: `minimum shares ${round(minimums)} exceed capacity ${round(cap[r])}` });
    }
  }
  if (conflicts.length > 0) throw new OrchaError('ORCHA_ERR_INFEASIBLE', undefined, conflicts);
  return bounds;
}

/** USD/h of power a protocol's shares cause (0 without energy accounting). */
export function powerCostOf(protocol: Pick<ProtocolInput, 'powerCostPerPoint'> | undefined, shares: ResourceShares): number {
  const c = protocol?.powerCostPerPoint;
  return c ? RESOURCES.reduce((s, r) => s + c[r] * shares[r], 0) : 0;
}

/** The power cost per share point of each protocol that has one (energy accounting), for the allocation LP. */
export function powerCosts(input: Pick<OptimizerInput, 'protocols'>): Record<string, ResourceShares> | undefined {
  const entries = input.protocols.filter((p) => p.powerCostPerPoint).map((p) => [p.name, p.powerCostPerPoint!] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
