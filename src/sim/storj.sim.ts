import type { Clock } from '../lib/clock.js';
import type { MarketModel } from './market.js';
import { renameField, startSimServer } from './server.js';
import type { Simulator } from './types.js';

/** Storj console API: /api/sno/, /api/sno/satellites, /api/sno/estimated-payout (USD cents, month to date). */
export interface NodeSimOptions {
  name: string;
  model: MarketModel;
  clock: Clock;
  /** A node that just started: zero-time lastPinged, null storageDaily, no satellites yet. */
  fresh?: boolean;
  slowMs?: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const SATELLITES = ['12EayRS2V1kEsWESU9QMRseFhdxYxKicsiFmxrsLZHeLUtdps3S', '1wFTAgs9DP5RSnCqKV1eLf6N9wtk4EAtmN5DpSxcs8EjT69tGE'];
const TB = 1e12;

function month(time: number): number {
  const d = new Date(time);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export function startStorjSim(o: NodeSimOptions): Promise<Simulator> {
  // Month-to-date: the payout counter restarts each month, like the real node's estimate.
  let monthKey = month(o.clock.now());
  let monthBaseUsd = 0;
  let served: number | null = null;

  const monthToDateUsd = (): number => {
    const total = o.model.cumulativeUsd();
    const key = month(o.clock.now());
    if (key !== monthKey) {
      monthKey = key;
      monthBaseUsd = total;
    }
    // A simulated payout drops the total below the base: the month restarts from the lower value.
    if (total < monthBaseUsd) monthBaseUsd = 0;
    return total - monthBaseUsd;
  };
  const usedBytes = () => (o.model.effectiveShares().storage / 100) * 8 * TB;
  // The simulated node joined two months before the simulation starts: held amounts apply for its first 9 months.
  const joinedAt = o.clock.now() - 60 * 86_400_000;

  return startSimServer({
    name: o.name,
    type: 'storj',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (path, reply) => (path === '/api/sno/estimated-payout' ? renameField(reply, 'currentMonth.diskSpacePayout', 'diskSpacePayoutCents') : renameField(reply, 'lastPinged', 'lastPingedAt')),
    routes: [
      {
        method: 'GET',
        path: '/api/sno/',
        handle: () => ({
          json: {
            nodeID: '12Qn1vc9oBGm3YTqjMGpW4WjH7wjvDPG4hSLsZ3TNkxpdUZoGQ6',
            wallet: '0x0000000000000000000000000000000000000001',
            walletFeatures: null,
            lastPinged: o.fresh ? ZERO_TIME : new Date(o.clock.now() - 60_000).toISOString(),
            startedAt: new Date(o.clock.now() - 3_600_000).toISOString(),
            version: '1.117.5',
            allowedVersion: '1.110.0',
            upToDate: true,
            configuredPort: '28967',
            quicStatus: 'OK',
            lastQuicPingedAt: ZERO_TIME,
            satellites: o.fresh ? null : SATELLITES.map((id) => ({ id, url: `${id}@sat.example:7777`, disqualified: null, suspended: null, vettedAt: null })),
            diskSpace: { used: usedBytes(), available: (o.model.allocation().storage / 100) * 8 * TB, overused: 0, allocated: (o.model.allocation().storage / 100) * 8 * TB, trash: 0, reclaimable: 0 },
            bandwidth: { used: 0, available: 0 },
          },
        }),
      },
      {
        method: 'GET',
        path: '/api/sno/satellites',
        handle: () => ({
          json: {
            storageDaily: o.fresh ? null : [{ atRestTotal: usedBytes() * 24, atRestTotalBytes: usedBytes(), intervalStart: new Date(o.clock.now()).toISOString() }],
            bandwidthDaily: o.fresh ? null : [],
            storageSummary: usedBytes() * 24,
            averageUsageBytes: usedBytes(),
            bandwidthSummary: 0,
            egressSummary: 0,
            ingressSummary: 0,
            audits: o.fresh ? null : SATELLITES.map((id) => ({ auditScore: 1, suspensionScore: 1, onlineScore: 1, satelliteName: id })),
          },
        }),
      },
      {
        method: 'GET',
        path: /^\/api\/sno\/satellite\/([A-Za-z0-9]+)$/,
        handle: (_req, m) => {
          const id = m?.[1] ?? '';
          if (o.fresh || !SATELLITES.includes(id)) return { status: 404, json: { error: 'satellite not found' } };
          return {
            json: {
              id,
              storageDaily: [{ atRestTotal: usedBytes() * 12, atRestTotalBytes: usedBytes() / 2, intervalInHours: 24, intervalStart: new Date(o.clock.now()).toISOString() }],
              bandwidthDaily: [
                { egress: { repair: 0, audit: 0, usage: 0 }, ingress: { repair: 0, usage: 0 }, delete: 0, intervalStart: new Date(o.clock.now()).toISOString() },
              ],
              storageSummary: usedBytes() * 12,
              averageUsageBytes: usedBytes() / 2,
              bandwidthSummary: 0,
              egressSummary: 0,
              ingressSummary: 0,
              currentStorageUsed: usedBytes() / 2,
              audits: { auditScore: 1, suspensionScore: 1, onlineScore: o.model.inOutage() ? 0.95 : 0.999, satelliteName: `${id}@sat.example:7777` },
              auditHistory: { score: 1, windows: [{ windowStart: new Date(o.clock.now() - 43_200_000).toISOString(), totalCount: 40, onlineCount: 40 }] },
              priceModel: { EgressBandwidth: 200, RepairBandwidth: 100, AuditBandwidth: 100, DiskSpace: 150 },
              nodeJoinedAt: new Date(o.clock.now() - 30 * 86_400_000).toISOString(),
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/api/sno/estimated-payout',
        handle: () => {
          // Storage is recomputed from satellite tallies twice a day: in the hour after, the estimate reads a little low,
          // then grows past it again (the real node's mid-month corrections).
          const correcting = Math.floor(o.clock.now() / 3_600_000) % 12 === 0;
          const cents = monthToDateUsd() * 100 * (correcting ? 0.97 : 1);
          served = cents / 100;
          const part = (f: number) => Math.round(cents * f * 1e6) / 1e6;
          // A young node: the satellites hold back 75/50/25 % of its earnings in months 1-3/4-6/7-9 (payout is net of it).
          const ageMonths = Math.floor((o.clock.now() - joinedAt) / (30 * 86_400_000));
          const heldRate = ageMonths < 3 ? 0.75 : ageMonths < 6 ? 0.5 : ageMonths < 9 ? 0.25 : 0;
          const held = Math.round(cents * heldRate * 1e6) / 1e6;
          const month = {
            egressBandwidth: 0,
            egressBandwidthPayout: part(0.2),
            egressRepairAudit: 0,
            egressRepairAuditPayout: part(0.05),
            diskSpace: usedBytes() * 24,
            diskSpacePayout: cents - part(0.2) - part(0.05),
            // The aggregated (all satellites) body leaves heldRate 0 and sums held.
            heldRate: 0,
            payout: cents - held,
            held,
          };
          return { json: { currentMonth: month, previousMonth: { ...month, payout: 0, held: 0, diskSpacePayout: 0, egressBandwidthPayout: 0, egressRepairAuditPayout: 0 }, currentMonthExpectations: cents * 2 } };
        },
      },
    ],
  });
}
