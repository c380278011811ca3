/**
 * The fleet over HTTP: hosts (admin creates and revokes, viewers list), each remote host's latest snapshot and
 * history, and the agents' ingest route, which only an agent key opens (`Authorization: Bearer orcha-agent_...`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AgentStatusSchema } from '../../../domain/agent-status.js';
import { SnapshotSchema } from '../../../domain/sample.js';
import { EnergyPointSchema } from '../../../energy/energy-point.js';
import { type FleetService, HOST_NAME_PATTERN, type HostView } from '../../../fleet/fleet.service.js';
import { OrchaError } from '../../../lib/errors.js';
import { iso } from '../auth/schemas.js';
import { HostSchema } from '../../schemas/fleet.js';
import type { HostReads } from '../../../fleet/host-reads.js';
import { agentPlanRoutes } from './agent-plans.js';
import { hostPlanRoutes } from './host-plans.js';

/** At most this many snapshots per batch (an hour of 5 s polls is 720). */
export const MAX_BATCH_SNAPSHOTS = 1000;
/** At most this many energy points per batch (agents send up to as many as snapshots; one a minute by default). */
export const MAX_BATCH_ENERGY_POINTS = 1000;
/** Bodies of the ingest route may be larger than the API's default limit. */
const INGEST_BODY_LIMIT = 16 * 1024 * 1024;
const DAY_MS = 86_400_000;
const MAX_POINTS = 10_000;

const HostNameSchema = Type.String({ pattern: HOST_NAME_PATTERN, maxLength: 63, description: 'The host name given at `orcha host add`.' });
const HostParams = Type.Object({ name: HostNameSchema });

const show = (h: HostView) => ({
  ...h,
  createdAt: iso(h.createdAt),
  lastSeenAt: h.lastSeenAt === null ? null : iso(h.lastSeenAt),
  revokedAt: h.revokedAt === null ? null : iso(h.revokedAt),
  decidedBy: h.decidedBy === null ? null : { ...h.decidedBy, until: iso(h.decidedBy.until) },
  spool:
    h.spool === null
      ? null
      : {
          pending: h.spool.pending,
          oldestAt: h.spool.oldestAt === null ? null : iso(h.spool.oldestAt),
          growingSince: h.spool.growingSince === null ? null : iso(h.spool.growingSince),
          reportedAt: iso(h.spool.reportedAt),
        },
});

const BatchSchema = Type.Object(
  {
    batchId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'Chosen by the agent; a batch sent again is stored once.' }),
    agentVersion: Type.String({ minLength: 1, maxLength: 64 }),
    snapshots: Type.Array(SnapshotSchema, {
      maxItems: MAX_BATCH_SNAPSHOTS,
      description: 'The snapshots; empty only when the batch carries energy points alone.',
    }),
    energy: Type.Optional(
      Type.Array(EnergyPointSchema, {
        maxItems: MAX_BATCH_ENERGY_POINTS,
        description:
          "Points of the host's energy accounting (agents whose config enables `energy`): its power, tariff price, power cost and net per protocol as the agent computed them. Stored once per host and time: GET energy?host=NAME answers from them.",
      }),
    ),
    spool: Type.Optional(
      Type.Object(
        {
          pending: Type.Integer({ minimum: 0, maximum: 1e9, description: 'Snapshots waiting in the spool, this batch included.' }),
          oldestAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Time (epoch ms) of the oldest waiting snapshot.' }),
        },
        { additionalProperties: false, description: "The agent's spool when it sent the batch (agents since 0.2.0); agent_spool_growing reads it." },
      ),
    ),
    status: Type.Optional(AgentStatusSchema),
  },
  { additionalProperties: false },
);

const HistoryQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    step: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'Bucket width, seconds.' })),
  },
  { additionalProperties: false },
);

