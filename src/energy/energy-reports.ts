/** Energy over a period: history for charts, a report per protocol (gross, power cost, net) and digest lines. */
import type { Config } from '../config/schema.js';
import type { EnergyRepository } from '../store/repositories/energy.repository.js';
import type { EarningsTotal } from '../store/types.js';
import type { EnergyHistoryView, EnergyReport } from './views.js';

const HOUR_MS = 3_600_000;

export interface EnergyReports {
  history(query: { from: number; to: number; stepMs: number; protocol?: string }): Promise<EnergyHistoryView>;
  /** Gross (the earnings ledger), power cost and net per protocol and in total over the period. */
  report(range: { from: number; to: number }): Promise<EnergyReport>;
  /** Short lines for a digest (alerts16's digests call this); empty when energy is off. */
  digest(range: { from: number; to: number }): Promise<string[]>;
}

const usd = (x: number) => `${x < 0 ? '-' : ''}${Math.abs(x).toFixed(2)} USD`;

export interface EnergyReportsDeps {
  /** This machine's energy series, or a fleet host's (the same queries over its rows). */
  store: { energy: EnergyRepository; metrics: { earningsTotals(range: { from: number; to: number }): Promise<Pick<EarningsTotal, 'protocol' | 'usd'>[]> } };
  getConfig: () => { energy: Pick<Config['energy'], 'enabled' | 'currency'> };
}

export function createEnergyReports(deps: EnergyReportsDeps): EnergyReports {
  const { store } = deps;

  async function report(range: { from: number; to: number }): Promise<EnergyReport> {
    const [energy, host, earnings] = await Promise.all([
      store.energy.totals(range),
      store.energy.hostTotals(range),
      store.metrics.earningsTotals(range),
    ]);
    const hours = Math.max(1e-9, (range.to - range.from) / HOUR_MS);
    const names = [...new Set([...earnings.map((e) => e.protocol), ...energy.map((e) => e.protocol)])].sort();
    const protocols = names.map((protocol) => {
      const grossUsd = earnings.find((e) => e.protocol === protocol)?.usd ?? 0;
      const e = energy.find((x) => x.protocol === protocol);
      const powerCostUsd = e?.costUsd ?? 0;
      return {
        protocol,
        energyKwh: e?.energyKwh ?? 0,
        grossUsd,
        powerCostUsd,
        netUsd: grossUsd - powerCostUsd,
        grossUsdPerHour: grossUsd / hours,
        powerCostUsdPerHour: powerCostUsd / hours,
        netUsdPerHour: (grossUsd - powerCostUsd) / hours,
        estimatedShare: e && e.points > 0 ? e.estimatedPoints / e.points : 0,
      };
    });
    const grossUsd = earnings.reduce((s, e) => s + e.usd, 0);
    return {
      from: range.from,
      to: range.to,
      currency: deps.getConfig().energy.currency,
      estimatedShare: host.points > 0 ? host.estimatedPoints / host.points : 0,
      energyKwh: host.energyKwh,
      grossUsd,
      powerCostUsd: host.costUsd,
      netUsd: grossUsd - host.costUsd,
      hours,
      protocols,
    };
  }

  return {
    async history({ from, to, stepMs, protocol }) {
      const h = await store.energy.history({ from, to, stepMs, protocol });
      return {
        from,
        to,
        stepSeconds: stepMs / 1000,
        points: h.host.map((p) => ({
          time: p.time,
          hostWatts: p.hostWatts,
          powerCostUsdPerHour: p.costUsdPerHour,
          grossUsdPerHour: p.grossUsdPerHour,
          netUsdPerHour: p.grossUsdPerHour - p.costUsdPerHour,
          energyKwh: p.energyKwh,
          estimated: p.estimated,
        })),
        protocols: h.protocols.map((p) => ({
          time: p.time,
          protocol: p.protocol,
          watts: p.watts,
          powerCostUsdPerHour: p.costUsdPerHour,
          grossUsdPerHour: p.grossUsdPerHour,
          netUsdPerHour: p.netUsdPerHour,
        })),
        meters: h.meters,
      };
    },
    report,
    async digest(range) {
      if (!deps.getConfig().energy.enabled) return [];
      const r = await report(range);
      if (r.energyKwh === 0 && r.protocols.every((p) => p.powerCostUsd === 0)) return [];
      const label = r.estimatedShare > 0 ? ` (estimated for ${Math.round(r.estimatedShare * 100)} % of the period)` : '';
      const lines = [`Power: ${r.energyKwh.toFixed(2)} kWh costing ${usd(r.powerCostUsd)}${label}; gross ${usd(r.grossUsd)}, net ${usd(r.netUsd)}.`];
      for (const p of r.protocols) {
        const flag = p.netUsd < 0 ? ' — costs more power than it earns' : '';
        lines.push(`${p.protocol}: gross ${usd(p.grossUsd)}, power ${usd(p.powerCostUsd)}, net ${usd(p.netUsd)}${flag}`);
      }
      return lines;
    },
  };
}
