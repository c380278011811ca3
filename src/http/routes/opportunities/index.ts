import { Type } from '@sinclair/typebox';
import { sendCachedJson } from '../../cached-json.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ApiOpportunity } from '../../schemas/common.js';

const opportunitiesRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/opportunities',
    {
      config: role('viewer'),
      schema: {
        tags: ['engine'],
        summary: 'Pairwise moves of a resource share between protocols, with projected gain, confidence and payback',
        response: { 200: Type.Object({ opportunities: Type.Array(ApiOpportunity) }) },
      },
    },
    async (_request, reply) =>
      sendCachedJson(reply, services.cache, 'opportunities', async () => ({ opportunities: toApi(await services.engine.opportunities()) })),
  );
};

export default opportunitiesRoutes;
