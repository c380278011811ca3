/**
 * A card holding a uPlot line chart over time, with a point counter and a "No data yet" state. The earnings and
 * resource charts are this with their own series and units. Series are either fixed up front or discovered as
 * points arrive; the plot is rebuilt only when the set of series changes, otherwise its data is replaced.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { card, empty, fill, h } from '../dom';

const MAX_POINTS = 2_000;
const HEIGHT = 240;
const PALETTE = ['#2f7ed8', '#e4572e', '#17a589', '#f1a208', '#8e44ad', '#5d6d7e', '#c0392b', '#1abc9c'];

export interface LinePoint {
  /** epoch ms */
  time: number;
  series: string;
  /** null: no value at that time (a disconnected node): drawn as a gap, never as a fall to 0. */
  value: number | null;
}

export interface LineChartOptions {
  title: string;
  testids: { card: string; chart: string; points: string; empty: string };
  emptyText: string;
  yLabel: string;
  /** Series known in advance, in legend order (key and label); others are added as they appear, labelled by key. */
  series?: { key: string; label: string }[];
  /** A fixed y range (e.g. 0–100 for percentages); the default fits the data. */
  yRange?: [number, number];
  axisValue(v: number): string;
  legendValue(v: number): string;
}

export interface LineChart {
  root: HTMLElement;
  /** Add points; a point at a known (time, series) replaces it. */
  add(points: LinePoint[]): void;
  /** Forget every point (a new time range). */
  clear(): void;
  /** The card's header, where a view can put controls. */
  actions: HTMLElement;
  /** How many distinct times the chart holds. */
  pointCount(): number;
}

export function createLineChart(options: LineChartOptions): LineChart {
  const { testids } = options;
  const counter = h('span', { class: 'muted', testid: testids.points, 'data-count': '0' }, '0 points');
  const c = card(options.title, testids.card, counter);
  const plotHost = h('div', { class: 'chart', testid: testids.chart, 'data-count': '0' });
  const placeholder = empty(options.emptyText, testids.empty);
  fill(c.body, placeholder, plotHost);

  // time (ms) -> series key -> value (null: a known gap)
  const byTime = new Map<number, Map<string, number | null>>();
  const series = (options.series ?? []).map((s) => ({ ...s }));
  const keys = new Set(series.map((s) => s.key));
  let plot: uPlot | null = null;
  let plotted: string | null = null;

  const signature = () => series.map((s) => s.key).join('\u0000');

  function width(): number {
    return Math.max(260, plotHost.clientWidth || c.body.clientWidth || 600);
  }

  /**
   * Times to plot: the known ones, plus one empty time inside every silence much longer than the usual spacing
   * (the server was down, or a range with no samples), so that lines break there instead of bridging it.
   */
  function plotTimes(): { time: number; gap: boolean }[] {
    const times = [...byTime.keys()].sort((a, b) => a - b);
    if (times.length < 3) return times.map((time) => ({ time, gap: false }));
    const steps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
    const usual = steps[Math.floor(steps.length / 2)]!;
    const out: { time: number; gap: boolean }[] = [];
    times.forEach((time, i) => {
      const prev = times[i - 1];
      if (prev !== undefined && usual > 0 && time - prev > usual * 3) out.push({ time: prev + usual, gap: true });
      out.push({ time, gap: false });
    });
    return out;
  }

  function data(): uPlot.AlignedData {
    const times = plotTimes();
    const xs = times.map((t) => t.time / 1000);
    const ys = series.map((s) => times.map((t) => (t.gap ? null : (byTime.get(t.time)?.get(s.key) ?? null))));
    return [xs, ...ys] as uPlot.AlignedData;
  }

  function build(): void {
    plot?.destroy();
    plotted = signature();
    plot = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        scales: { x: { time: true }, ...(options.yRange ? { y: { range: options.yRange } } : {}) },
        axes: [{}, { label: options.yLabel, size: 60, values: (_u, vals) => vals.map((v) => options.axisValue(v)) }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : options.legendValue(v)),
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
    if (plot && plotted === signature()) plot.setData(data());
    else build();
  }

  new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT })).observe(plotHost);

  return {
    root: c.root,
    actions: c.actions,
    clear() {
      byTime.clear();
      redraw();
    },
    add(points) {
      for (const p of points) {
        if (!Number.isFinite(p.time) || (p.value !== null && !Number.isFinite(p.value))) continue;
        if (!keys.has(p.series)) {
          keys.add(p.series);
          series.push({ key: p.series, label: p.series });
        }
        let row = byTime.get(p.time);
        if (!row) {
          row = new Map();
          byTime.set(p.time, row);
        }
        row.set(p.series, p.value);
      }
      // Bounded memory: drop the oldest points.
      if (byTime.size > MAX_POINTS) {
        const times = [...byTime.keys()].sort((a, b) => a - b);
        for (const t of times.slice(0, byTime.size - MAX_POINTS)) byTime.delete(t);
      }
      redraw();
    },
    pointCount: () => byTime.size,
  };
}
