/** Resource use: host totals as bars, and each protocol's state, earnings and use in a table. */
import { card, empty, fill, h } from '../dom';
import { bytes, pct, usd } from '../format';
import { type Host, type Snapshot, hostPercents } from '../model';
import { href } from '../router';

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
          h('td', {}, h('a', { href: href.node(p.protocol), class: 'node-link', testid: 'node-link', title: `${p.protocol}: health, payouts, history` }, p.protocol)),
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
          h('td', { class: 'num' }, pct(p.cpuPercent)),
          h('td', { class: 'num' }, bytes(p.memoryBytes)),
          h('td', { class: 'num' }, `${bytes(p.bandwidthBytesPerSec)}/s`),
          h('td', { class: 'num' }, bytes(p.storageBytes)),
        ),
      );
      fill(
        c.body,
        snapshot.host ? hostBars(snapshot.host) : null,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { testid: 'protocols-table' },
            h('thead', {}, h('tr', {}, ...['Protocol', 'State', 'USD/h', 'CPU', 'Memory', 'Bandwidth', 'Storage'].map((t) => h('th', {}, t)))),
            h('tbody', {}, rows),
          ),
        ),
        h('p', { class: 'muted total', testid: 'total-earnings' }, `Total ${usd(snapshot.totalUsdPerHour)} per hour`),
      );
    },
  };
}
