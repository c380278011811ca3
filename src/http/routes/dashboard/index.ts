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
    // Cached in its API form so that a hit costs one lookup and the serializer.
    async () => services.cache.wrap('dashboard', async () => toApi(await services.monitor.dashboard())) as never,
  );
};

export default dashboardRoutes;
