import { Type } from '@sinclair/typebox';
import { sendCachedJson } from '../../cached-json.js';
import { HostQuery, remoteScope } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { AllocationViewSchema } from '../../schemas/views.js';

const allocationRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/allocation',
    {
      config: role('viewer'),
      schema: {
        tags: ['engine'],
        summary: 'Current and optimal allocation side by side, with the plan behind the optimal one',
        description:
          "With `host`, that host's allocation: `current` as its agent last reported it, `optimal` and `plan` the control plane's latest plan for it (null before the first); an unknown host is a 404 naming it.",
        querystring: Type.Object({ host: HostQuery }, { additionalProperties: false }),
        response: { 200: apiSchema(AllocationViewSchema), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const remote = await remoteScope(request.query.host, deps);
      if (remote) return sendCachedJson(reply, services.cache, `allocation:${remote.host.name}`, async () => toApi(await remote.reads.allocation(remote.host)));
      return sendCachedJson(reply, services.cache, 'allocation', async () => toApi(await services.engine.allocation()));
    },
  );
};

export default allocationRoutes;
