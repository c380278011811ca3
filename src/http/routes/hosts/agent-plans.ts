/**
 * Decisions per host over HTTP, for agents only (their key opens these routes): an agent sends its planning settings
 * and gets the latest plan the control plane made for its host; later it reports what it did with it.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PlanSchema } from '../../../domain/plan.js';
import { REALLOCATION_STATUSES } from '../../../domain/reallocation.js';
import type { FleetService } from '../../../fleet/fleet.service.js';
import { PlanningContextSchema } from '../../../fleet/planning-context.js';
import { OrchaError } from '../../../lib/errors.js';

const HostPlanSchema = Type.Object({
  id: Type.String(),
  fence: Type.Integer({ description: "The fence of the lease it was made under: an agent ignores plans under a lower one than it saw." }),
  createdAt: Type.Integer({ description: 'epoch ms' }),
  plan: PlanSchema,
});

const HostRequestSchema = Type.Object({
  ...HostPlanSchema.properties,
  dryRun: Type.Boolean({ description: 'Decide and validate, apply nothing' }),
  operationId: Type.String(),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  requestedAt: Type.Integer({ description: 'epoch ms' }),
});
/** A request older than this is not sent any more (its operation has given up on it). */
const REQUEST_MAX_AGE_MS = 300_000;

const OutcomeSchema = Type.Object(
  {
    planId: Type.String({ minLength: 1, maxLength: 64 }),
    status: Type.Union(REALLOCATION_STATUSES.map((s) => Type.Literal(s))),
    reason: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
    reallocationId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    at: Type.Integer({ minimum: 0, description: 'epoch ms' }),
    measuredBeforeUsdPerHour: Type.Optional(
      Type.Union([Type.Number({ minimum: -1e9, maximum: 1e9 }), Type.Null()], { description: "The host's average earnings (USD/h) in the window before the reallocation, as its engine measured them" }),
    ),
    measuredAfterUsdPerHour: Type.Optional(
      Type.Union([Type.Number({ minimum: -1e9, maximum: 1e9 }), Type.Null()], { description: 'The same in the window after it (sent once that window has passed)' }),
    ),
  },
  { additionalProperties: false },
);

export async function agentPlanRoutes(app: FastifyInstance, opts: { fleet: FleetService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { fleet } = opts;
  const agentHost = async (request: FastifyRequest) => {
    const host = await fleet.authenticateAgent(request.headers.authorization);
    if (!host) throw new OrchaError('ORCHA_ERR_UNAUTHORIZED', 'A valid agent key is required (orcha host add prints one)');
    request.audit.target = `host:${host.name}`;
    request.audit.written = true;
    return host;
  };

  r.post(
    '/agent/plan',
    {
      config: { role: 'public', auditAction: 'agent.plan' },
      schema: {
        tags: ['fleet'],
        operationId: 'exchangeAgentPlan',
        summary: "An agent's planning settings in; the latest plan the control plane made for its host out",
        security: [{ bearer: [] }],
        body: Type.Object({ planning: PlanningContextSchema }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            plan: Type.Union([HostPlanSchema, Type.Null()]),
            request: Type.Optional(
              Type.Union([HostRequestSchema, Type.Null()], {
                description: "An operator's explicit request (POST reallocate?host=NAME): decide on its plan now, like a local manual request. Separate from `plan`, so an agent older than requests never sees it.",
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const host = await agentHost(request);
      const latest = await fleet.exchangePlan(host, request.body.planning);
      const asked = await fleet.pendingRequest(host, Date.now() - REQUEST_MAX_AGE_MS);
      return {
        plan: latest ? { id: latest.id, fence: latest.fence, createdAt: latest.createdAt, plan: latest.plan } : null,
        request: asked?.request ? { id: asked.id, fence: asked.fence, createdAt: asked.createdAt, plan: asked.plan, ...asked.request } : null,
      };
    },
  );

  r.post(
    '/agent/outcomes',
    {
      config: { role: 'public', auditAction: 'agent.outcomes' },
      schema: {
        tags: ['fleet'],
        operationId: 'reportAgentOutcomes',
        summary: 'What an agent did with plans of the control plane (applied, skipped, rolled back...)',
        security: [{ bearer: [] }],
        body: Type.Object({ outcomes: Type.Array(OutcomeSchema, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ recorded: Type.Integer() }) },
      },
    },
    async (request) => {
      const host = await agentHost(request);
      return { recorded: await fleet.reportOutcomes(host, request.body.outcomes) };
    },
  );
}
