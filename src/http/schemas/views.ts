import { type Static, Type } from '@sinclair/typebox';
import { AdapterStatusSchema } from '../../domain/adapter-status.js';
import { AlertSchema } from '../../domain/alert.js';
import { LoopStatusSchema } from '../../domain/loop-status.js';
import { PRIORITIES } from '../../domain/operation.js';
import { HeldAmountSchema, PayoutSchema } from '../../domain/payout.js';
import { OpportunitySchema, PlanSchema } from '../../domain/plan.js';
import { ReallocationSchema } from '../../domain/reallocation.js';
import { AllocationSchema } from '../../domain/resources.js';
import { SnapshotSchema } from '../../domain/sample.js';
import { EnergyReportSchema } from '../../energy/views.js';

/** Energy accounting's answers (GET energy, energy/history), here so the dashboard can import their types. */
export type { EnergyHistoryView, EnergyView } from '../../energy/views.js';

/**
 * Shapes the HTTP layer composes from several services. Written with epoch-ms times like the domain; routes
 * publish them through `apiSchema` / `toApi` (ISO strings).
 */
const Nullable = <T extends ReturnType<typeof Type.Number>>(s: T) => Type.Union([s, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export { type AdapterStatus, AdapterStatusSchema, BREAKER_STATES } from '../../domain/adapter-status.js';

export const CoordinatorStatusSchema = Type.Object(
  {
    running: Type.Boolean(),
    lastPollAt: Nullable(Type.Number()),
    polls: Type.Integer({ minimum: 0 }),
    adapters: Type.Array(AdapterStatusSchema),
  },
  { additionalProperties: true },
);
export type CoordinatorStatus = Static<typeof CoordinatorStatusSchema>;

export const QueueDepthSchema = Type.Object({
  pending: Type.Integer(),
  processing: Type.Integer(),
  capacity: Type.Integer(),
  byPriority: Type.Object(Object.fromEntries(PRIORITIES.map((p) => [p, Type.Integer()]))),
});

export const SystemStatusSchema = Type.Object({
  version: Type.String(),
  startedAt: Type.Number(),
  uptimeSeconds: Type.Number(),
  mode: Type.String(),
  strategy: Type.String(),
  coordinator: CoordinatorStatusSchema,
  queue: QueueDepthSchema,
  websocketClients: Type.Integer(),
  lastPlanAt: Nullable(Type.Number()),
  simulated: Type.Optional(Type.Boolean({ description: 'The nodes are the built-in simulators (demo), not real ones.' })),
  loops: Type.Optional(
    Type.Array(LoopStatusSchema, { description: "The daemon's loops (analyze, decide, retention); the coordinator's polls are coordinator.lastPollAt and polls." }),
  ),
});
export type SystemStatus = Static<typeof SystemStatusSchema>;

export const HEALTH_KINDS = ['database', 'adapter', 'executor', 'redis', 'loop'] as const;
export const HealthCheckSchema = Type.Object({
  name: Type.String(),
  kind: Type.Union(HEALTH_KINDS.map((k) => Type.Literal(k))),
  status: Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down')]),
  latencyMs: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String()),
});
export type HealthCheck = Static<typeof HealthCheckSchema>;

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  time: Type.Number(),
  uptimeSeconds: Type.Number(),
  checks: Type.Array(HealthCheckSchema),
});
export type Health = Static<typeof HealthSchema>;

export const AllocationViewSchema = Type.Object({
  current: AllocationSchema,
  /** The optimizer's target, null until it has produced a plan. */
  optimal: Type.Union([AllocationSchema, Type.Null()]),
  plan: Type.Union([PlanSchema, Type.Null()]),
});
export type AllocationView = Static<typeof AllocationViewSchema>;

export const DashboardSchema = Type.Object({
  time: Type.Number(),
  totalUsdPerHour: Type.Number(),
  mode: Type.String(),
  snapshot: Type.Union([SnapshotSchema, Type.Null()]),
  allocation: AllocationViewSchema,
  opportunities: Type.Array(OpportunitySchema),
  alerts: Type.Array(AlertSchema),
  reallocations: Type.Array(ReallocationSchema),
});
export type Dashboard = Static<typeof DashboardSchema>;

export const ReportSchema = Type.Object(
  {
    from: Type.Number(),
    to: Type.Number(),
    generatedAt: Type.Number(),
    totalUsd: Type.Number(),
    protocols: Type.Array(
      Type.Object(
        {
          protocol: Type.String(),
          token: Type.String(),
          usd: Type.Number(),
          tokens: Type.Number(),
          payoutEvents: Type.Integer(),
          uptime: Nullable(Type.Number()),
        },
        { additionalProperties: true },
      ),
    ),
    reallocations: Type.Object(
      {
        total: Type.Integer(),
        applied: Type.Integer(),
        failed: Type.Integer(),
        rolledBack: Type.Integer(),
        measuredGainUsdPerHour: Nullable(Type.Number()),
      },
      { additionalProperties: true },
    ),
    trend: Type.Object(
      {
        firstHalfUsdPerHour: Type.Number(),
        secondHalfUsdPerHour: Type.Number(),
        changePercent: Nullable(Type.Number()),
      },
      { additionalProperties: true },
    ),
    /** Power cost and net earnings per protocol over the period, when energy accounting is on. */
    energy: Type.Optional(EnergyReportSchema),
  },
  { additionalProperties: true },
);
export type Report = Static<typeof ReportSchema>;

export const SnapshotPointSchema = Type.Object({
  time: Type.Number(),
  totalUsdPerHour: Type.Number(),
  cpuPercent: Type.Number(),
  memoryPercent: Type.Number(),
  bandwidthPercent: Type.Number(),
  storagePercent: Type.Number(),
});

export const ProtocolPointSchema = Type.Object({
  time: Type.Number(),
  protocol: Type.String(),
  usdPerHour: Type.Number(),
  earnedUsd: Type.Number(),
  earnedTokens: Type.Number(),
  connected: Type.Number(),
  uptime: Type.Number(),
  /** null: not measured in the bucket (the protocol has no container to read stats from) */
  cpuPercent: Nullable(Type.Number()),
  memoryBytes: Nullable(Type.Number()),
  bandwidthBytesPerSec: Nullable(Type.Number()),
  storageBytes: Type.Number(),
  allocCpu: Type.Number(),
  allocMemory: Type.Number(),
  allocBandwidth: Type.Number(),
  allocStorage: Type.Number(),
  samples: Type.Number(),
  // With `net=true`: power attributed to the protocol, its cost and the net rate (null where no energy was accounted).
  powerWatts: Type.Optional(Nullable(Type.Number())),
  powerCostUsdPerHour: Type.Optional(Nullable(Type.Number())),
  netUsdPerHour: Type.Optional(Nullable(Type.Number())),
  powerEstimated: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});

export const HistorySchema = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  stepSeconds: Nullable(Type.Number()),
  protocol: NullableString,
  points: Type.Array(SnapshotPointSchema),
  protocols: Type.Array(ProtocolPointSchema),
});
export type History = Static<typeof HistorySchema>;

/** `GET payouts`: payouts with their amounts, newest first, and the amounts the nodes report as held back. */
export const PayoutsSchema = Type.Object({
  payouts: Type.Array(PayoutSchema),
  held: Type.Array(HeldAmountSchema),
});
export type Payouts = Static<typeof PayoutsSchema>;
