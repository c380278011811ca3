import { Type } from '@sinclair/typebox';
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
  },
  { additionalProperties: false },
);

const payoutsRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/payouts',
    {
      config: role('viewer'),
      schema: {
        operationId: 'listPayouts',
        tags: ['metrics'],
        summary: 'Payouts with their amounts, and what the network holds back',
        description:
          'Each payout the earnings ledger confirmed (a counter that fell and stayed down: a balance paid out, a month closed), newest first, with the tokens and their USD worth at that moment; default range: the last 365 days. `held`: what each node reports as held back (Storj), in its own unit.',
        querystring: PayoutsQuery,
        response: { 200: apiSchema(PayoutsSchema), 400: ErrorSchema },
      },
    },
    async (request) => {
      const range = parseRange(request.query, Date.now(), YEAR_MS);
      return toApi(await services.payouts.list({ ...range, protocol: request.query.protocol, limit: request.query.limit }));
    },
  );
};

export default payoutsRoutes;
