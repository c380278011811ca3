import { Type, type Static } from '@sinclair/typebox';

/**
 * The `energy` section of orcha.yaml: power meters, an estimate for hosts without one, the tariff, how power is
 * attributed to protocols, and what happens when a protocol costs more power than it earns.
 */

const SecretRef = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object({ env: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { description: 'A secret: a string, {env: NAME} or {file: path}. Never logged or returned by the API.' },
);

export const MeterConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'Unique meter name (the `meter` label).' }),
    type: Type.Union([Type.Literal('mqtt'), Type.Literal('http')], { description: 'mqtt: subscribe to a broker; http: poll the device.' }),
    url: Type.String({
      pattern: '^(mqtts?|https?)://',
      maxLength: 2048,
      description:
        'mqtt: the broker (mqtt://host:1883). http: the device base URL for tasmota and shelly (http://192.168.1.50), the full URL for json.',
    }),
    topic: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description:
          'mqtt: tasmota = the device topic (reads tele/<topic>/SENSOR), shelly = the device id (reads <id>/status/switch:0), json = the full topic.',
      }),
    ),
    format: Type.Union([Type.Literal('tasmota'), Type.Literal('shelly'), Type.Literal('json')], {
      description: 'Payload shape: Tasmota ENERGY, Shelly Gen2 Switch status, or any JSON with `path`.',
    }),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'json: dot path of the watts field, e.g. data.power.' })),
    energyPath: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'json: dot path of a cumulative kWh counter (optional).' }),
    ),
    protocol: Type.Optional(
      Type.String({ description: 'This meter powers only this protocol\'s machine: its draw goes to that protocol, not the host.' }),
    ),
    interval: Type.Number({ minimum: 1, maximum: 3600, default: 10, description: 'http: seconds between reads.' }),
    timeout: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 3, description: 'http: per-read timeout, seconds.' }),
    username: Type.Optional(Type.String({ maxLength: 256, description: 'mqtt: broker user name.' })),
    password: Type.Optional(SecretRef),
  },
  { additionalProperties: false },
);
export type MeterConfig = Static<typeof MeterConfigSchema>;

/** The single meter of earlier versions (`energy.meter`): read as the first entry of `energy.meters`. */
export const LegacyMeterSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('mqtt'), Type.Literal('http')]),
    url: Type.String(),
    topic: Type.Optional(Type.String()),
    field: Type.String({ default: 'power', description: 'Field holding watts.' }),
  },
  { additionalProperties: false, description: 'Deprecated: one meter. Use `energy.meters`; this is read as a json meter named "meter".' },
);

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof DAYS)[number];
export const WEEKDAYS: readonly Weekday[] = DAYS;

const HourMinute = Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: 'HH:MM, local to tariff.timezone.' });

export const TariffRateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. peak, off-peak.' }),
    pricePerKwh: Type.Number({ minimum: 0, maximum: 100 }),
    days: Type.Array(Type.Union(DAYS.map((d) => Type.Literal(d))), {
      default: [...DAYS],
      uniqueItems: true,
      description: 'Weekdays this rate applies on (default: every day).',
    }),
    from: HourMinute,
    to: Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: 'HH:MM, exclusive; before `from` = past midnight.' }),
  },
  { additionalProperties: false },
);
export type TariffRate = Static<typeof TariffRateSchema>;

export const EnergyConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Compute power cost and net earnings.' }),
    currency: Type.String({
      pattern: '^[A-Z]{3,5}$',
      default: 'USD',
      description: 'Currency of the tariff; converted to USD with prices.usd[currency].',
    }),
    pricePerKwh: Type.Number({ minimum: 0, maximum: 100, default: 0.25, description: 'Flat price, and the price outside every time-of-use rate.' }),
    tariff: Type.Object(
      {
        timezone: Type.String({ default: 'UTC', maxLength: 64, description: 'IANA time zone the rates\' hours and days are in.' }),
        rates: Type.Array(TariffRateSchema, {
          default: [],
          maxItems: 64,
          description: 'Time-of-use rates; the first that matches wins, pricePerKwh applies outside them.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Time-of-use tariff (none: flat pricePerKwh).' },
    ),
    meters: Type.Array(MeterConfigSchema, { default: [], maxItems: 32, description: 'Power meters; their draws add up to the host\'s.' }),
    meter: Type.Optional(LegacyMeterSchema),
    staleAfter: Type.Number({
      minimum: 5,
      maximum: 86_400,
      default: 120,
      description: 'Seconds without a reading before a meter counts as silent (alert; figures estimated).',
    }),
    estimate: Type.Object(
      {
        idleWatts: Type.Number({ minimum: 0, maximum: 100_000, default: 30, description: 'Host draw at rest.' }),
        maxWatts: Type.Number({ minimum: 0, maximum: 100_000, default: 120, description: 'Host draw at full CPU load.' }),
        protocols: Type.Record(
          Type.String(),
          Type.Object(
            { watts: Type.Number({ minimum: 0, maximum: 100_000, description: 'Extra draw of this protocol\'s own hardware (a disk).' }) },
            { additionalProperties: false },
          ),
          { default: {}, description: 'Per protocol: declared extra watts, charged to it alone.' },
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Declared watts. Without a working meter: idle + (max - idle) x host CPU load. Idle is also what a meter reading is split against.',
      },
    ),
    attribution: Type.Object(
      {
        idle: Type.Union([Type.Literal('equal'), Type.Literal('allocation'), Type.Literal('load'), Type.Literal('host')], {
          default: 'equal',
          description: 'Idle power: split equally, by allocation share, by load share, or kept as host overhead (not charged).',
        }),
        weights: Type.Object(
          {
            cpu: Type.Number({ minimum: 0, maximum: 1, default: 0.7 }),
            network: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
            disk: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
          },
          { default: {}, additionalProperties: false, description: 'How much each kind of load weighs in a protocol\'s share of power above idle.' },
        ),
      },
      { default: {}, additionalProperties: false, description: 'How power is split between protocols.' },
    ),
    recordInterval: Type.Number({ minimum: 5, maximum: 3600, default: 60, description: 'Seconds between stored energy points.' }),
    netNegative: Type.Object(
      {
        afterHours: Type.Number({
          exclusiveMinimum: 0,
          maximum: 24 * 90,
          default: 24,
          description: 'Alert when a protocol\'s net stays below zero this long.',
        }),
        pause: Type.Boolean({
          default: false,
          description:
            'Let the optimizer take CPU, memory and bandwidth from such a protocol during expensive hours and give them back after: applied in auto mode, only recommended in advisory mode.',
        }),
        expensiveAbovePricePerKwh: Type.Optional(
          Type.Number({ minimum: 0, description: 'Hours priced above this are expensive (default: above the cheapest rate).' }),
        ),
      },
      { default: {}, additionalProperties: false, description: 'Protocols that cost more power than they earn.' },
    ),
  },
  { default: {}, additionalProperties: false, description: 'Power meters, tariff and net earnings (SPEC §8).' },
);
export type EnergyConfig = Static<typeof EnergyConfigSchema>;
