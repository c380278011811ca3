import { Type, type Static } from '@sinclair/typebox';
import type { Severity } from './alert.js';

/** What a message is about: alerts opening, escalating, being repeated or resolving, a digest, a test. */
export const MESSAGE_KINDS = ['alert', 'escalated', 'reminder', 'resolved', 'daily_digest', 'weekly_digest', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** pending: waiting to be sent (or retried); sent; failed: gave up after the last attempt; suppressed: no longer news. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message to one channel, as the outbox holds it. */
export interface OutboxMessage {
  id: string;
  channel: string;
  kind: MessageKind;
  severity: Severity;
  title: string;
  body: string;
  /** Structured form (JSON webhooks). */
  payload: Record<string, unknown> | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  /** Held back by quiet hours: dropped at send time if every alert it carries has resolved meanwhile. */
  held: boolean;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  alertIds: string[];
}

/** The latest message about one alert on one channel. */
export const DeliverySchema = Type.Object({
  alertId: Type.String(),
  channel: Type.String(),
  kind: Type.Union(MESSAGE_KINDS.map((k) => Type.Literal(k))),
  status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  /** epoch ms of the last change */
  updatedAt: Type.Number(),
  sentAt: Type.Union([Type.Number(), Type.Null()]),
});
export type Delivery = Static<typeof DeliverySchema>;
