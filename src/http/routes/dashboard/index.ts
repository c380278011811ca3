import { Type } from '@sinclair/typebox';
import { sendCachedJson } from '../../cached-json.js';
import { HostQuery, remoteScope } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { DashboardSchema } from '../../schemas/views.js';

const dashboardRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/dashboard',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Everything the dashboard shows at once (cached; cleared by each new snapshot)',
        description:
          "With `host`, the same for that fleet host: its agent's latest snapshot, its allocation and the control plane's plans for it, the alerts about it; `mode` is `unknown` (its agent does not report its reallocation mode). An unknown host is a 404 naming it.",
        querystring: Type.Object({ host: HostQuery }, { additionalProperties: false }),
        response: { 200: apiSchema(DashboardSchema), 404: ErrorSchema },
      },
    },
    // Cached as serialized JSON, so that a hit costs one lookup and a write.
    async (request, reply) => {
      const remote = await remoteScope(request.query.host, deps);
      if (remote) return sendCachedJson(reply, services.cache, `dashboard:${remote.host.name}`, async () => toApi(await remote.reads.dashboard(remote.host)));
      return sendCachedJson(reply, services.cache, 'dashboard', async () => toApi(await services.monitor.dashboard()));
    },
  );
};

export default dashboardRoutes;
