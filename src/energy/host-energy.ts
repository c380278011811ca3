/**
 * Energy of a fleet host, as its agent reported it (`GET energy...?host=NAME`): its figures at its latest stored
 * point, and its history and report computed by this machine's own queries over the points its agent sent, priced
 * with the host's own tariff (the prices are in its points; the currency is its latest figures'). A host whose agent
 * sent no energy (its config does not enable energy accounting, or an agent that does not send it) is a 404 saying so.
 */
import type { EnergyRepository } from '../store/repositories/energy.repository.js';
import type { HostRecord } from '../store/repositories/fleet.repository.js';
import type { EarningsTotal, ProtocolPoint, Store, TimeRange } from '../store/types.js';
import type { NetFields } from '../engine/monitor/export.js';
import { OrchaError } from '../lib/errors.js';
import { createEnergyReports, type EnergyReports } from './energy-reports.js';
import { netHistory } from './net-rows.js';
import type { EnergyView } from './views.js';

export interface HostEnergy {
  /** The host's figures at the latest point its agent sent (404 when it sent none). */
  current(host: HostRecord): Promise<EnergyView>;
  /** The same, null when it sent none (GET metrics?host=NAME adds them when known). */
  latest(host: HostRecord): Promise<EnergyView | null>;
  /** The host's protocol history points with power, power cost and net from its points (nulls where none covers). */
  netHistory(host: HostRecord, points: ProtocolPoint[], query: { from: number; to: number; stepMs?: number; protocol?: string }): Promise<(ProtocolPoint & NetFields)[]>;
  history(host: HostRecord, query: Parameters<EnergyReports['history']>[0]): ReturnType<EnergyReports['history']>;
  report(host: HostRecord, range: TimeRange): ReturnType<EnergyReports['report']>;
  /** Per host id, net USD/h at its latest point (for the hosts list); hosts without energy are absent. */
  netNow(): Promise<Map<string, number>>;
}

export interface HostEnergyDeps {
  store: Pick<Store, 'hostEnergy'>;
  /** The host's earnings per protocol over a range, from its agent's samples (the gross of its report). */
  earnings(host: HostRecord, range: TimeRange): Promise<Pick<EarningsTotal, 'protocol' | 'usd'>[]>;
}

export function createHostEnergy(deps: HostEnergyDeps): HostEnergy {
  const { hostEnergy } = deps.store;

  async function latestOrNull(host: HostRecord): Promise<EnergyView | null> {
    const now = await hostEnergy.now(host.id);
    return now ? (JSON.parse(now.viewJson) as EnergyView) : null;
  }

  async function latest(host: HostRecord): Promise<EnergyView> {
    const view = await latestOrNull(host);
    if (!view) {
      throw new OrchaError(
        'ORCHA_ERR_NOT_FOUND',
        `Fleet host "${host.name}" has sent no power figures: its agent's config does not enable energy accounting (energy.enabled, energy.meters), or its agent is older than this control plane`,
        [{ path: 'query.host', message: `no energy figures for ${host.name}` }],
      );
    }
    return view;
  }

  async function reportsOf(host: HostRecord): Promise<{ reports: EnergyReports; energy: EnergyRepository }> {
    const view = await latest(host);
    const energy = hostEnergy.of(host.id);
    const reports = createEnergyReports({
      store: { energy, metrics: { earningsTotals: (range) => deps.earnings(host, range) } },
      getConfig: () => ({ energy: { enabled: true, currency: view.currency } }),
    });
    return { reports, energy };
  }

  return {
    current: latest,
    latest: latestOrNull,
    async netHistory(host, points, query) {
      const energy = hostEnergy.of(host.id);
      const view = await latestOrNull(host);
      // The host's own record interval (its latest point's), which decides how finer buckets find their window.
      const last = view ? (await energy.windows({ from: view.time, to: view.time }))[0] : undefined;
      return netHistory(points, energy, query, last?.intervalMs || 60_000);
    },
    async history(host, query) {
      return (await reportsOf(host)).reports.history(query);
    },
    async report(host, range) {
      return (await reportsOf(host)).reports.report(range);
    },
    async netNow() {
      const out = new Map<string, number>();
      for (const [id, now] of await hostEnergy.allNow()) out.set(id, (JSON.parse(now.viewJson) as EnergyView).netUsdPerHour);
      return out;
    },
  };
}
