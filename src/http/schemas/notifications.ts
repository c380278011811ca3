/** The notification routes' answers (channels and their last delivery, test-send results), in one place for the dashboard. */
import { type Static, Type } from '@sinclair/typebox';
import { AlertSchema } from '../../domain/alert.js';
import { DELIVERY_STATUSES, DeliverySchema, MESSAGE_KINDS } from '../../domain/notification.js';
import { apiSchema } from './api-time.js';

const Iso = Type.String({ format: 'date-time' });

export const ChannelView = Type.Object({
  name: Type.String(),
  scheme: Type.String(),
  /** Scheme and host only: never a token or password. */
  target: Type.String(),
  minSeverity: Type.String(),
  types: Type.Union([Type.Array(Type.String()), Type.Null()]),
  protocols: Type.Union([Type.Array(Type.String()), Type.Null()]),
  digest: Type.String(),
  usable: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  consecutiveFailures: Type.Integer(),
  pending: Type.Integer(),
  lastDelivery: Type.Union([
    Type.Object({
      kind: Type.Union(MESSAGE_KINDS.map((k) => Type.Literal(k))),
      status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
      title: Type.String(),
      updatedAt: Iso,
      sentAt: Type.Union([Iso, Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

export type ChannelViewAnswer = Static<typeof ChannelView>;

export const TestResult = Type.Object({ channel: Type.String(), ok: Type.Boolean(), error: Type.Union([Type.String(), Type.Null()]) });
export type TestResultAnswer = Static<typeof TestResult>;

/** An alert with the latest message about it on each notification channel (GET alerts). */
export const AlertWithDeliveries = apiSchema(
  Type.Composite([AlertSchema, Type.Object({ deliveries: Type.Optional(Type.Array(Type.Omit(DeliverySchema, ['alertId']))) })]),
);
export type AlertWithDeliveriesAnswer = Static<typeof AlertWithDeliveries>;
