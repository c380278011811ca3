import { Type } from '@sinclair/typebox';
import { sendCachedJson } from '../../cached-json.js';
import { HostQuery, remoteScope } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ApiOpportunity, ErrorSchema } from '../../schemas/common.js';

const opportunitiesRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/opportunities',
    {
      config: role('viewer'),
      schema: {
        tags: ['engine'],
        summary: 'Pairwise moves of a resource share between protocols, with projected gain, confidence and payback',
        description: "With `host`, the opportunities of the control plane's latest plan for that host (none before its first plan); an unknown host is a 404 naming it.",
        querystring: Type.Object({ host: HostQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ opportunities: Type.Array(ApiOpportunity) }), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const remote = await remoteScope(request.query.host, deps);
      if (remote) {
        return sendCachedJson(reply, services.cache, `opportunities:${remote.host.name}`, async () => ({
          opportunities: toApi(await remote.reads.opportunities(remote.host)),
        }));
      }
      return sendCachedJson(reply, services.cache, 'opportunities', async () => ({ opportunities: toApi(await services.engine.opportunities()) }));
    },
  );
};

export default opportunitiesRoutes;
