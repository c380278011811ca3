/**
 * Net fields for protocol history (exports and GET metrics/history?net=true): each protocol row gets the power drawn and its cost over the stored energy window
 * that holds the row (windows close at every `energy.recordInterval`), and the net rate: the row's gross rate minus
 * that cost. A row no stored window covers yet (the last minute or so, or a time energy accounting was off) gets nulls.
 */
import type { ExportRow, NetFields } from '../engine/monitor/export.js';
import type { ProtocolPoint } from '../store/types.js';
import type { EnergyRepository, EnergyWindow } from '../store/repositories/energy.repository.js';

const HOUR_MS = 3_600_000;
const UNKNOWN: NetFields = { powerWatts: null, powerCostUsdPerHour: null, netUsdPerHour: null, powerEstimated: null };

type Windows = Pick<EnergyRepository, 'windows' | 'hostTotals'>;
type Repo = Pick<EnergyRepository, 'windows' | 'history'>;

/** Whether energy was accounted over [from, to] or just after it (a window holding `to`): the export then has net columns. */
export async function energyKnown(energy: Windows, range: { from: number; to: number }): Promise<boolean> {
  if ((await energy.hostTotals(range)).points > 0) return true;
  return (await energy.windows({ from: range.to, to: range.to })).some((w) => w.time - w.intervalMs <= range.to);
}

/** The net fields of a row from the window holding it (its average draw and cost over that window). */
export function netOf(row: ProtocolPoint, window: EnergyWindow | undefined): NetFields {
  if (!window || window.time - window.intervalMs > row.time || window.time < row.time) return UNKNOWN;
  const hours = window.intervalMs / HOUR_MS;
  const watts = hours > 0 ? (window.energyKwh * 1000) / hours : window.watts;
  const cost = hours > 0 ? window.costUsd / hours : window.costUsdPerHour;
  return { powerWatts: watts, powerCostUsdPerHour: cost, netUsdPerHour: row.usdPerHour - cost, powerEstimated: window.estimated };
}

/** The pages with net fields added, one window query per page. */
export async function* withNetColumns(pages: AsyncIterable<ProtocolPoint[]>, energy: Pick<EnergyRepository, 'windows'>, protocol?: string): AsyncGenerator<ExportRow[]> {
  for await (const page of pages) {
    if (page.length === 0) continue;
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const r of page) {
      from = Math.min(from, r.time);
      to = Math.max(to, r.time);
    }
    const byProtocol = new Map<string, EnergyWindow[]>();
    for (const w of await energy.windows({ from, to, protocol })) {
      const list = byProtocol.get(w.protocol) ?? [];
      list.push(w);
      byProtocol.set(w.protocol, list);
    }
    yield page.map((row) => ({ ...row, ...netOf(row, firstClosingAtOrAfter(byProtocol.get(row.protocol) ?? [], row.time)) }));
  }
}

/** The first window (oldest first) closing at or after `time`. */
function firstClosingAtOrAfter(windows: EnergyWindow[], time: number): EnergyWindow | undefined {
  let lo = 0;
  let hi = windows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (windows[mid]!.time < time) lo = mid + 1;
    else hi = mid;
  }
  return windows[lo];
}

/**
 * History points with net fields. Raw points, or buckets finer than the stored energy windows, take the window that
 * holds them; coarser buckets take the energy history's bucket of the same start (its average draw and cost rate).
 */
export async function netHistory(
  points: ProtocolPoint[],
  energy: Repo,
  query: { from: number; to: number; stepMs?: number; protocol?: string },
  recordIntervalMs: number,
): Promise<(ProtocolPoint & NetFields)[]> {
  if (points.length === 0) return [];
  if (query.stepMs === undefined || query.stepMs < recordIntervalMs) {
    const out: (ProtocolPoint & NetFields)[] = [];
    for await (const page of withNetColumns(once(points), energy, query.protocol)) out.push(...(page as (ProtocolPoint & NetFields)[]));
    return out;
  }
  const history = await energy.history({ from: query.from, to: query.to, stepMs: query.stepMs, protocol: query.protocol });
  const estimated = new Map(history.host.map((b) => [b.time, b.estimated > 0]));
  const buckets = new Map(history.protocols.map((b) => [`${b.time}|${b.protocol}`, b]));
  return points.map((p) => {
    const b = buckets.get(`${p.time}|${p.protocol}`);
    if (!b) return { ...p, ...UNKNOWN };
    return {
      ...p,
      powerWatts: b.watts,
      powerCostUsdPerHour: b.costUsdPerHour,
      netUsdPerHour: p.usdPerHour - b.costUsdPerHour,
      powerEstimated: estimated.get(b.time) ?? false,
    };
  });
}

async function* once<T>(page: T[]): AsyncGenerator<T[]> {
  yield page;
}
