/**
 * What the energy service shows: one schema each for the type, the API validation and the documentation. The view
 * is also what an agent sends of its figures (energy-point.ts), so its fields are bounded and closed.
 */
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.Number> | ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);

/** Bounds of what a sane host reports (a meter reads at most 1 MW, 32 meters, prices at most 100 per kWh). */
export const MAX_WATTS = 1e8;
export const MAX_USD_PER_HOUR = 1e9;
const Time = Type.Integer({ minimum: 0, maximum: 8.64e15 });
const Watts = Type.Number({ minimum: 0, maximum: MAX_WATTS });
const UsdPerHour = Type.Number({ minimum: 0, maximum: MAX_USD_PER_HOUR });
const NetUsdPerHour = Type.Number({ minimum: -MAX_USD_PER_HOUR, maximum: MAX_USD_PER_HOUR });
const Name = Type.String({ maxLength: 128 });

export const MeterStateSchema = Type.Object(
  {
    name: Name,
    type: Type.Union([Type.Literal('mqtt'), Type.Literal('http')]),
    format: Type.Union([Type.Literal('tasmota'), Type.Literal('shelly'), Type.Literal('json')]),
    protocol: Nullable(Name),
    status: Type.Union([Type.Literal('ok'), Type.Literal('waiting'), Type.Literal('silent'), Type.Literal('failing')]),
    watts: Nullable(Watts),
    energyKwh: Nullable(Type.Number({ minimum: 0, maximum: 1e12 })),
    lastReadingAt: Nullable(Time),
    error: Nullable(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

export const ProtocolEnergySchema = Type.Object(
  {
    protocol: Name,
    watts: Watts,
    idleWatts: Watts,
    activeWatts: Watts,
    /** Share of power above idle, 0..1. */
    loadShare: Type.Number({ minimum: 0, maximum: 1 }),
    grossUsdPerHour: UsdPerHour,
    powerCostUsdPerHour: UsdPerHour,
    netUsdPerHour: NetUsdPerHour,
  },
  { additionalProperties: false },
);
export type ProtocolEnergy = Static<typeof ProtocolEnergySchema>;

export const EnergyViewSchema = Type.Object(
  {
    time: Time,
    enabled: Type.Boolean(),
    /** True when the figures come from declared watts (no meter, or a meter silent or failing). */
    estimated: Type.Boolean(),
    estimatedReason: Nullable(Type.String({ maxLength: 65_536 })),
    currency: Type.String({ pattern: '^[A-Z]{3,5}$' }),
    pricePerKwh: Type.Number({ minimum: 0, maximum: 100 }),
    rate: Type.String({ maxLength: 64 }),
    usdPerKwh: Type.Number({ minimum: 0, maximum: 1e6 }),
    hostWatts: Watts,
    idleWatts: Watts,
    /** Watts charged to no protocol (idle rule `host`, or no load to split by). */
    overheadWatts: Watts,
    basis: Type.Union([Type.Literal('measured'), Type.Literal('mixed'), Type.Literal('allocation')]),
    basisNote: Type.String({ maxLength: 1024 }),
    idleRule: Type.String({ maxLength: 32 }),
    grossUsdPerHour: UsdPerHour,
    powerCostUsdPerHour: UsdPerHour,
    netUsdPerHour: NetUsdPerHour,
    meters: Type.Array(MeterStateSchema, { maxItems: 64 }),
    protocols: Type.Array(ProtocolEnergySchema, { maxItems: 256 }),
  },
  { additionalProperties: false },
);
export type EnergyView = Static<typeof EnergyViewSchema>;

export const EnergyReportSchema = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  currency: Type.String(),
  /** Share of the stored points that were estimated, 0..1. */
  estimatedShare: Type.Number(),
  energyKwh: Type.Number(),
  grossUsd: Type.Number(),
  powerCostUsd: Type.Number(),
  netUsd: Type.Number(),
  hours: Type.Number(),
  protocols: Type.Array(
    Type.Object({
      protocol: Type.String(),
      energyKwh: Type.Number(),
      grossUsd: Type.Number(),
      powerCostUsd: Type.Number(),
      netUsd: Type.Number(),
      grossUsdPerHour: Type.Number(),
      powerCostUsdPerHour: Type.Number(),
      netUsdPerHour: Type.Number(),
      estimatedShare: Type.Number(),
    }),
  ),
});
export type EnergyReport = Static<typeof EnergyReportSchema>;

export const EnergyHistorySchema = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  stepSeconds: Type.Number(),
  points: Type.Array(
    Type.Object({
      time: Type.Number(),
      hostWatts: Type.Number(),
      powerCostUsdPerHour: Type.Number(),
      grossUsdPerHour: Type.Number(),
      netUsdPerHour: Type.Number(),
      energyKwh: Type.Number(),
      /** Fraction of the bucket's points that were estimated. */
      estimated: Type.Number(),
    }),
  ),
  protocols: Type.Array(
    Type.Object({
      time: Type.Number(),
      protocol: Type.String(),
      watts: Type.Number(),
      powerCostUsdPerHour: Type.Number(),
      grossUsdPerHour: Type.Number(),
      netUsdPerHour: Type.Number(),
    }),
  ),
  meters: Type.Array(Type.Object({ time: Type.Number(), meter: Type.String(), watts: Type.Number(), energyKwh: Nullable(Type.Number()) })),
});
export type EnergyHistoryView = Static<typeof EnergyHistorySchema>;
