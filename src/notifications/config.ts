/**
 * The `notifications` section of orcha.yaml and the per-type alert rules (`alerts.rules`). Kept here so the
 * notification feature owns its schema; `config/schema.ts` only plugs these two in.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ALERT_TYPES, SEVERITIES } from '../domain/alert.js';

/**
 * Same shape as the config's SecretRefSchema (a string, {env} or {file}); defined here because config/schema.ts imports
 * this file, and a cycle would leave one of the two undefined at load.
 */
const SecretRefSchema = Type.Union(
  [
    Type.String({ minLength: 1, maxLength: 4096 }),
    Type.Object({ env: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { description: 'A secret: a string, {env: NAME} or {file: path}. Never logged or returned by the API.' },
);

const Clock24 = (description: string, def?: string) =>
  Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description, ...(def ? { default: def } : {}) });

export const ChannelConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Unique channel name (lower case).' }),
    url: SecretRefSchema,
    minSeverity: Type.Union(SEVERITIES.map((s) => Type.Literal(s)), {
      default: 'warning',
      description: 'Least severity sent to this channel (info alerts such as opportunities stay on the dashboard by default).',
    }),
    types: Type.Optional(
      Type.Array(Type.Union(ALERT_TYPES.map((t) => Type.Literal(t))), {
        maxItems: ALERT_TYPES.length,
        uniqueItems: true,
        description: 'Only these alert types (default: all).',
      }),
    ),
    protocols: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 100,
        uniqueItems: true,
        description: 'Only alerts about these protocols, plus host-wide alerts (default: all).',
      }),
    ),
    secret: Type.Optional(SecretRefSchema),
    digest: Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('both'), Type.Literal('none')], {
      default: 'daily',
      description: 'Which summaries this channel receives.',
    }),
    maxPerHour: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description: 'Rate limit: messages per hour (bursts of up to 5); the rest wait in the outbox.',
    }),
  },
  { additionalProperties: false },
);
export type ChannelConfig = Static<typeof ChannelConfigSchema>;

export const NotificationsConfigSchema = Type.Object(
  {
    channels: Type.Array(ChannelConfigSchema, {
      default: [],
      maxItems: 50,
      description:
        'Where alerts are sent, as Apprise-style URLs: json(s)://, ntfy(s)://, tgram://, discord://, slack://, gotify(s)://, pover://, mailto(s)://. The url (or the whole of it) may come from {env} or {file}.',
    }),
    dashboardUrl: Type.Optional(
      Type.String({ format: 'uri', maxLength: 2000, description: 'Link put in messages (default: the server address).' }),
    ),
    groupSeconds: Type.Number({
      minimum: 0,
      maximum: 600,
      default: 30,
      description: 'Alerts raised within this window go out as one message per channel.',
    }),
    quietHours: Type.Optional(
      Type.Object(
        {
          start: Clock24('Start, HH:MM.'),
          end: Clock24('End, HH:MM (may be after midnight).'),
          timezone: Type.String({ default: 'UTC', maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin.' }),
        },
        {
          additionalProperties: false,
          description: 'Hold non-critical messages until the end of this window; critical ones still pass.',
        },
      ),
    ),
    digest: Type.Object(
      {
        time: Clock24('Local time of the daily (and weekly) summary.', '08:00'),
        weekday: Type.Integer({ minimum: 0, maximum: 6, default: 1, description: 'Weekly summary day, 0 = Sunday.' }),
        timezone: Type.String({ default: 'UTC', maxLength: 64 }),
      },
      { default: {}, additionalProperties: false, description: 'Summaries of earnings, uptime, reallocations and open alerts.' },
    ),
    retry: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
        initialSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 30 }),
        maxSeconds: Type.Number({ minimum: 1, maximum: 86_400, default: 3600 }),
      },
      { default: {}, additionalProperties: false, description: 'Failed sends are retried with exponential backoff.' },
    ),
    failingAfter: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'Consecutive failed sends after which a channel raises its own alert on the other channels.',
    }),
    timeout: Type.Number({ exclusiveMinimum: 0, maximum: 120, default: 10, description: 'Seconds per send.' }),
    endpoints: Type.Object(
      {
        telegram: Type.String({ format: 'uri', default: 'https://api.telegram.org' }),
        discord: Type.String({ format: 'uri', default: 'https://discord.com' }),
        slack: Type.String({ format: 'uri', default: 'https://hooks.slack.com' }),
        pushover: Type.String({ format: 'uri', default: 'https://api.pushover.net' }),
        ntfy: Type.String({ format: 'uri', default: 'https://ntfy.sh', description: 'Server for ntfy://topic without a host.' }),
      },
      { default: {}, additionalProperties: false, description: 'API bases of the hosted services (self-hosted proxies, tests).' },
    ),
  },
  { default: {}, additionalProperties: false, description: 'Notification channels, quiet hours, grouping and digests.' },
);
export type NotificationsConfig = Static<typeof NotificationsConfigSchema>;

const Rule = (d: { forMinutes: number; clearMinutes: number; hysteresis: number; renotifyMinutes: number }) =>
  Type.Object(
    {
      forMinutes: Type.Number({ minimum: 0, maximum: 1440, default: d.forMinutes, description: 'The condition must hold this long before the alert opens.' }),
      clearMinutes: Type.Number({ minimum: 0, maximum: 1440, default: d.clearMinutes, description: 'It must stay cleared this long before the alert resolves.' }),
      hysteresis: Type.Number({
        minimum: 0,
        maximum: 100,
        default: d.hysteresis,
        description: 'Points (percent) below the threshold the value must fall to count as cleared.',
      }),
      renotifyMinutes: Type.Number({
        minimum: 0,
        maximum: 10_080,
        default: d.renotifyMinutes,
        description: 'Remind the channels while the alert stays open and unacknowledged; 0 = never.',
      }),
    },
    { default: {}, additionalProperties: false },
  );

/** Defaults for a busy 2-core host: a CPU spike of a few minutes is not news; a dead node is, and is repeated. */
export const AlertRulesSchema = Type.Object(
  {
    protocol_disconnected: Rule({ forMinutes: 2, clearMinutes: 1, hysteresis: 0, renotifyMinutes: 360 }),
    earnings_drop: Rule({ forMinutes: 30, clearMinutes: 15, hysteresis: 10, renotifyMinutes: 1440 }),
    resource_pressure: Rule({ forMinutes: 10, clearMinutes: 5, hysteresis: 5, renotifyMinutes: 720 }),
    adapter_degraded: Rule({ forMinutes: 5, clearMinutes: 2, hysteresis: 0, renotifyMinutes: 720 }),
    optimization_opportunity: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 }),
    reallocation_failed: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 }),
    config_invalid: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 }),
    notification_failed: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 1440 }),
    // Energy alerts keep their own timing (src/energy); these set only how often an open one is repeated.
    power_meter_silent: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 720 }),
    net_negative: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 1440 }),
    do_no_harm: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 1440 }),
    node_health: Rule({ forMinutes: 0, clearMinutes: 5, hysteresis: 0, renotifyMinutes: 1440 }),
    // Fleet alerts keep their own timing (a host is silent after the fleet's silentAfter); a silent host is repeated.
    host_silent: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 360 }),
    agent_version_skew: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 }),
    agent_spool_growing: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 720 }),
    host_node_disconnected: Rule({ forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 360 }),
  },
  {
    default: {},
    additionalProperties: false,
    description: 'Per alert type: for-duration, clear duration, hysteresis and re-notify interval.',
  },
);
export type AlertRules = Static<typeof AlertRulesSchema>;
export type AlertRule = AlertRules[keyof AlertRules];
