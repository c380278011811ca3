import { Type } from '@sinclair/typebox';
import { ALERT_STATUSES, ALERT_TYPES } from '../../../domain/alert.js';
import type { Delivery } from '../../../domain/notification.js';
import { hostQuery, localHost, remoteScope } from '../../host-query.js';
import { type RoutePlugin, actorOf, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ApiAlert, ErrorSchema, Pagination } from '../../schemas/common.js';
import { AlertWithDeliveries } from '../../schemas/notifications.js';

const AlertsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s)))),
    type: Type.Optional(Type.Union(ALERT_TYPES.map((t) => Type.Literal(t)))),
    protocol: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ...Pagination,
    host: hostQuery(
      "Alerts about one host: a fleet host's are the fleet's alerts about it (silent, version skew, spool growing; its nodes' alerts stay on its agent); this machine's name gives every alert but those. Without it: every alert.",
    ),
  },
  { additionalProperties: false },
);

const AcknowledgeBody = Type.Object(
  { ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500, uniqueItems: true }) },
  { additionalProperties: false },
);

const alertsRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/alerts',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Alerts, newest first (filter by status, type, protocol)',
        querystring: AlertsQuery,
        response: { 200: Type.Object({ alerts: Type.Array(AlertWithDeliveries) }), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const { host, ...q } = request.query;
      const query = { ...q, limit: q.limit ?? 100, offset: q.offset ?? 0 };
      const remote = await remoteScope(host, deps);
      const alerts = remote
        ? await remote.reads.alerts(remote.host, query)
        : host !== undefined && host === localHost(deps.config()) && deps.hostReads
          ? await deps.hostReads.alerts(null, query)
          : await services.monitor.alerts(query);
      if (!services.notifications || alerts.length === 0) return { alerts: toApi(alerts) };
      const deliveries = await services.notifications.deliveries(alerts.map((a) => a.id));
      const byAlert = new Map<string, Omit<Delivery, 'alertId'>[]>();
      for (const { alertId, ...d } of deliveries) byAlert.set(alertId, [...(byAlert.get(alertId) ?? []), d]);
      return { alerts: toApi(alerts.map((a) => ({ ...a, deliveries: byAlert.get(a.id) ?? [] }))) };
    },
  );

  app.post(
    '/alerts/acknowledge',
    {
      config: role('operator'),
      schema: {
        tags: ['monitor'],
        summary: 'Acknowledge alerts by id; returns those that changed',
        body: AcknowledgeBody,
        response: { 200: Type.Object({ acknowledged: Type.Array(ApiAlert) }), 400: ErrorSchema },
      },
    },
    async (request) => {
      const changed = await services.monitor.acknowledge(request.body.ids, actorOf(request));
      return { acknowledged: toApi(changed) };
    },
  );
};

export default alertsRoutes;
