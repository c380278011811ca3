import { Type, type Static } from '@sinclair/typebox';
import { AllocationSchema, ResourceSchema } from './resources.js';

export const OpportunitySchema = Type.Object({
  resource: ResourceSchema,
  from: Type.String(),
  to: Type.String(),
  /** Share of the host resource to move, in percent points. */
  sharePercent: Type.Number(),
  gainUsdPerHour: Type.Number(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  /** Hours until the switching cost is paid back by the gain (null when there is no gain). */
  paybackHours: Type.Union([Type.Number(), Type.Null()]),
});
export type Opportunity = Static<typeof OpportunitySchema>;

export const PlanSchema = Type.Object({
  strategy: Type.String(),
  /** epoch ms */
  createdAt: Type.Number(),
  current: AllocationSchema,
  target: AllocationSchema,
  currentUsdPerHour: Type.Number(),
  projectedUsdPerHour: Type.Number(),
  improvementUsdPerHour: Type.Number(),
  improvementPercent: Type.Number(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  switchingCostUsd: Type.Number(),
  /** (gain over the hold period - switching cost) / switching cost; null when switching is free. */
  roi: Type.Union([Type.Number(), Type.Null()]),
  exploration: Type.Boolean(),
  /** Exploration plans: what the probe may cost, USD (switching cost plus the model's downside while it is read). */
  explorationCostUsd: Type.Optional(Type.Number()),
  /** Set when a rule, not a projected gain, makes this move (storage grown ahead of its data): no improvement gate. */
  rule: Type.Optional(Type.String()),
  /**
   * With energy accounting: USD/h of power the current and the target shares cause (above idle, at the current
   * price). The plan's rates are then net of it.
   */
  powerCostUsdPerHour: Type.Optional(Type.Number()),
  projectedPowerCostUsdPerHour: Type.Optional(Type.Number()),
  opportunities: Type.Array(OpportunitySchema),
  explanations: Type.Record(Type.String(), Type.String()),
  /**
   * Auto mode's record: the share of its models' projected gains that its judged moves delivered (1 without a record).
   * The improvement, the projected rate and each protocol's part are the model's times this share.
   */
  deliveredShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Each protocol's part of the projected change, USD/h (net of power with energy accounting); they sum to the improvement. */
  projectedDeltas: Type.Optional(Type.Record(Type.String(), Type.Number())),
});
export type Plan = Static<typeof PlanSchema>;
