import { sendCachedJson } from '../../cached-json.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { AllocationViewSchema } from '../../schemas/views.js';

const allocationRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/allocation',
    {
      config: role('viewer'),
      schema: {
        tags: ['engine'],
        summary: 'Current and optimal allocation side by side, with the plan behind the optimal one',
        response: { 200: apiSchema(AllocationViewSchema) },
      },
    },
    async (_request, reply) => sendCachedJson(reply, services.cache, 'allocation', async () => toApi(await services.engine.allocation())),
  );
};

export default allocationRoutes;
