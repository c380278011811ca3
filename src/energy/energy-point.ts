/**
 * One stored energy point as it travels: the figures at that moment (the view) and the amounts accumulated since the
 * previous point. This machine stores it (energy-service.ts) and an agent sends it with its batches; the control
 * plane stores the same rows for the host (`energyRecordOf`), so a fleet host's history and report are computed
 * exactly as its own would be. The schema validates what agents send: closed objects, bounded numbers and lists.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { EnergyRecord } from '../store/repositories/energy.repository.js';
import { EnergyViewSchema, MAX_USD_PER_HOUR, MAX_WATTS } from './views.js';

/** A day of watching between two points at most (a point closes the interval since the previous one). */
const MAX_INTERVAL_MS = 86_400_000;
const Kwh = Type.Number({ minimum: 0, maximum: MAX_WATTS * 24 });
const Usd = Type.Number({ minimum: 0, maximum: MAX_USD_PER_HOUR * 24 });

export const EnergyPointSchema = Type.Object(
  {
    view: EnergyViewSchema,
    intervalMs: Type.Integer({ minimum: 0, maximum: MAX_INTERVAL_MS, description: 'The interval this point closes, ms.' }),
    energyKwh: { ...Kwh, description: "The host's kWh over the interval." },
    costUsd: { ...Usd, description: "The host's power cost over the interval, USD." },
    protocols: Type.Array(
      Type.Object({ protocol: Type.String({ maxLength: 128 }), energyKwh: Kwh, costUsd: Usd, grossUsd: Usd }, { additionalProperties: false }),
      { maxItems: 256, description: 'Per protocol: kWh, power cost and gross earnings over the interval.' },
    ),
  },
  { additionalProperties: false, description: "A point of the agent's energy accounting (every energy.recordInterval)." },
);
export type EnergyPoint = Static<typeof EnergyPointSchema>;

/** The rows a point is stored as: the host's, each protocol's, and the readings of the meters that answered. */
export function energyRecordOf(point: EnergyPoint): EnergyRecord {
  const v = point.view;
  const sums = new Map(point.protocols.map((p) => [p.protocol, p]));
  return {
    host: {
      time: v.time,
      intervalMs: point.intervalMs,
      hostWatts: v.hostWatts,
      pricePerKwh: v.pricePerKwh,
      usdPerKwh: v.usdPerKwh,
      costUsdPerHour: v.powerCostUsdPerHour,
      grossUsdPerHour: v.grossUsdPerHour,
      energyKwh: point.energyKwh,
      costUsd: point.costUsd,
      estimated: v.estimated,
    },
    protocols: v.protocols.map((p) => {
      const s = sums.get(p.protocol);
      return {
        protocol: p.protocol,
        time: v.time,
        watts: p.watts,
        costUsdPerHour: p.powerCostUsdPerHour,
        grossUsdPerHour: p.grossUsdPerHour,
        netUsdPerHour: p.netUsdPerHour,
        energyKwh: s?.energyKwh ?? 0,
        costUsd: s?.costUsd ?? 0,
        grossUsd: s?.grossUsd ?? 0,
        estimated: v.estimated,
      };
    }),
    meters: v.meters
      .filter((m) => m.status === 'ok' && m.watts !== null && m.lastReadingAt !== null)
      .map((m) => ({ meter: m.name, time: m.lastReadingAt!, watts: m.watts!, energyKwh: m.energyKwh })),
  };
}
