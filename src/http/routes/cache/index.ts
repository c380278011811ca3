import { Type } from '@sinclair/typebox';
import { type RoutePlugin, role } from '../../route-types.js';
import { ErrorSchema } from '../../schemas/common.js';

const CacheStatsSchema = Type.Object({
  store: Type.Union([Type.Literal('memory'), Type.Literal('redis')]),
  available: Type.Boolean({ description: 'False while the store (Redis) is unreachable: reads are answered uncached.' }),
  hits: Type.Integer(),
  misses: Type.Integer(),
  size: Type.Integer(),
  maxEntries: Type.Union([Type.Integer(), Type.Null()]),
  ttlSeconds: Type.Number(),
});

const cacheRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/cache/stats',
    { config: role('viewer'), schema: { tags: ['system'], summary: 'Cache hits, misses and size', response: { 200: CacheStatsSchema } } },
    async () => services.cache.stats(),
  );

  app.post(
    '/cache/clear',
    {
      config: role('operator'),
      schema: {
        tags: ['system'],
        summary: 'Empty the cache (503 while its Redis store is unreachable)',
        response: { 200: Type.Object({ cleared: Type.Integer() }), 503: ErrorSchema },
      },
    },
    async () => ({ cleared: await services.cache.clear() }),
  );
};

export default cacheRoutes;
