/** Energy points as an agent sends them (energy/energy-point.ts), for tests of the fleet's energy. */
import type { EnergyPoint } from '../../src/energy/energy-point.js';

/** A point of 100 W over the minute before `time`, at 0.20 USD/kWh, all of it charged to storj. */
export function energyPoint(time: number, watts = 100): EnergyPoint {
  const usdPerHour = (watts / 1000) * 0.2;
  const kwh = watts / 1000 / 60;
  return {
    view: {
      time,
      enabled: true,
      estimated: false,
      estimatedReason: null,
      currency: 'USD',
      pricePerKwh: 0.2,
      rate: 'flat',
      usdPerKwh: 0.2,
      hostWatts: watts,
      idleWatts: 40,
      overheadWatts: 0,
      basis: 'allocation',
      basisNote: 'test',
      idleRule: 'equal',
      grossUsdPerHour: 0.05,
      powerCostUsdPerHour: usdPerHour,
      netUsdPerHour: 0.05 - usdPerHour,
      meters: [{ name: 'plug', type: 'http', format: 'shelly', protocol: null, status: 'ok', watts, energyKwh: null, lastReadingAt: time, error: null }],
      protocols: [
        { protocol: 'storj', watts, idleWatts: 40, activeWatts: watts - 40, loadShare: 1, grossUsdPerHour: 0.05, powerCostUsdPerHour: usdPerHour, netUsdPerHour: 0.05 - usdPerHour },
      ],
    },
    intervalMs: 60_000,
    energyKwh: kwh,
    costUsd: kwh * 0.2,
    protocols: [{ protocol: 'storj', energyKwh: kwh, costUsd: kwh * 0.2, grossUsd: 0.05 / 60 }],
  };
}
