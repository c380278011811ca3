import { Type } from '@sinclair/typebox';
import { EnergyViewSchema } from '../../../energy/views.js';
import { OrchaError } from '../../../lib/errors.js';
import { sendCachedJson } from '../../cached-json.js';
import { HostQuery, remoteHost } from '../../host-query.js';
import { IsoQuery, StepQuery, parseRange, parseStepMs } from '../../query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ApiSnapshot, ErrorSchema } from '../../schemas/common.js';
import { HistorySchema } from '../../schemas/views.js';

/** Points one history answer may hold, per series; a larger range needs a larger step. */
export const MAX_HISTORY_POINTS = 10_000;

/** Steps a client is given when it names none, smallest first (seconds). */
const NICE_STEPS_S = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** No step asked: raw points (undefined) when they fit, else the smallest nice step that fits the point limit. */
export function stepToFit(spanMs: number, pollMs: number): number | undefined {
  if (Math.floor(spanMs / pollMs) + 1 <= MAX_HISTORY_POINTS) return undefined;
  const minimumS = spanMs / (MAX_HISTORY_POINTS - 1) / 1000;
  const nice = NICE_STEPS_S.find((s) => s >= minimumS);
  return (nice ?? Math.ceil(minimumS / 86_400) * 86_400) * 1000;
}

const HistoryQuerySchema = Type.Object(
  {
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    protocol: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' })),
    step: Type.Optional(StepQuery),
    net: Type.Optional(Type.Boolean({ description: 'Add power, power cost and net (USD/h) to every protocol point.' })),
    host: HostQuery,
  },
  { additionalProperties: false },
);

const NO_NET = { powerWatts: null, powerCostUsdPerHour: null, netUsdPerHour: null, powerEstimated: null };

/** The snapshot, plus the energy figures (net earnings) when energy accounting is on. */
const MetricsAnswer = Type.Intersect([ApiSnapshot, Type.Object({ energy: Type.Optional(apiSchema(EnergyViewSchema)) })]);

const MetricsQuerySchema = Type.Object({ host: HostQuery }, { additionalProperties: false });

const metricsRoutes: RoutePlugin = (app, { services, config, fleet, hostEnergy }) => {
  app.get(
    '/metrics',
    {
      config: role('viewer'),
      schema: {
        tags: ['metrics'],
        summary: 'The latest snapshot: every protocol\'s sample and the host totals',
        description:
          'With energy accounting on, `energy` adds power, power cost and net earnings (gross - power cost) per protocol, USD/h; `energy.estimated` says when they come from declared watts. With `host`, the latest snapshot that host\'s agent sent, with `energy` at the latest point its agent sent when it sends them; an unknown host is a 404 naming it.',
        querystring: MetricsQuerySchema,
        response: { 200: MetricsAnswer, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request) => {
      const remote = await remoteHost(request.query.host, config(), fleet);
      if (remote) {
        const latest = await fleet!.latest(remote.name);
        if (!latest) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', `Host "${remote.name}" has sent no snapshot yet`);
        const energy = await hostEnergy?.latest(remote);
        return toApi(energy ? { ...latest, energy } : latest);
      }
      const snapshot = await services.metrics.latest();
      if (!snapshot) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'No snapshot has been taken yet');
      const energy = config().energy.enabled ? services.energy?.current() : null;
      return toApi(energy ? { ...snapshot, energy } : snapshot);
    },
  );

  app.get(
    '/metrics/history',
    {
      config: role('viewer'),
      schema: {
        tags: ['metrics'],
        summary: 'History by range, downsampled server-side to `step`',
        description: `Defaults to the last 24 hours. With \`net=true\`, each protocol point also has powerWatts, powerCostUsdPerHour, netUsdPerHour (usdPerHour minus that cost) and powerEstimated, from the stored energy points (null where none covers it). Without \`step\`, raw points when they fit in ${MAX_HISTORY_POINTS} per series, else the smallest step that fits (the answer's \`stepSeconds\` says which). An explicit step that would return more than ${MAX_HISTORY_POINTS} points is refused, naming the minimum. With \`host\`, the history that host's agent sent, in the same shape (no energy figures: \`net=true\` gives nulls); an unknown host is a 404 naming it.`,
        querystring: HistoryQuerySchema,
        response: { 200: apiSchema(HistorySchema), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const remote = await remoteHost(q.host, config(), fleet);
      const range = parseRange(q, Date.now(), 24 * 3_600_000);
      const spanMs = range.to - range.from;
      let stepMs: number | undefined;
      if (q.step) {
        stepMs = parseStepMs(q.step);
        const points = Math.floor(spanMs / stepMs) + 1;
        if (points > MAX_HISTORY_POINTS) {
          const needed = Math.ceil(spanMs / (MAX_HISTORY_POINTS - 1) / 1000);
          throw new OrchaError('ORCHA_ERR_VALIDATION', `The range holds ${points} points at this step; the limit is ${MAX_HISTORY_POINTS}`, [
            { path: 'query.step', message: `must be at least ${needed} seconds for this range` },
          ]);
        }
      } else {
        // Without a step, raw points arrive once per poll; when they would not fit, the answer is downsampled.
        stepMs = stepToFit(spanMs, config().intervals.poll * 1000);
      }
      const query = { ...range, stepMs, protocol: q.protocol };
      const key = `history:${remote ? `${remote.name}:` : ''}${range.from}:${range.to}:${stepMs ?? 'raw'}:${q.protocol ?? '*'}${q.net ? ':net' : ''}`;
      return sendCachedJson(reply, services.cache, key, async () => {
        if (remote) {
          const { points, protocols } = await fleet!.fullHistory(remote, query);
          const answer = { ...range, stepSeconds: stepMs ? stepMs / 1000 : null, protocol: q.protocol ?? null, points };
          if (!q.net) return toApi({ ...answer, protocols });
          const net = hostEnergy ? await hostEnergy.netHistory(remote, protocols, query) : protocols.map((p) => ({ ...p, ...NO_NET }));
          return toApi({ ...answer, protocols: net });
        }
        const [pointsOut, gross] = await Promise.all([services.metrics.history(query), services.metrics.protocolHistory(query)]);
        const energy = services.energy;
        const protocols = !q.net ? gross : energy ? await energy.netHistory(gross, query) : gross.map((p) => ({ ...p, ...NO_NET }));
        return toApi({
          ...range,
          stepSeconds: stepMs ? stepMs / 1000 : null,
          protocol: q.protocol ?? null,
          points: pointsOut,
          protocols,
        });
      });
    },
  );
};

export default metricsRoutes;