export async function hostsRoutes(app: FastifyInstance, opts: { fleet: FleetService; hostReads?: HostReads }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { fleet } = opts;
  await agentPlanRoutes(app, opts);
  if (opts.hostReads) await hostPlanRoutes(app, { fleet, hostReads: opts.hostReads });

  r.get(
    '/hosts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['fleet'],
        operationId: 'listHosts',
        summary: 'Every host of the fleet: last seen, health, agent version, earnings per hour',
        response: { 200: Type.Object({ hosts: Type.Array(HostSchema) }) },
      },
    },
    async () => ({ hosts: (await fleet.listHosts()).map(show) }),
  );

  r.post(
    '/hosts',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['fleet'],
        operationId: 'addHost',
        summary: "Create a host; the answer is the only time its agent key is shown",
        body: Type.Object({ name: HostNameSchema }, { additionalProperties: false }),
        response: { 201: Type.Composite([HostSchema, Type.Object({ key: Type.String({ description: 'The agent key. Shown once.' }) })]) },
      },
    },
    async (request, reply) => {
      const { host, key } = await fleet.addHost(request.body.name, request.principal?.name ?? null);
      request.audit.target = `host:${host.name}`;
      return reply.code(201).send({ ...show(host), key });
    },
  );

  r.delete(
    '/hosts/:name',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['fleet'],
        operationId: 'revokeHost',
        summary: "Revoke a host's agent key (its data stays)",
        params: HostParams,
        response: { 200: HostSchema },
      },
    },
    async (request) => {
      request.audit.target = `host:${request.params.name}`;
      return show(await fleet.revokeHost(request.params.name));
    },
  );

  r.get(
    '/hosts/:name/metrics',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['fleet'],
        operationId: 'getHostMetrics',
        summary: "A remote host's latest snapshot, as its agent sent it",
        params: HostParams,
        response: { 200: Type.Object({ host: Type.String(), snapshot: Type.Union([SnapshotSchema, Type.Null()]) }) },
      },
    },
    async (request) => ({ host: request.params.name, snapshot: await fleet.latest(request.params.name) }),
  );

  r.get(
    '/hosts/:name/metrics/history',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['fleet'],
        operationId: 'getHostMetricsHistory',
        summary: "A remote host's snapshot history (default: the last 24 h at a step that fits 10,000 points)",
        params: HostParams,
        querystring: HistoryQuery,
      },
    },
    async (request) => {
      const q = request.query;
      const to = q.to ? Date.parse(q.to) : Date.now();
      const from = q.from ? Date.parse(q.from) : to - DAY_MS;
      if (!(from < to)) throw new OrchaError('ORCHA_ERR_VALIDATION', 'from must be before to', [{ path: 'query.from', message: 'must be before to' }]);
      const minStep = Math.ceil((to - from) / MAX_POINTS / 1000);
      if (q.step !== undefined && q.step < minStep) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', `The range needs a step of at least ${minStep} s`, [
          { path: 'query.step', message: `at least ${minStep} for this range (10,000 points at most)` },
        ]);
      }
      const step = q.step ?? Math.max(minStep, 5);
      const host = await fleet.host(request.params.name);
      const { points } = await fleet.history(host, { from, to, stepMs: step * 1000 });
      return { host: host.name, from: iso(from), to: iso(to), step, points: points.map((p) => ({ ...p, time: iso(p.time) })) };
    },
  );

  r.post(
    '/agent/batches',
    {
      bodyLimit: INGEST_BODY_LIMIT,
      // Public for the user-token check; the agent key is checked below (it opens this route only).
      config: { role: 'public', auditAction: 'agent.batch' },
      schema: {
        tags: ['fleet'],
        operationId: 'ingestAgentBatch',
        summary: "An agent's batch of snapshots and energy points; idempotent by batchId",
        security: [{ bearer: [] }],
        body: BatchSchema,
        response: {
          200: Type.Object({
            result: Type.Union([Type.Literal('stored'), Type.Literal('duplicate')]),
            batchId: Type.String(),
            snapshots: Type.Integer(),
            expired: Type.Integer({
              minimum: 0,
              description: "Snapshots of the batch older than the host's retention horizon (hours already rolled up): not stored; the agent drops them from its spool.",
            }),
          }),
        },
      },
    },
    async (request) => {
      const host = await fleet.authenticateAgent(request.headers.authorization);
      if (!host) throw new OrchaError('ORCHA_ERR_UNAUTHORIZED', 'A valid agent key is required (orcha host add prints one)');
      request.audit.target = `host:${host.name}`;
      if (request.body.snapshots.length === 0 && (request.body.energy ?? []).length === 0) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', 'The batch is empty', [{ path: 'body.snapshots', message: 'must hold a snapshot (or energy a point)' }]);
      }
      const { result, snapshots, expired } = await fleet.ingest(host, request.body);
      // Routine data, not a change: accepted batches are not audited (refused ones are, like every refused call).
      request.audit.written = true;
      return { result, batchId: request.body.batchId, snapshots, expired };
    },
  );
}
