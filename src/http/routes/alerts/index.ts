import { Type } from '@sinclair/typebox';
import { ALERT_STATUSES, ALERT_TYPES } from '../../../domain/alert.js';
import type { Delivery } from '../../../domain/notification.js';
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
  },
  { additionalProperties: false },
);

const AcknowledgeBody = Type.Object(
  { ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500, uniqueItems: true }) },
  { additionalProperties: false },
);

const alertsRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/alerts',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Alerts, newest first (filter by status, type, protocol)',
        querystring: AlertsQuery,
        response: { 200: Type.Object({ alerts: Type.Array(AlertWithDeliveries) }), 400: ErrorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const alerts = await services.monitor.alerts({ ...q, limit: q.limit ?? 100, offset: q.offset ?? 0 });
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
