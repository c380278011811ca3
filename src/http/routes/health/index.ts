import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { HealthSchema } from '../../schemas/views.js';

const health = apiSchema(HealthSchema);

const healthRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/health',
    {
      config: role('public'),
      schema: {
        tags: ['system'],
        summary: 'Liveness and each dependency (database, adapters, executors, Redis); 503 when the database is down',
        response: { 200: health, 503: health },
      },
    },
    async (_request, reply) => {
      const report = await services.health();
      const databaseDown = report.checks.some((c) => c.kind === 'database' && c.status === 'down');
      reply.status(databaseDown ? 503 : 200);
      return toApi(report);
    },
  );
};

export default healthRoutes;
