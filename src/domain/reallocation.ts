import { Type, type Static } from '@sinclair/typebox';
import { AllocationSchema, ResourceSharesSchema } from './resources.js';

export const REALLOCATION_STATUSES = ['planned', 'applying', 'applied', 'skipped', 'failed', 'rolled_back', 'advisory'] as const;
export type ReallocationStatus = (typeof REALLOCATION_STATUSES)[number];
export const STEP_STATUSES = ['pending', 'applied', 'failed', 'rolled_back'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const ReallocationStepSchema = Type.Object({
  seq: Type.Integer({ minimum: 0 }),
  protocol: Type.String(),
  from: ResourceSharesSchema,
  to: ResourceSharesSchema,
  status: Type.Union(STEP_STATUSES.map((s) => Type.Literal(s))),
  error: Type.Union([Type.String(), Type.Null()]),
  appliedAt: Type.Union([Type.Number(), Type.Null()]),
});
export type ReallocationStep = Static<typeof ReallocationStepSchema>;

export const ReallocationSchema = Type.Object({
  id: Type.String(),
  status: Type.Union(REALLOCATION_STATUSES.map((s) => Type.Literal(s))),
  /** Why it was skipped, failed or rolled back. */
  reason: Type.Union([Type.String(), Type.Null()]),
  trigger: Type.Union([Type.Literal('loop'), Type.Literal('manual')]),
  dryRun: Type.Boolean(),
  exploration: Type.Boolean(),
  strategy: Type.String(),
  before: AllocationSchema,
  after: AllocationSchema,
  projectedImprovementUsdPerHour: Type.Number(),
  /** Each protocol's part of the projected change, USD/h (absent on decisions recorded before migration 012). */
  projectedDeltas: Type.Optional(Type.Record(Type.String(), Type.Number())),
  confidence: Type.Number(),
  steps: Type.Array(ReallocationStepSchema),
  /** Earnings per hour measured before and after, once enough samples are in. */
  measuredBeforeUsdPerHour: Type.Union([Type.Number(), Type.Null()]),
  measuredAfterUsdPerHour: Type.Union([Type.Number(), Type.Null()]),
  createdAt: Type.Number(),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
});
export type Reallocation = Static<typeof ReallocationSchema>;
