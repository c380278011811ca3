/**
 * Earnings per protocol over time (USD/hour), a uPlot line chart fed by history at start and by every
 * `metrics` push after. The chart is rebuilt only when the set of protocols changes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { card, empty, fill, h } from '../dom';
import type { Snapshot } from '../model';

const MAX_POINTS = 2_000;
const PALETTE = ['#2f7ed8', '#e4572e', '#17a589', '#f1a208', '#8e44ad', '#5d6d7e', '#c0392b', '#1abc9c'];

export interface EarningsChart {
  root: HTMLElement;
  /** Add points (time ms, protocol, usd/h); duplicates of a known time replace it. */
  add(points: { time: number; protocol: string; usdPerHour: number }[]): void;
  addSnapshot(snapshot: Snapshot): void;
  pointCount(): number;
}

export function createEarningsChart(): EarningsChart {
  const counter = h('span', { class: 'muted', testid: 'earnings-points', 'data-count': '0' }, '0 points');
  const c = card('Earnings per protocol (USD/h)', 'earnings-card', counter);
  const plotHost = h('div', { class: 'chart', testid: 'earnings-chart' });
  const placeholder = empty('No data yet: the first samples arrive within a poll interval.', 'earnings-empty');
  fill(c.body, placeholder, plotHost);

  // time (ms) -> protocol -> usd/h
  const byTime = new Map<number, Map<string, number>>();
  const protocols: string[] = [];
  let plot: uPlot | null = null;
  let plotted: string | null = null;

  function width(): number {
    return Math.max(260, plotHost.clientWidth || c.body.clientWidth || 600);
  }

  function data(): uPlot.AlignedData {
    const times = [...byTime.keys()].sort((a, b) => a - b);
    const xs = times.map((t) => t / 1000);
    const ys = protocols.map((p) => times.map((t) => byTime.get(t)?.get(p) ?? null));
    return [xs, ...ys] as uPlot.AlignedData;
  }

  function build(): void {
    plot?.destroy();
    plotted = protocols.join('\u0000');
    plot = new uPlot(
      {
        width: width(),
        height: 240,
        scales: { x: { time: true } },
        axes: [{}, { label: 'USD/h', size: 60, values: (_u, vals) => vals.map((v) => v.toFixed(3)) }],
        series: [
          {},
          ...protocols.map((p, i) => ({
            label: p,
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            spanGaps: true,
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : `$${v.toFixed(4)}`),
          })),
        ],
        legend: { live: true },
      },
      data(),
      plotHost,
    );
  }

  function redraw(): void {
    const count = byTime.size;
    counter.textContent = `${count} points`;
    counter.dataset.count = String(count);
    plotHost.dataset.count = String(count);
    placeholder.hidden = count > 0;
    if (count === 0) return;
    if (plot && plotted === protocols.join('\u0000')) plot.setData(data());
    else build();
  }

  new ResizeObserver(() => plot?.setSize({ width: width(), height: 240 })).observe(plotHost);

  const api: EarningsChart = {
    root: c.root,
    add(points) {
      for (const p of points) {
        if (!Number.isFinite(p.time)) continue;
        if (!protocols.includes(p.protocol)) protocols.push(p.protocol);
        let row = byTime.get(p.time);
        if (!row) {
          row = new Map();
          byTime.set(p.time, row);
        }
        row.set(p.protocol, p.usdPerHour);
      }
      // Bounded memory: drop the oldest points.
      if (byTime.size > MAX_POINTS) {
        const times = [...byTime.keys()].sort((a, b) => a - b);
        for (const t of times.slice(0, byTime.size - MAX_POINTS)) byTime.delete(t);
      }
      redraw();
    },
    addSnapshot(snapshot) {
      api.add(snapshot.protocols.map((p) => ({ time: snapshot.time, protocol: p.protocol, usdPerHour: p.usdPerHour })));
    },
    pointCount: () => byTime.size,
  };
  return api;
}
