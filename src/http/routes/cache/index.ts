import { Type } from '@sinclair/typebox';
import { type RoutePlugin, role } from '../../route-types.js';

const CacheStatsSchema = Type.Object({
  store: Type.Union([Type.Literal('memory'), Type.Literal('redis')]),
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
      schema: { tags: ['system'], summary: 'Empty the cache', response: { 200: Type.Object({ cleared: Type.Integer() }) } },
    },
    async () => ({ cleared: await services.cache.clear() }),
  );
};

export default cacheRoutes;
