import { Type } from '@sinclair/typebox';
import { EnergyHistorySchema, EnergyReportSchema, EnergyViewSchema } from '../../../energy/views.js';
import { OrchaError } from '../../../lib/errors.js';
import type { HostEnergy } from '../../../energy/host-energy.js';
import type { HostRecord } from '../../../store/repositories/fleet.repository.js';
import { hostQuery, remoteHost } from '../../host-query.js';
import { IsoQuery, StepQuery, parseRange, parseStepMs } from '../../query.js';
import { type RouteDeps, type RoutePlugin, role } from '../../route-types.js';
import type { AppServices } from '../../../app/types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';

/** Buckets one energy history answer may hold per series. */
const MAX_ENERGY_POINTS = 10_000;
const MAX_REPORT_MS = 366 * 86_400_000;

/** `host`: this machine, or a fleet host from the energy points its agent sent. */
const EnergyHost = hostQuery(
  "A host of the fleet (GET /api/v1/hosts lists them); default and this machine's own name: this machine. A fleet host answers from the points its agent sent (agents whose config enables `energy`), in the same shape, priced with the host's own tariff; a fleet host whose agent sent none is a 404 saying so, an unknown name a 404 naming it.",
);

const RangeQuery = Type.Object({ from: Type.Optional(IsoQuery), to: Type.Optional(IsoQuery), host: EnergyHost }, { additionalProperties: false });
const HistoryQuery = Type.Object(
  {
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    step: Type.Optional(StepQuery),
    protocol: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' })),
    host: EnergyHost,
  },
  { additionalProperties: false },
);

/** The fleet host a request names with its energy, or null for this machine (404 for an unknown name). */
async function fleetHost(name: string | undefined, deps: RouteDeps): Promise<{ host: HostRecord; energy: HostEnergy } | null> {
  const host = await remoteHost(name, deps.config(), deps.fleet);
  if (!host) return null;
  if (!deps.hostEnergy) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `This server keeps no energy figures for host "${host.name}"`);
  return { host, energy: deps.hostEnergy };
}

function energyOf(services: AppServices) {
  if (!services.energy) throw new OrchaError('ORCHA_ERR_NOT_FOUND', 'Energy accounting is not available in this server');
  return services.energy;
}

const energyRoutes: RoutePlugin = (app, deps) => {
  const { services, config } = deps;
  app.get(
    '/energy',
    {
      config: role('viewer'),
      schema: {
        tags: ['energy'],
        summary: 'Power now: meters, tariff, host draw, and per protocol gross, power cost and net (USD/h)',
        description:
          "`estimated: true` when the figures come from declared watts (no meter, or a meter silent or failing). With `host` a fleet host's figures at the latest point its agent sent (every `energy.recordInterval` of its config; `time` says when); 404 when its agent sent none.",
        querystring: Type.Object({ host: EnergyHost }, { additionalProperties: false }),
        response: { 200: apiSchema(EnergyViewSchema), 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request) => {
      const remote = await fleetHost(request.query.host, deps);
      if (remote) return toApi(await remote.energy.current(remote.host));
      const energy = energyOf(services);
      if (!config().energy.enabled) {
        throw new OrchaError('ORCHA_ERR_NOT_FOUND', 'Energy accounting is off', [{ path: 'energy.enabled', message: 'set to true to compute power cost and net earnings' }]);
      }
      const view = energy.current();
      if (!view) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'No snapshot has been accounted yet');
      return toApi(view);
    },
  );

  app.get(
    '/energy/history',
    {
      config: role('viewer'),
      schema: {
        tags: ['energy'],
        summary: 'Power, power cost and net over time (host, per protocol, per meter), downsampled to `step`',
        description: `Defaults to the last 24 hours at the smallest step that keeps ${MAX_ENERGY_POINTS} points per series. With \`host\` a fleet host's points as its agent sent them (404 when it sent none).`,
        querystring: HistoryQuery,
        response: { 200: apiSchema(EnergyHistorySchema), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const remote = await fleetHost(request.query.host, deps);
      const q = request.query;
      const range = parseRange(q, Date.now(), 24 * 3_600_000);
      const minStep = Math.max(config().energy.recordInterval * 1000, Math.ceil((range.to - range.from) / MAX_ENERGY_POINTS));
      const stepMs = q.step ? parseStepMs(q.step) : minStep;
      if ((range.to - range.from) / stepMs > MAX_ENERGY_POINTS) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', `The range holds more than ${MAX_ENERGY_POINTS} points`, [
          { path: 'query.step', message: `must be at least ${Math.ceil(minStep / 1000)} seconds for this range` },
        ]);
      }
      const query = { ...range, stepMs, protocol: q.protocol };
      return toApi(remote ? await remote.energy.history(remote.host, query) : await energyOf(services).history(query));
    },
  );

  app.get(
    '/energy/report',
    {
      config: role('viewer'),
      schema: {
        tags: ['energy'],
        summary: 'Gross, power cost and net per protocol over a period (default: the last 24 hours), totals and per hour',
        description:
          "With `host` a fleet host's: gross from its agent's samples, power cost from the points its agent sent (its own tariff; `currency` is its), 404 when it sent none.",
        querystring: RangeQuery,
        response: { 200: apiSchema(EnergyReportSchema), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const remote = await fleetHost(request.query.host, deps);
      const range = parseRange(request.query, Date.now(), 86_400_000);
      if (range.to - range.from > MAX_REPORT_MS) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', 'Period too long', [{ path: 'query.from', message: 'the period may span at most 366 days' }]);
      }
      return toApi(remote ? await remote.energy.report(remote.host, range) : await energyOf(services).report(range));
    },
  );
};

export default energyRoutes;
