/** Earnings per protocol over time (USD/hour), fed by history at start and by every `metrics` push after. */
import { type EarningsPoint, type Snapshot, snapshotEarnings } from '../model';
import { createLineChart } from './line-chart';

export interface EarningsChart {
  root: HTMLElement;
  /** Add points (time ms, protocol, usd/h; null for a gap); duplicates of a known time replace it. */
  add(points: EarningsPoint[]): void;
  clear(): void;
  /** The card's header, for the time-range picker. */
  actions: HTMLElement;
  addSnapshot(snapshot: Snapshot): void;
  pointCount(): number;
}

export function createEarningsChart(): EarningsChart {
  const chart = createLineChart({
    title: 'Earnings per protocol (USD/h)',
    testids: { card: 'earnings-card', chart: 'earnings-chart', points: 'earnings-points', empty: 'earnings-empty' },
    emptyText: 'No data yet: the first samples arrive within a poll interval.',
    yLabel: 'USD/h',
    axisValue: (v) => v.toFixed(3),
    legendValue: (v) => `$${v.toFixed(4)}`,
  });
  const api: EarningsChart = {
    root: chart.root,
    actions: chart.actions,
    clear: chart.clear,
    add(points) {
      chart.add(points.map((p) => ({ time: p.time, series: p.protocol, value: p.usdPerHour })));
    },
    addSnapshot(snapshot) {
      // A disconnected node earns nothing we know of: a gap, not a fall to $0.
      api.add(snapshotEarnings(snapshot));
    },
    pointCount: chart.pointCount,
  };
  return api;
}
