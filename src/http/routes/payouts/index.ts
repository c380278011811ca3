import { Type } from '@sinclair/typebox';
import { HostQuery, remoteScope } from '../../host-query.js';
import { IsoQuery, parseRange } from '../../query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { PayoutsSchema } from '../../schemas/views.js';

const YEAR_MS = 365 * 86_400_000;

const PayoutsQuery = Type.Object(
  {
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    protocol: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    host: HostQuery,
  },
  { additionalProperties: false },
);

const payoutsRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/payouts',
    {
      config: role('viewer'),
      schema: {
        operationId: 'listPayouts',
        tags: ['metrics'],
        summary: 'Payouts with their amounts, and what the network holds back',
        description:
          'With `host`, the payouts that host\'s agent sent with its samples (its own ledger found them; kept past `storage.retention.rawDays` like this machine\'s) and what its latest snapshot says is held back; an unknown host is a 404 naming it. Each payout the earnings ledger confirmed (a counter that fell and stayed down: a balance paid out, a month closed), newest first, with the tokens and their USD worth at that moment; default range: the last 365 days. `held`: what each node reports as held back (Storj), in its own unit.',
        querystring: PayoutsQuery,
        response: { 200: apiSchema(PayoutsSchema), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const range = parseRange(request.query, Date.now(), YEAR_MS);
      const query = { ...range, protocol: request.query.protocol, limit: request.query.limit };
      const remote = await remoteScope(request.query.host, deps);
      return toApi(remote ? await remote.reads.payouts(remote.host, query) : await services.payouts.list(query));
    },
  );
};

export default payoutsRoutes;
