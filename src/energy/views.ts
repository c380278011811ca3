/** What the energy service shows: one schema each for the type, the API validation and the documentation. */
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.Number> | ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);

export const MeterStateSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('mqtt'), Type.Literal('http')]),
  format: Type.Union([Type.Literal('tasmota'), Type.Literal('shelly'), Type.Literal('json')]),
  protocol: Nullable(Type.String()),
  status: Type.Union([Type.Literal('ok'), Type.Literal('waiting'), Type.Literal('silent'), Type.Literal('failing')]),
  watts: Nullable(Type.Number()),
  energyKwh: Nullable(Type.Number()),
  lastReadingAt: Nullable(Type.Number()),
  error: Nullable(Type.String()),
});

export const ProtocolEnergySchema = Type.Object({
  protocol: Type.String(),
  watts: Type.Number(),
  idleWatts: Type.Number(),
  activeWatts: Type.Number(),
  /** Share of power above idle, 0..1. */
  loadShare: Type.Number(),
  grossUsdPerHour: Type.Number(),
  powerCostUsdPerHour: Type.Number(),
  netUsdPerHour: Type.Number(),
});
export type ProtocolEnergy = Static<typeof ProtocolEnergySchema>;

export const EnergyViewSchema = Type.Object({
  time: Type.Number(),
  enabled: Type.Boolean(),
  /** True when the figures come from declared watts (no meter, or a meter silent or failing). */
  estimated: Type.Boolean(),
  estimatedReason: Nullable(Type.String()),
  currency: Type.String(),
  pricePerKwh: Type.Number(),
  rate: Type.String(),
  usdPerKwh: Type.Number(),
  hostWatts: Type.Number(),
  idleWatts: Type.Number(),
  /** Watts charged to no protocol (idle rule `host`, or no load to split by). */
  overheadWatts: Type.Number(),
  basis: Type.Union([Type.Literal('measured'), Type.Literal('mixed'), Type.Literal('allocation')]),
  basisNote: Type.String(),
  idleRule: Type.String(),
  grossUsdPerHour: Type.Number(),
  powerCostUsdPerHour: Type.Number(),
  netUsdPerHour: Type.Number(),
  meters: Type.Array(MeterStateSchema),
  protocols: Type.Array(ProtocolEnergySchema),
});
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
