import { Type } from '@sinclair/typebox';
import { OrchaError } from '../../../lib/errors.js';
import { hostQuery, remoteHost } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { SystemStatusSchema } from '../../schemas/views.js';

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
              "This machine's name or none: the daemon's own status. A fleet host is a 400 that says where its figures are (its adapters, breakers and queue stay on its agent); an unknown one a 404.",
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: apiSchema(SystemStatusSchema), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const remote = await remoteHost(request.query.host, config(), fleet);
      if (remote) {
        throw new OrchaError(
          'ORCHA_ERR_VALIDATION',
          `GET status is this server's own; host "${remote.name}"'s adapters, breakers and queue stay on its agent: see GET hosts (health, last seen, agent version) and GET metrics?host=${remote.name}`,
          [{ path: 'query.host', message: "status is this server's only (omit host)" }],
        );
      }
      return toApi({ ...(await services.status()), websocketClients: websocketClients() });
    },
  );
};

export default statusRoutes;
