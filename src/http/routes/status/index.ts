import { Type } from '@sinclair/typebox';
import type { HostSpool } from '../../../store/repositories/fleet.repository.js';
import { OrchaError } from '../../../lib/errors.js';
import { hostQuery, remoteHost } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { StatusAnswerSchema } from '../../schemas/fleet.js';
import { iso } from '../auth/schemas.js';

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const spoolOf = (s: HostSpool | null) =>
  s === null ? null : { pending: s.pending, oldestAt: isoOrNull(s.oldestAt), growingSince: isoOrNull(s.growingSince), reportedAt: iso(s.reportedAt) };

const statusRoutes: RoutePlugin = (app, { services, websocketClients, config, fleet }) => {
  app.get(
    '/status',
    {
      config: role('viewer'),
      schema: {
        tags: ['system'],
        summary: 'Version, mode, coordinator and adapters (breakers), queue depth, WebSocket clients',
        querystring: Type.Object(
          {
            host: hostQuery(
              "This machine's name or none: the daemon's own status, live. A fleet host: its daemon as its agent last reported it with a batch (reportedAt says when), 404 when its agent never did (agents before 0.3.0); an unknown host a 404.",
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: StatusAnswerSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const remote = await remoteHost(request.query.host, config(), fleet);
      if (remote && fleet) {
        const reported = await fleet.agentStatus(remote);
        if (!reported) {
          throw new OrchaError(
            'ORCHA_ERR_NOT_FOUND',
            `Host "${remote.name}"'s agent has not reported its status (agents since 0.3.0 send it with their batches); GET metrics?host=${remote.name} has its latest snapshot`,
          );
        }
        return {
          ...toApi({ ...reported.status, websocketClients: 0 }),
          host: remote.name,
          reportedAt: iso(reported.reportedAt),
          spool: spoolOf(remote.spool),
        };
      }
      return toApi({ ...(await services.status()), websocketClients: websocketClients() });
    },
  );
};

export default statusRoutes;
