/**
 * The fleet card: every host (this machine and each agent that reports here) with its health, last report, USD/h and
 * open alerts, and the totals (GET /api/v1/fleet). Shown only when there is more than this machine. It refreshes
 * itself while it is on the page and stops once the page has replaced it.
 */
import type { Api } from '../api';
import { card, fill, h } from '../dom';
import { ago, usd } from '../format';
import type { FleetAnswer } from '../server-types';

const REFRESH_MS = 15_000;
const PILL: Record<FleetAnswer['hosts'][number]['health'], string> = { ok: 'ok', silent: 'bad', 'never-seen': 'warn', revoked: '' };

export function createFleetView(api: Api): { root: HTMLElement } {
  const c = card('Fleet', 'fleet');
  const signedUsd = (value: number): string => (value < 0 ? `-${usd(-value)}` : usd(value));
  c.root.hidden = true;

  function render(f: FleetAnswer): void {
    c.root.hidden = f.hosts.length <= 1;
    const t = f.totals;
    const summary = h(
      'p',
      { testid: 'fleet-summary' },
      `${t.hosts} hosts: ${t.ok} ok, ${t.silent} silent, ${t.neverSeen} never seen, ${t.revoked} revoked; ${usd(t.usdPerHour)}/h; ${t.openAlerts} open alerts`,
    );
    const rows = f.hosts.map((host) =>
      h(
        'tr',
        { testid: 'fleet-row', 'data-host': host.name, 'data-health': host.health },
        h('td', {}, host.local ? `${host.name} (this machine)` : host.name),
        h('td', {}, h('span', { class: `pill ${PILL[host.health]}` }, host.health)),
        h('td', {}, host.lastSeenAt ? ago(host.lastSeenAt) : '–'),
        h('td', { class: 'num' }, host.usdPerHour === null ? '–' : usd(host.usdPerHour)),
        // Net of power cost at the host's latest energy point; – for a host that accounts no energy.
        h('td', { class: 'num', testid: 'fleet-net' }, host.netUsdPerHour === null ? '–' : signedUsd(host.netUsdPerHour)),
        h('td', { class: 'num' }, `${host.connected}/${host.protocols}`),
        h('td', { class: 'num' }, String(host.openAlerts)),
      ),
    );
    const head = h('tr', {}, ...['host', 'health', 'last seen', 'USD/h', 'net/h', 'nodes up', 'alerts'].map((x) => h('th', {}, x)));
    fill(c.body, summary, h('div', { class: 'table-wrap' }, h('table', { testid: 'fleet-table' }, h('thead', {}, head), h('tbody', {}, ...rows))));
  }

  let seen = false;
  async function refresh(): Promise<void> {
    // Once the card has been on the page and is no more (logout, another page), it stops.
    if (seen && !c.root.isConnected) return;
    seen ||= c.root.isConnected;
    try {
      render(await api.get<FleetAnswer>('fleet'));
    } catch {
      // An unreachable server shows in the page's banner; the card keeps its last picture.
    }
    setTimeout(() => void refresh(), REFRESH_MS);
  }
  void refresh();
  return { root: c.root };
}
