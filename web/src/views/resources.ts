/** Resource use: host totals as bars, and each protocol's state, earnings and use in a table. */
import { card, empty, fill, h } from '../dom';
import { bytes, pct, usd } from '../format';
import { type Host, type ProtocolPoint, type Snapshot, hostPercents } from '../model';
import { nodeLink } from './node-link';

function bar(label: string, percent: number | null, detail: string, testid: string): HTMLElement {
  const value = percent === null ? 0 : Math.max(0, Math.min(100, percent));
  const fillEl = h('div', { class: `bar-fill${value > 90 ? ' hot' : ''}` });
  fillEl.style.width = `${value}%`;
  return h(
    'div',
    { class: 'bar-row', testid, 'data-percent': percent === null ? '' : value.toFixed(1) },
    h('span', { class: 'bar-label' }, label),
    h('div', { class: 'bar', role: 'meter', 'aria-valuenow': value.toFixed(0), 'aria-valuemin': 0, 'aria-valuemax': 100 }, fillEl),
    h('span', { class: 'bar-value' }, `${pct(percent)} ${detail}`),
  );
}

function hostBars(host: Host): HTMLElement {
  const percent = hostPercents(host);
  return h(
    'div',
    { class: 'bars' },
    bar('CPU', percent.cpu, '', 'resource-cpu'),
    bar('Memory', percent.memory, `(${bytes(host.memoryUsedBytes)})`, 'resource-memory'),
    bar('Bandwidth', percent.bandwidth, `(${bytes(host.bandwidthBytesPerSec)}/s)`, 'resource-bandwidth'),
    bar('Storage', percent.storage, `(${bytes(host.storageUsedBytes)})`, 'resource-storage'),
  );
}

const NOT_MEASURED = 'Not measured: give this protocol its container (executor.container) to read its use from Docker';

/** A protocol's own use: numbers only where measured (its container's stats), never a made-up 0. */
function use(p: ProtocolPoint): HTMLElement[] {
  const blockIo = p.blockIoBytesPerSec ?? null;
  const values = [p.cpuPercent, p.memoryBytes, p.bandwidthBytesPerSec, blockIo];
  if (!p.resourcesMeasured && values.every((v) => v === null)) {
    return [h('td', { class: 'muted', colspan: 4, testid: 'not-measured', title: NOT_MEASURED }, 'not measured')];
  }
  const cell = (value: number | null, show: (v: number) => string) =>
    value === null ? h('td', { class: 'num muted', testid: 'not-measured', title: NOT_MEASURED }, '–') : h('td', { class: 'num' }, show(value));
  return [
    cell(p.cpuPercent, pct),
    cell(p.memoryBytes, bytes),
    cell(p.bandwidthBytesPerSec, (v) => `${bytes(v)}/s`),
    cell(blockIo, (v) => `${bytes(v)}/s`),
  ];
}

export function createResources(): { root: HTMLElement; render(snapshot: Snapshot | null): void } {
  const c = card('Nodes and resource use', 'resources');
  fill(c.body, empty('No data yet.', 'resources-empty'));
  return {
    root: c.root,
    render(snapshot) {
      if (!snapshot) return fill(c.body, empty('No data yet.', 'resources-empty'));
      const rows = snapshot.protocols.map((p) =>
        h(
          'tr',
          { testid: 'protocol-row', 'data-protocol': p.protocol, 'data-connected': String(p.connected) },
          h('td', {}, nodeLink(p.protocol, { testid: 'node-link', title: `${p.protocol}: health, payouts, history` })),
          h(
            'td',
            {},
            h(
              'span',
              { class: `pill ${p.connected ? 'ok' : 'bad'}`, title: p.error ?? '' },
              p.connected ? 'connected' : 'disconnected',
            ),
          ),
          h('td', { class: 'num' }, usd(p.usdPerHour)),
          ...use(p),
          h('td', { class: 'num' }, bytes(p.storageBytes)),
        ),
      );
      fill(
        c.body,
        hostBars(snapshot.host),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { testid: 'protocols-table' },
            h('thead', {}, h('tr', {}, ...['Protocol', 'State', 'USD/h', 'CPU', 'Memory', 'Bandwidth', 'Disk I/O', 'Storage'].map((t) => h('th', {}, t)))),
            h('tbody', {}, rows),
          ),
        ),
        h('p', { class: 'muted total', testid: 'total-earnings' }, `Total ${usd(snapshot.totalUsdPerHour)} per hour`),
      );
    },
  };
}
