import { Type } from '@sinclair/typebox';
import { OrchaError } from '../../../lib/errors.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { ChannelView, TestResult } from '../../schemas/notifications.js';

const TestBody = Type.Object(
  { channel: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Only this channel (default: all).' })) },
  { additionalProperties: false },
);


const notificationsRoutes: RoutePlugin = (app, { services }) => {
  const notifications = () => {
    if (!services.notifications) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'notifications are not running');
    return services.notifications;
  };

  app.get(
    '/notifications/channels',
    {
      config: role('viewer'),
      schema: {
        tags: ['notifications'],
        summary: 'Notification channels (scheme and host, never secrets) with their last delivery',
        response: { 200: Type.Object({ channels: Type.Array(ChannelView) }), 503: ErrorSchema },
      },
    },
    async () => {
      const channels = await notifications().channels();
      return {
        channels: channels.map(({ lastDelivery, ...c }) => {
          if (!lastDelivery) return { ...c, lastDelivery: null };
          const { at, ...delivery } = lastDelivery;
          return { ...c, lastDelivery: toApi({ ...delivery, updatedAt: at }) };
        }),
      };
    },
  );

  app.post(
    '/notifications/test',
    {
      config: role('admin'),
      schema: {
        tags: ['notifications'],
        summary: 'Send a test message now to every channel, or to one; answers with each result',
        body: Type.Optional(TestBody),
        response: { 200: Type.Object({ results: Type.Array(TestResult) }), 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request) => {
      const results = await notifications().test(request.body?.channel);
      return { results };
    },
  );
};

export default notificationsRoutes;
