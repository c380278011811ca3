/**
 * Energy of a fleet host, as its agent reported it (`GET energy...?host=NAME`): its figures at its latest stored
 * point, and its history and report computed by this machine's own queries over the points its agent sent, priced
 * with the host's own tariff (the prices are in its points; the currency is its latest figures'). A host whose agent
 * sent no energy (its config does not enable energy accounting, or an agent that does not send it) is a 404 saying so.
 */
import type { EnergyRepository } from '../store/repositories/energy.repository.js';
import type { HostRecord } from '../store/repositories/fleet.repository.js';
import type { EarningsTotal, Store, TimeRange } from '../store/types.js';
import { OrchaError } from '../lib/errors.js';
import { createEnergyReports, type EnergyReports } from './energy-reports.js';
import type { EnergyView } from './views.js';

export interface HostEnergy {
  /** The host's figures at the latest point its agent sent. */
  current(host: HostRecord): Promise<EnergyView>;
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

  async function latest(host: HostRecord): Promise<EnergyView> {
    const now = await hostEnergy.now(host.id);
    if (!now) {
      throw new OrchaError(
        'ORCHA_ERR_NOT_FOUND',
        `Fleet host "${host.name}" has sent no power figures: its agent's config does not enable energy accounting (energy.enabled, energy.meters), or its agent is older than this control plane`,
        [{ path: 'query.host', message: `no energy figures for ${host.name}` }],
      );
    }
    return JSON.parse(now.viewJson) as EnergyView;
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
