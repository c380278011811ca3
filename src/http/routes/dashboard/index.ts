import { sendCachedJson } from '../../cached-json.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { DashboardSchema } from '../../schemas/views.js';

const dashboardRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/dashboard',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Everything the dashboard shows at once (cached; cleared by each new snapshot)',
        response: { 200: apiSchema(DashboardSchema) },
      },
    },
    // Cached as serialized JSON, so that a hit costs one lookup and a write.
    async (_request, reply) => sendCachedJson(reply, services.cache, 'dashboard', async () => toApi(await services.monitor.dashboard())),
  );
};

export default dashboardRoutes;
