/** Current versus optimal allocation side by side, and the opportunities the optimizer found. */
import { card, empty, fill, h } from '../dom';
import { pct, usd } from '../format';
import { type AllocationView, type Opportunity, RESOURCES, planGain } from '../model';

function delta(current: number, optimal: number | undefined): HTMLElement | null {
  if (optimal === undefined) return null;
  const d = optimal - current;
  if (Math.abs(d) < 0.05) return null;
  return h('span', { class: d > 0 ? 'up' : 'down' }, ` → ${optimal.toFixed(1)}`);
}

const PALETTE = ['#2f7ed8', '#e4572e', '#17a589', '#f1a208', '#8e44ad', '#5d6d7e', '#c0392b', '#1abc9c'];

/** One resource's split as a stacked bar: a segment per protocol, the rest left free. */
function stackedBar(label: string, shares: { name: string; value: number; color: string }[], testid: string): HTMLElement {
  const segments = shares
    .filter((s) => s.value > 0.05)
    .map((s) => {
      const seg = h('span', { class: 'stack-seg', title: `${s.name}: ${s.value.toFixed(1)} %`, 'data-protocol': s.name, 'data-share': s.value.toFixed(1) });
      seg.style.width = `${Math.min(100, s.value)}%`;
      seg.style.background = s.color;
      return seg;
    });
  return h('div', { class: 'stack-row', testid }, h('span', { class: 'stack-label muted' }, label), h('div', { class: 'stack' }, segments));
}

/** Per resource, the current split above the optimal one, so a move reads as a change of widths. */
function stackedBars(view: AllocationView, names: string[]): HTMLElement {
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length]!;
  const legend = h(
    'div',
    { class: 'stack-legend' },
    names.map((name) => {
      const dot = h('span', { class: 'stack-dot' });
      dot.style.background = color(name);
      return h('span', {}, dot, name);
    }),
  );
  const groups = RESOURCES.map((r) =>
    h(
      'div',
      { class: 'stack-group', testid: 'allocation-bars', 'data-resource': r },
      h('div', { class: 'stack-title' }, r),
      stackedBar('current', names.map((name) => ({ name, value: view.current[name]?.[r] ?? 0, color: color(name) })), 'allocation-bar-current'),
      view.optimal
        ? stackedBar('optimal', names.map((name) => ({ name, value: view.optimal?.[name]?.[r] ?? 0, color: color(name) })), 'allocation-bar-optimal')
        : null,
    ),
  );
  return h('div', { class: 'stacks' }, legend, groups);
}

export function createAllocation(): { root: HTMLElement; render(view: AllocationView | null): void } {
  const c = card('Allocation: current vs optimal (%)', 'allocation');
  fill(c.body, empty('No allocation computed yet.', 'allocation-empty'));
  return {
    root: c.root,
    render(view) {
      const names = view ? [...new Set([...Object.keys(view.current), ...Object.keys(view.optimal ?? {})])].sort() : [];
      if (!view || names.length === 0) return fill(c.body, empty('No allocation computed yet.', 'allocation-empty'));
      const gain = planGain(view);
      const rows = names.map((name) =>
        h(
          'tr',
          { testid: 'allocation-row', 'data-protocol': name },
          h('td', {}, name),
          RESOURCES.map((r) => {
            const current = view.current[name]?.[r] ?? 0;
            const optimal = view.optimal?.[name]?.[r];
            return h('td', { class: 'num', 'data-resource': r }, current.toFixed(1), delta(current, optimal));
          }),
        ),
      );
      fill(
        c.body,
        stackedBars(view, names),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { testid: 'allocation-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Protocol'), RESOURCES.map((r) => h('th', {}, r)))),
            h('tbody', {}, rows),
          ),
        ),
        h(
          'p',
          { class: 'muted', testid: 'allocation-summary' },
          gain
            ? `Optimal gains ${usd(gain.usdPerHour)}/h${gain.netOfPower ? ' net of power' : ''} (${pct(gain.percent)}), confidence ${pct(gain.confidence * 100, 0)}. Arrows show the optimal share where it differs.`
            : 'The optimizer has not produced a plan yet.',
        ),
      );
    },
  };
}

export function createOpportunities(): { root: HTMLElement; render(items: Opportunity[] | null): void } {
  const c = card('Opportunities', 'opportunities');
  fill(c.body, empty('No opportunities yet.', 'opportunities-empty'));
  return {
    root: c.root,
    render(items) {
      if (!items || items.length === 0) return fill(c.body, empty('No opportunities right now.', 'opportunities-empty'));
      const sorted = [...items].sort((a, b) => b.gainUsdPerHour - a.gainUsdPerHour).slice(0, 8);
      fill(
        c.body,
        h(
          'ul',
          { class: 'list' },
          sorted.map((o) => {
            const meter = h('div', { class: 'bar-fill' });
            meter.style.width = `${Math.round(o.confidence * 100)}%`;
            return h(
              'li',
              { testid: 'opportunity-row' },
              h('div', {}, h('strong', {}, `${o.sharePercent.toFixed(1)} % ${o.resource}`), ` ${o.from} → ${o.to}`),
              h('div', { class: 'muted' }, `+${usd(o.gainUsdPerHour)}/h`, o.paybackHours === null ? '' : `, pays back in ${o.paybackHours.toFixed(1)} h`),
              h(
                'div',
                { class: 'confidence', testid: 'opportunity-confidence', 'data-confidence': o.confidence.toFixed(2) },
                h('span', {}, 'confidence'),
                h('div', { class: 'bar' }, meter),
                h('span', {}, `${Math.round(o.confidence * 100)} %`),
              ),
            );
          }),
        ),
      );
    },
  };
}
