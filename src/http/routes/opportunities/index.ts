import { Type } from '@sinclair/typebox';
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
    async () => {
      const opportunities = await services.cache.wrap('opportunities', () => services.engine.opportunities());
      return { opportunities: toApi(opportunities) } as never;
    },
  );
};

export default opportunitiesRoutes;
