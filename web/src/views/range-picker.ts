/** The time-range picker of the history charts: 1 h, 24 h, 7 d, 30 d, 1 y, each read at a step the server downsamples to. */
import { h } from '../dom';

export interface TimeRange {
  key: string;
  label: string;
  ms: number;
  /** The `step` asked of metrics/history (about 700 points per range); undefined: raw samples. */
  step?: string;
}

const HOUR = 3_600_000;
export const TIME_RANGES: TimeRange[] = [
  { key: '1h', label: '1 h', ms: HOUR },
  { key: '24h', label: '24 h', ms: 24 * HOUR, step: '2m' },
  { key: '7d', label: '7 d', ms: 7 * 24 * HOUR, step: '15m' },
  { key: '30d', label: '30 d', ms: 30 * 24 * HOUR, step: '1h' },
  { key: '1y', label: '1 y', ms: 365 * 24 * HOUR, step: '12h' },
];

export interface RangePicker {
  root: HTMLElement;
  current(): TimeRange;
}

export function createRangePicker(onChange: (range: TimeRange) => void, initial = '1h'): RangePicker {
  let current = TIME_RANGES.find((r) => r.key === initial) ?? TIME_RANGES[0]!;
  const buttons = TIME_RANGES.map((range) =>
    h(
      'button',
      {
        type: 'button',
        class: 'small seg',
        testid: `range-${range.key}`,
        'aria-pressed': String(range.key === current.key),
        onclick: () => {
          if (range.key === current.key) return;
          current = range;
          for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.testid === `range-${range.key}`));
          root.dataset.range = range.key;
          onChange(range);
        },
      },
      range.label,
    ),
  );
  const root = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range', testid: 'range-picker', 'data-range': current.key }, ...buttons);
  return { root, current: () => current };
}
