/** Earnings per protocol over time (USD/hour), fed by history at start and by every `metrics` push after. */
import type { Snapshot } from '../model';
import { createLineChart } from './line-chart';

export interface EarningsChart {
  root: HTMLElement;
  /** Add points (time ms, protocol, usd/h); duplicates of a known time replace it. */
  add(points: { time: number; protocol: string; usdPerHour: number }[]): void;
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
    add(points) {
      chart.add(points.map((p) => ({ time: p.time, series: p.protocol, value: p.usdPerHour })));
    },
    addSnapshot(snapshot) {
      api.add(snapshot.protocols.map((p) => ({ time: snapshot.time, protocol: p.protocol, usdPerHour: p.usdPerHour })));
    },
    pointCount: chart.pointCount,
  };
  return api;
}
