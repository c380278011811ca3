/**
 * Energy series on `/metrics`: power per meter, energy counter per meter, and net earnings per protocol. Read from
 * the energy service at scrape time. Without a working meter the host estimate shows as meter="estimate".
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EnergyView } from './views.js';

export function registerEnergyMetrics(register: Registry, current: () => EnergyView | null): void {
  new Gauge({
    name: 'orcha_power_watts',
    help: 'Power drawn, watts, per meter (meter="estimate": declared watts, no meter or none working).',
    labelNames: ['meter'] as const,
    registers: [register],
    collect() {
      this.reset();
      const v = current();
      if (!v) return;
      for (const m of v.meters) if (m.watts !== null) this.set({ meter: m.name }, m.watts);
      if (v.meters.length === 0 || v.meters.every((m) => m.status !== 'ok')) this.set({ meter: 'estimate' }, v.hostWatts);
    },
  });
  new Counter({
    name: 'orcha_energy_kwh_total',
    help: 'Energy counter reported by each meter, kWh (Tasmota ENERGY.Total, Shelly aenergy.total / 1000).',
    labelNames: ['meter'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const m of current()?.meters ?? []) if (m.energyKwh !== null) this.inc({ meter: m.name }, m.energyKwh);
    },
  });
  new Gauge({
    name: 'orcha_net_usd_per_hour',
    help: 'Net earnings per protocol at the latest snapshot: gross minus attributed power cost, USD per hour.',
    labelNames: ['protocol'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const p of current()?.protocols ?? []) this.set({ protocol: p.protocol }, p.netUsdPerHour);
    },
  });
  new Gauge({
    name: 'orcha_power_cost_usd_per_hour',
    help: 'Power cost attributed to each protocol at the latest snapshot, USD per hour.',
    labelNames: ['protocol'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const p of current()?.protocols ?? []) this.set({ protocol: p.protocol }, p.powerCostUsdPerHour);
    },
  });
  new Gauge({
    name: 'orcha_power_estimated',
    help: '1 when the power figures are estimated from declared watts (no meter, or a meter silent or failing).',
    registers: [register],
    collect() {
      const v = current();
      this.set(v?.estimated ? 1 : 0);
    },
  });
}
