/**
 * `GET /api/v1/fleet`: one answer about every host (this machine and each agent that reports here) with the totals,
 * for the dashboard's fleet card and `orcha fleet`.
 */
import { Type } from '@sinclair/typebox';
import { AGENT_VERSION } from '../../../fleet/agent-version.js';
import { type FleetRow, fleetOverview } from '../../../fleet/fleet-overview.js';
import { localHost } from '../../host-query.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { IsoTime, iso } from '../auth/schemas.js';

const Health = Type.Union([Type.Literal('ok'), Type.Literal('silent'), Type.Literal('never-seen'), Type.Literal('revoked')], {
  description: 'silent: nothing heard within fleet.silentAfter; never-seen: no snapshot or batch yet; revoked: its agent key is revoked.',
});

const FleetRowSchema = Type.Object({
  name: Type.String(),
  local: Type.Boolean({ description: 'This machine (answers ?host=NAME from its own tables).' }),
  health: Health,
  lastSeenAt: Type.Union([IsoTime, Type.Null()]),
  usdPerHour: Type.Union([Type.Number(), Type.Null()], { description: 'Earnings per hour in the latest snapshot.' }),
  protocols: Type.Integer(),
  connected: Type.Integer(),
  agentVersion: Type.Union([Type.String(), Type.Null()]),
  openAlerts: Type.Integer({ description: 'Open and acknowledged alerts about this host.' }),
});

const FleetSchema = Type.Object({
  generatedAt: IsoTime,
  totals: Type.Object({
    hosts: Type.Integer(),
    ok: Type.Integer(),
    silent: Type.Integer(),
    neverSeen: Type.Integer(),
    revoked: Type.Integer(),
    usdPerHour: Type.Number({ description: 'Sum of the latest USD/h of every host that is not revoked.' }),
    openAlerts: Type.Integer(),
  }),
  hosts: Type.Array(FleetRowSchema),
});

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
        local: { name: localHost(c), latest, version: AGENT_VERSION },
        hosts,
        alerts,
        silentAfterMs: c.fleet.silentAfter * 1000,
      });
      return { generatedAt: iso(overview.generatedAt), totals: overview.totals, hosts: overview.hosts.map(showRow) };
    },
  );
};

export default fleetRoutes;
