import { Type } from '@sinclair/typebox';
import { OrchaError } from '../../../lib/errors.js';
import { HostQuery, remoteScope } from '../../host-query.js';
import { IsoQuery, parseRange } from '../../query.js';
import { type RoutePlugin, actorOf, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema, OperationAccepted } from '../../schemas/common.js';
import { ReportSchema } from '../../schemas/views.js';

/** Periods up to this long are answered directly; longer ones (or `async=true`) become an operation. */
export const DIRECT_REPORT_MAX_MS = 7 * 86_400_000;
/**
 * A fleet host's report is summed in the database (src/fleet/host-reads.ts) and always answered at once: 31 days of
 * 6 protocols at 5 s polls (3.2 M rows) take about 4 s on PostgreSQL.
 */
export const HOST_REPORT_MAX_MS = 31 * 86_400_000;

const ReportQuery = Type.Object(
  {
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    async: Type.Optional(Type.Boolean({ description: 'Always answer 202 with an operation id.' })),
    host: HostQuery,
  },
  { additionalProperties: false },
);

const reportsRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/reports',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Performance report for a period (default: the last 24 hours)',
        description: `Periods up to ${DIRECT_REPORT_MAX_MS / 86_400_000} days answer 200 with the report; longer ones answer 202 with an operation id (GET operations/{id}/result). With \`host\`, that host's report from its agent's samples and the outcomes of the control plane's plans for it (no \`energy\`; \`measuredGainUsdPerHour\` null: measured effects stay in the host's journal), answered at once for periods up to ${HOST_REPORT_MAX_MS / 86_400_000} days (400 beyond, or with \`async\`); an unknown host is a 404 naming it.`,
        querystring: ReportQuery,
        response: { 200: apiSchema(ReportSchema), 202: OperationAccepted, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const range = parseRange(request.query, Date.now(), 86_400_000);
      const remote = await remoteScope(request.query.host, deps);
      if (remote) {
        if (request.query.async || range.to - range.from > HOST_REPORT_MAX_MS) {
          const days = HOST_REPORT_MAX_MS / 86_400_000;
          throw new OrchaError('ORCHA_ERR_VALIDATION', `A report for fleet host "${remote.host.name}" is made at once, for at most ${days} days; ask for a shorter period`, [
            { path: request.query.async ? 'query.async' : 'query.from', message: `fleet hosts' reports are not operations: at most ${days} days, no async` },
          ]);
        }
        return toApi(await remote.reads.report(remote.host, range));
      }
      if (request.query.async || range.to - range.from > DIRECT_REPORT_MAX_MS) {
        const op = await services.operations.submit({ kind: 'report', params: range, priority: 'low', createdBy: actorOf(request) });
        reply.status(202).header('Location', `/api/v1/operations/${op.id}`);
        return { operationId: op.id, status: op.status };
      }
      return toApi(await services.reports.generate(range));
    },
  );
};

export default reportsRoutes;
