/**
 * `GET /api/v1/fleet`: one answer about every host (this machine and each agent that reports here) with the totals,
 * for the dashboard's fleet card and `orcha fleet`.
 */
import { AGENT_VERSION } from '../../../fleet/agent-version.js';
import { type FleetRow, fleetOverview } from '../../../fleet/fleet-overview.js';
import { localHost } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { iso } from '../auth/schemas.js';
import { FleetSchema } from '../../schemas/fleet.js';

const showRow = (r: FleetRow) => ({ ...r, lastSeenAt: r.lastSeenAt === null ? null : iso(r.lastSeenAt) });

const fleetRoutes: RoutePlugin = (app, { services, config, fleet }) => {
  app.get(
    '/fleet',
    {
      config: role('viewer'),
      schema: {
        tags: ['fleet'],
        operationId: 'getFleet',
        summary: 'The fleet at a glance: totals, and per host its health, last report, USD/h and open alerts',
        response: { 200: FleetSchema },
      },
    },
    async () => {
      const c = config();
      const [latest, hosts, alerts] = await Promise.all([
        services.metrics.latest(),
        fleet ? fleet.listHosts() : Promise.resolve([]),
        services.monitor.alerts({ status: ['open', 'acknowledged'], limit: 10_000 }),
      ]);
      const overview = fleetOverview({
        now: Date.now(),
        local: { name: localHost(c), latest, version: AGENT_VERSION, netUsdPerHour: c.energy.enabled ? (services.energy?.current()?.netUsdPerHour ?? null) : null },
        hosts,
        alerts,
        silentAfterMs: c.fleet.silentAfter * 1000,
      });
      return { generatedAt: iso(overview.generatedAt), totals: overview.totals, hosts: overview.hosts.map(showRow) };
    },
  );
};

export default fleetRoutes;
