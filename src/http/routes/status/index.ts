import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { SystemStatusSchema } from '../../schemas/views.js';

const statusRoutes: RoutePlugin = (app, { services, websocketClients }) => {
  app.get(
    '/status',
    {
      config: role('viewer'),
      schema: {
        tags: ['system'],
        summary: 'Version, mode, coordinator and adapters (breakers), queue depth, WebSocket clients',
        response: { 200: apiSchema(SystemStatusSchema) },
      },
    },
    async () => toApi({ ...(await services.status()), websocketClients: websocketClients() }),
  );
};

export default statusRoutes;
