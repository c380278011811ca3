/**
 * What one more share point of each resource costs in power, per protocol: the optimizer's power term (USD/h per
 * point, at the price of the moment). Pure functions.
 *
 * - No meter: the draw is the declared-watts estimate, idle + (max - idle) x host CPU load, so only CPU costs power.
 *   A point of a protocol's CPU share adds (max - idle) / 100 W times how much of that point it actually loads: its
 *   measured CPU (percent of one core) over the cores its share is, capped at 1. A protocol whose CPU is not measured
 *   is charged the active watts the attribution gives it, spread over its share.
 * - Meters: the measured power above idle is charged by the attribution (CPU, network and disk, weighted), so a point
 *   of CPU, bandwidth or storage share costs the watts charged through that kind of load over the share held.
 *
 * Idle power is paid whatever the allocation, and a protocol's own meter or declared hardware draws the same at any
 * share: neither enters the term. Memory draws nothing either model can see.
 */
import type { ResourceShares } from '../domain/resources.js';
import type { Snapshot } from '../domain/sample.js';
import type { Attribution } from './attribution.js';
import type { EnergyConfig } from './schema.js';

const ZERO: ResourceShares = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
/** A share below this (percent) is too small to divide charged watts by. */
const MIN_SHARE = 1;

export interface PowerCostInput {
  snapshot: Snapshot;
  attribution: Attribution;
  config: EnergyConfig;
  /** true: the host draw is the declared-watts estimate (no meter configured). */
  estimateOnly: boolean;
  usdPerKwh: number;
}

export function powerCostPerPoint(input: PowerCostInput): Record<string, ResourceShares> {
  const { snapshot, attribution, config } = input;
  const usdPerWatt = input.usdPerKwh / 1000;
  const out: Record<string, ResourceShares> = {};
  if (!(usdPerWatt > 0)) {
    for (const s of snapshot.protocols) out[s.protocol] = { ...ZERO };
    return out;
  }
  if (input.estimateOnly) {
    const wattsPerHostPoint = Math.max(0, config.estimate.maxWatts - config.estimate.idleWatts) / 100;
    const cores = Math.max(1, snapshot.host.cpuCount);
    const byProtocol = new Map(attribution.protocols.map((p) => [p.protocol, p]));
    for (const s of snapshot.protocols) {
      const share = s.allocation.cpu;
      if (s.cpuPercent === null) {
        // Its own load is not measured: charge the watts the attribution gives it over the share it holds, so what
        // the plan says it costs now is what the energy view says it draws (never more than the host draws).
        const active = byProtocol.get(s.protocol)?.activeWatts ?? 0;
        out[s.protocol] = { ...ZERO, cpu: (active / Math.max(MIN_SHARE, share)) * usdPerWatt };
        continue;
      }
      // Host CPU percent per point of CPU share: 1 when the protocol loads all of it.
      const loaded = share < MIN_SHARE ? 1 : Math.min(1, s.cpuPercent / cores / share);
      out[s.protocol] = { ...ZERO, cpu: wattsPerHostPoint * loaded * usdPerWatt };
    }
    return out;
  }
  const byProtocol = new Map(attribution.protocols.map((p) => [p.protocol, p]));
  for (const s of snapshot.protocols) {
    const kinds = byProtocol.get(s.protocol)?.kindWatts ?? { cpu: 0, network: 0, disk: 0 };
    const per = (watts: number, share: number) => (watts / Math.max(MIN_SHARE, share)) * usdPerWatt;
    out[s.protocol] = {
      cpu: per(kinds.cpu, s.allocation.cpu),
      memory: 0,
      bandwidth: per(kinds.network, s.allocation.bandwidth),
      storage: per(kinds.disk, s.allocation.storage),
    };
  }
  return out;
}
