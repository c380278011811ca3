/**
 * Host resource use over time: CPU, memory, bandwidth and storage, each as a percent of its capacity, fed by
 * history at start and by every `metrics` push after.
 */
import { RESOURCES, type ResourcePoint, type Snapshot, hostPercents } from '../model';
import { createLineChart } from './line-chart';

const LABELS = { cpu: 'CPU', memory: 'Memory', bandwidth: 'Bandwidth', storage: 'Storage' } as const;

export interface ResourceChart {
  root: HTMLElement;
  /** Add points; a point at a known time replaces it. */
  add(points: ResourcePoint[]): void;
  addSnapshot(snapshot: Snapshot): void;
  clear(): void;
  pointCount(): number;
}

export function createResourceChart(): ResourceChart {
  const chart = createLineChart({
    title: 'Host resource use (% of capacity)',
    testids: { card: 'resource-chart-card', chart: 'resource-chart', points: 'resource-points', empty: 'resource-chart-empty' },
    emptyText: 'No data yet: the first samples arrive within a poll interval.',
    yLabel: '%',
    series: RESOURCES.map((key) => ({ key, label: LABELS[key] })),
    yRange: [0, 100],
    axisValue: (v) => v.toFixed(0),
    legendValue: (v) => `${v.toFixed(1)} %`,
  });
  const api: ResourceChart = {
    root: chart.root,
    clear: chart.clear,
    add(points) {
      chart.add(
        points.flatMap((p) =>
          RESOURCES.flatMap((key) => {
            const value = p.percents[key];
            // The server stores percentages capped at 100; cap live ones the same way so both agree.
            return value === null ? [] : [{ time: p.time, series: key, value: Math.max(0, Math.min(100, value)) }];
          }),
        ),
      );
    },
    addSnapshot(snapshot) {
      api.add([{ time: snapshot.time, percents: hostPercents(snapshot.host) }]);
    },
    pointCount: chart.pointCount,
  };
  return api;
}
