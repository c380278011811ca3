import { Type } from '@sinclair/typebox';
import { OrchaError } from '../../../lib/errors.js';
import { sendCachedJson } from '../../cached-json.js';
import { IsoQuery, StepQuery, parseRange, parseStepMs } from '../../query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ApiSnapshot, ErrorSchema } from '../../schemas/common.js';
import { HistorySchema } from '../../schemas/views.js';

/** Points one history answer may hold, per series; a larger range needs a larger step. */
export const MAX_HISTORY_POINTS = 10_000;

const HistoryQuerySchema = Type.Object(
  {
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    protocol: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' })),
    step: Type.Optional(StepQuery),
  },
  { additionalProperties: false },
);

const metricsRoutes: RoutePlugin = (app, { services, config }) => {
  app.get(
    '/metrics',
    {
      config: role('viewer'),
      schema: {
        tags: ['metrics'],
        summary: 'The latest snapshot: every protocol\'s sample and the host totals',
        response: { 200: ApiSnapshot, 503: ErrorSchema },
      },
    },
    async () => {
      const snapshot = await services.metrics.latest();
      if (!snapshot) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'No snapshot has been taken yet');
      return toApi(snapshot) as never;
    },
  );

  app.get(
    '/metrics/history',
    {
      config: role('viewer'),
      schema: {
        tags: ['metrics'],
        summary: 'History by range, downsampled server-side to `step`',
        description: `Defaults to the last 24 hours. A range that would return more than ${MAX_HISTORY_POINTS} points per series is refused: pass a larger step.`,
        querystring: HistoryQuerySchema,
        response: { 200: apiSchema(HistorySchema), 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const range = parseRange(q, Date.now(), 24 * 3_600_000);
      const stepMs = q.step ? parseStepMs(q.step) : undefined;
      // Without a step, raw points arrive once per poll.
      const spacing = stepMs ?? config().intervals.poll * 1000;
      const points = Math.floor((range.to - range.from) / spacing) + 1;
      if (points > MAX_HISTORY_POINTS) {
        const needed = Math.ceil((range.to - range.from) / MAX_HISTORY_POINTS / 1000);
        throw new OrchaError('ORCHA_ERR_VALIDATION', `The range holds ${points} points; the limit is ${MAX_HISTORY_POINTS}`, [
          { path: 'query.step', message: `must be at least ${needed} seconds for this range` },
        ]);
      }
      const query = { ...range, stepMs, protocol: q.protocol };
      const key = `history:${range.from}:${range.to}:${stepMs ?? 'raw'}:${q.protocol ?? '*'}`;
      return sendCachedJson(reply, services.cache, key, async () => {
        const [pointsOut, protocols] = await Promise.all([services.metrics.history(query), services.metrics.protocolHistory(query)]);
        return toApi({
          ...range,
          stepSeconds: stepMs ? stepMs / 1000 : null,
          protocol: q.protocol ?? null,
          points: pointsOut,
          protocols,
        });
      }) as never;
    },
  );
};

export default metricsRoutes;
