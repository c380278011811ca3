/**
 * The fleet's answers (GET /api/v1/fleet, GET /api/v1/hosts and each host): one schema each, used by the routes to
 * validate and serialize and imported type-only by the dashboard (web/src/server-types.ts), so both read one shape.
 */
import { type Static, Type } from '@sinclair/typebox';
import { REALLOCATION_STATUSES } from '../../domain/reallocation.js';
import { IsoTime } from '../routes/auth/schemas.js';
import { apiSchema } from './api-time.js';
import { ApiPlan } from './common.js';
import { SystemStatusSchema } from './views.js';

const NetUsdPerHour = Type.Union([Type.Number(), Type.Null()], {
  description: "Net of power cost, USD/h, at the host's latest energy point (GET energy?host=NAME); null when it accounts no energy.",
});

export const FleetHealthSchema = Type.Union([Type.Literal('ok'), Type.Literal('silent'), Type.Literal('never-seen'), Type.Literal('revoked')], {
  description: 'silent: nothing heard within fleet.silentAfter; never-seen: no snapshot or batch yet; revoked: its agent key is revoked.',
});

export const FleetRowSchema = Type.Object({
  name: Type.String(),
  local: Type.Boolean({ description: 'This machine (answers ?host=NAME from its own tables).' }),
  health: FleetHealthSchema,
  lastSeenAt: Type.Union([IsoTime, Type.Null()]),
  usdPerHour: Type.Union([Type.Number(), Type.Null()], { description: 'Earnings per hour in the latest snapshot.' }),
  netUsdPerHour: NetUsdPerHour,
  protocols: Type.Integer(),
  connected: Type.Integer(),
  agentVersion: Type.Union([Type.String(), Type.Null()]),
  openAlerts: Type.Integer({ description: 'Open and acknowledged alerts about this host.' }),
});

export const FleetSchema = Type.Object({
  generatedAt: IsoTime,
  totals: Type.Object({
    hosts: Type.Integer(),
    ok: Type.Integer(),
    silent: Type.Integer(),
    neverSeen: Type.Integer(),
    revoked: Type.Integer(),
    usdPerHour: Type.Number({ description: 'Sum of the latest USD/h of every host that is not revoked.' }),
    openAlerts: Type.Integer(),
  }),
  hosts: Type.Array(FleetRowSchema),
});

export const HostSpoolSchema = Type.Object({
  pending: Type.Integer({ description: 'Snapshots waiting in the agent spool at its last batch.' }),
  oldestAt: Type.Union([IsoTime, Type.Null()]),
  growingSince: Type.Union([IsoTime, Type.Null()], { description: 'Since when the count has kept growing; null when it shrank.' }),
  reportedAt: IsoTime,
});

/**
 * GET status: this machine's status, or with `?host=NAME` a fleet host's as its agent last reported it (the same
 * shape, its WebSocket clients 0: an agent serves none), with the host, when it was reported and its spool.
 */
export const StatusAnswerSchema = Type.Intersect([
  apiSchema(SystemStatusSchema),
  Type.Object({
    host: Type.Optional(Type.String({ description: 'The fleet host this status is of (absent: this machine, live).' })),
    reportedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the control plane received it from the agent, with a batch: how fresh it is.' })),
    spool: Type.Optional(Type.Union([HostSpoolSchema, Type.Null()], { description: 'Its agent spool as last reported (null: not reported).' })),
  }),
]);
export type StatusAnswer = Static<typeof StatusAnswerSchema>;

export const HostSchema = Type.Object({
  name: Type.String(),
  createdAt: IsoTime,
  lastSeenAt: Type.Union([IsoTime, Type.Null()]),
  health: Type.Union([Type.Literal('ok'), Type.Literal('silent'), Type.Literal('never-seen'), Type.Literal('revoked')], {
    description: 'silent: no batch within fleet.silentAfter; never-seen: no agent has reported yet.',
  }),
  agentVersion: Type.Union([Type.String(), Type.Null()]),
  spool: Type.Union([HostSpoolSchema, Type.Null()], { description: 'The agent spool as last reported (null: an agent before 0.2.0, or no batch yet).' }),
  usdPerHour: Type.Union([Type.Number(), Type.Null()], { description: 'Earnings per hour in the latest snapshot.' }),
  netUsdPerHour: NetUsdPerHour,
  protocols: Type.Integer(),
  connected: Type.Integer(),
  revokedAt: Type.Union([IsoTime, Type.Null()]),
  decidedBy: Type.Union(
    [
      Type.Object({
        replica: Type.String({ description: 'The control-plane replica (machine:pid:random) holding the lease.' }),
        fence: Type.Integer({ description: 'Grows at every change of replica; a stale replica cannot act under an old one.' }),
        until: IsoTime,
      }),
      Type.Null(),
    ],
    { description: "The replica that runs this host's decision loop (its lease); null when none holds it now." },
  ),
});

export const HostPlanSchema = Type.Object({
  id: Type.String(),
  createdAt: IsoTime,
  status: Type.Union(
    REALLOCATION_STATUSES.map((s) => Type.Literal(s)),
    { description: "planned: its agent has reported no outcome (yet; a newer plan replaces one it never took); else the status of the agent's reallocation." },
  ),
  projectedGainUsdPerHour: Type.Number({ description: "The plan's projected improvement, USD/h." }),
  plan: ApiPlan,
  outcome: Type.Union(
    [
      Type.Object({
        status: Type.String(),
        reason: Type.Union([Type.String(), Type.Null()]),
        reallocationId: Type.Union([Type.String(), Type.Null()], { description: "The reallocation's id in the host's own journal." }),
        reportedAt: IsoTime,
        measuredBeforeUsdPerHour: Type.Optional(
          Type.Union([Type.Number(), Type.Null()], { description: "The host's average earnings before the reallocation, as its engine measured them (once its agent reported them)." }),
        ),
        measuredAfterUsdPerHour: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'The same after it.' })),
      }),
      Type.Null(),
    ],
    { description: 'What the agent did with it, as it reported (null: nothing reported).' },
  ),
  request: Type.Optional(
    Type.Union(
      [
        Type.Object({
          operationId: Type.String(),
          dryRun: Type.Boolean(),
          requestedBy: Type.Union([Type.String(), Type.Null()]),
          requestedAt: IsoTime,
        }),
        Type.Null(),
      ],
      { description: "The operator's request it answers (POST reallocate?host=NAME; its agent decides on it even in advisory mode); null for the control plane's own plans." },
    ),
  ),
  decidedBy: Type.Object(
    {
      strategy: Type.String({ description: 'The optimizer strategy that made it.' }),
      fence: Type.Integer({ description: "The fence of the host's decision lease it was made under." }),
      replica: Type.Union([Type.String(), Type.Null()], {
        description: 'The control-plane replica that made it (plans stored before this was recorded: the lease holder while it still holds that fence, else null).',
      }),
    },
    { description: "The control plane decided: the host's lease holder, under this fence." },
  ),
});

export const HostPlansSchema = Type.Object({
  host: Type.String(),
  total: Type.Integer({ description: 'Plans matching the query (all pages).' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  plans: Type.Array(HostPlanSchema, { description: 'Newest first.' }),
});

/** GET /api/v1/hosts/{name}/plans as it arrives. */
export type HostPlansAnswer = Static<typeof HostPlansSchema>;
/** GET /api/v1/fleet as it arrives (times are ISO strings already). */
export type FleetAnswer = Static<typeof FleetSchema>;
/** One host of GET /api/v1/hosts as it arrives. */
export type HostAnswer = Static<typeof HostSchema>;
