/**
 * The page of one node (#/node/<protocol>): its link and health, what it earned and holds, payouts, its earnings
 * history over a chosen range, the alerts about it and the reallocations that touched it. Reads status, metrics,
 * metrics/history, reports, payouts, alerts and reallocation/history; refreshes every 15 s. With a fleet host
 * (#/node/<protocol>?host=NAME, from the overview's host picker) every read takes `?host=NAME`: that host's node as
 * its agent reported it (its breaker and last error from its status summary, its health from its latest sample), the
 * control plane's plans for it in place of reallocations, its totals over every period like this machine's.
 */
import { ApiError, type Api } from '../../api';
import { card, empty, fill, h } from '../../dom';
import { usd } from '../../format';
import { fetchReport } from '../../reports';
import { href } from '../../router';
import type { AdapterStatus, History, ProtocolSample, Reallocation, StatusAnswer, Wire } from '../../server-types';
import { createAlerts } from '../alerts';
import { totalPeriods } from '../earnings-totals';
import { createLineChart } from '../line-chart';
import { createPayoutsCard, payoutsQuery } from '../payouts';
import { type Alert, fromWire, type Payouts } from '../../model';
import { type TimeRange, createRangePicker } from '../range-picker';
import { type NodePoint, createEffectsCard, nodeEffects } from './effects';
import { createHealthCard } from './health';

const REFRESH_MS = 15_000;
const TOTALS_REFRESH_MS = 5 * 60_000;

type ReportRow = Awaited<ReturnType<typeof fetchReport>>['protocols'][number];

function tokens(value: number | null | undefined, token: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(Math.abs(value) >= 100 ? 2 : 4)} ${token}`;
}

function points(history: History, protocol: string): NodePoint[] {
  // `connected` is the share of connected samples in a bucket: none connected is a gap, not $0.
  return history.protocols.filter((p) => p.protocol === protocol).map((p) => ({ time: Date.parse(p.time), usdPerHour: p.connected > 0 ? p.usdPerHour : null }));
}

/**
 * A fleet host's node as the health card reads it: its agent's status summary for the link (breaker, last answer,
 * last error), the health its latest sample carried; from the sample alone when the agent sends no summary.
 */
function remoteAdapter(status: StatusAnswer | null, sample: ProtocolSample | null, protocol: string, sampleTime: string | undefined): AdapterStatus | null {
  const reported = status?.coordinator.adapters.find((a) => a.protocol === protocol) ?? null;
  if (!reported && !sample) return null;
  const base: AdapterStatus = reported ?? {
    protocol,
    type: sample!.type,
    connected: sample!.connected,
    breaker: 'closed',
    lastError: sample!.error ?? null,
    latencyMs: sample!.latencyMs ?? null,
    lastSuccessAt: sample!.connected ? (sampleTime ?? null) : null,
    consecutiveFailures: 0,
  };
  return { ...base, nodeHealth: sample?.health ?? null, nodeHealthAt: sample?.health ? (sampleTime ?? null) : null };
}

export function startNodePage(host: HTMLElement, api: Api, protocol: string, fleetHost?: string): () => void {
  let stopped = false;
  let latestTime = Date.now();
  let totals: { readAt: number; rows: (ReturnType<typeof totalPeriods>[number] & { row: ReportRow | undefined })[] } | null = null;
  const title = h(
    'div',
    { class: 'page-title' },
    h('a', { href: href.overviewOf(fleetHost), testid: 'node-back' }, '← Overview'),
    h('h2', { testid: 'node-title', 'data-protocol': protocol, 'data-host': fleetHost ?? '' }, protocol),
    fleetHost === undefined ? null : h('span', { class: 'pill', testid: 'node-host', title: 'As its agent reported it to this control plane' }, `on ${fleetHost}`),
    h('span', { class: 'muted', testid: 'node-type' }),
  );
  const health = createHealthCard();
  const money = card('Earnings, held amount and payouts', 'node-earnings');
  fill(money.body, empty('Loading…', 'node-earnings-empty'));
  const chart = createLineChart({
    title: 'Earnings history (USD/h)',
    testids: { card: 'node-history-card', chart: 'node-history-chart', points: 'node-history-points', empty: 'node-history-empty' },
    emptyText: 'No samples in this range.',
    yLabel: 'USD/h',
    series: [{ key: 'usd', label: protocol }],
    axisValue: (v) => v.toFixed(3),
    legendValue: (v) => `$${v.toFixed(4)}`,
  });
  const picker = createRangePicker((range) => {
    chart.clear();
    void loadHistory(range).catch(warn);
  }, '24h');
  chart.actions.prepend(picker.root);
  const effects = createEffectsCard();
  const payouts = createPayoutsCard({ title: 'Payouts', withProtocol: false });
  const alerts = createAlerts(
    async (ids) => {
      await api.post('alerts/acknowledge', { ids });
      void loadAlerts().catch(warn);
    },
    { title: 'Alerts about this node', testid: 'node-alerts' },
  );
  host.className = 'grid node-page';
  fill(host, title, health.root, money.root, payouts.root, chart.root, alerts.root, effects.root);

  function warn(err: unknown): void {
    if (!(err instanceof ApiError) || err.status !== 0) console.warn(err);
  }

  async function loadState(): Promise<void> {
    const [status, metrics] = await Promise.all([
      // A fleet host's agent before 0.3.0 sends no status summary (a 404): its latest sample stands in.
      fleetHost === undefined ? api.get<StatusAnswer>('status') : api.get<StatusAnswer>('status', { host: fleetHost }).catch(() => null),
      api.get<{ time: string; protocols: ProtocolSample[] }>('metrics', { host: fleetHost }).catch(() => null),
    ]);
    if (stopped) return;
    const sample = metrics?.protocols.find((p) => p.protocol === protocol) ?? null;
    const adapter =
      fleetHost === undefined ? (status?.coordinator.adapters.find((a) => a.protocol === protocol) ?? null) : remoteAdapter(status, sample, protocol, metrics?.time);
    if (metrics) latestTime = Date.parse(metrics.time);
    title.querySelector('[data-testid="node-type"]')!.textContent = adapter ? adapter.type : '';
    // "ago" against the node's latest sample: the server's clock, not this browser's (they differ in a simulation).
    health.render(adapter, latestTime, fleetHost === undefined ? undefined : (status?.reportedAt ?? null));
    await Promise.all([renderMoney(sample, adapter?.nodeHealth?.heldTokens), loadPayouts()]);
  }

  async function loadPayouts(): Promise<void> {
    const answer = fromWire<Payouts>(await api.get<Wire<Payouts>>('payouts', { ...payoutsQuery(latestTime, protocol), host: fleetHost }));
    if (!stopped) payouts.render(answer, latestTime);
  }

  async function renderMoney(sample: ProtocolSample | null, heldTokens: number | undefined): Promise<void> {
    // Reports over more than 7 days run as operations on the server: read them at most every few minutes.
    if (!totals || Date.now() - totals.readAt > TOTALS_REFRESH_MS) {
      const periods = totalPeriods(latestTime).filter((p) => p.key !== 'mtd');
      const reports = await Promise.all(periods.map((p) => fetchReport(api, p.from, p.to, fleetHost)));
      totals = { readAt: Date.now(), rows: periods.map((p, i) => ({ ...p, row: reports[i]!.protocols.find((x) => x.protocol === protocol) })) };
    }
    if (stopped) return;
    const rows = totals.rows;
    const token = sample?.token ?? rows.find((r) => r.row)?.row?.token ?? '';
    const paidOut = rows.find((r) => r.key === '30d')?.row?.payoutEvents ?? 0;
    fill(
      money.body,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Now'),
        h('dd', { testid: 'node-rate' }, sample ? (sample.connected ? `${usd(sample.usdPerHour)}/h` : 'not earning (disconnected)') : '–'),
        h('dt', {}, 'Reported counter'),
        h('dd', { testid: 'node-counter' }, tokens(sample?.cumulativeTokens, token)),
        h('dt', {}, 'Held back by the network'),
        h('dd', { testid: 'node-held', 'data-held': heldTokens === undefined ? '' : String(heldTokens) }, heldTokens === undefined ? 'not reported' : tokens(heldTokens, token)),
        h('dt', {}, 'Payouts (30 days)'),
        h('dd', { testid: 'node-payouts', 'data-count': String(paidOut) }, paidOut === 0 ? 'none seen' : `${paidOut} (amounts below)`),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { testid: 'node-totals' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Earned (UTC days)'), h('th', { class: 'num' }, 'USD'), h('th', { class: 'num' }, `Reported (${token || 'tokens'})`))),
          h(
            'tbody',
            {},
            rows.map((r) =>
              h(
                'tr',
                { testid: 'node-total', 'data-period': r.key, 'data-usd': r.row ? String(r.row.usd) : '' },
                h('td', {}, r.label),
                h('td', { class: 'num' }, r.row ? usd(r.row.usd, 2) : '–'),
                h('td', { class: 'num' }, r.row ? tokens(r.row.tokens, r.row.token) : '–'),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function loadHistory(range: TimeRange = picker.current()): Promise<void> {
    const to = latestTime;
    const history = await api.get<History>('metrics/history', {
      protocol,
      from: new Date(to - range.ms).toISOString(),
      to: new Date(to).toISOString(),
      step: range.step,
      host: fleetHost,
    });
    if (stopped || range !== picker.current()) return;
    chart.add(points(history, protocol).map((p) => ({ time: p.time, series: 'usd', value: p.usdPerHour })));
  }

  async function loadEffects(): Promise<void> {
    // A fleet host's: the plans the control plane made for it, with its agent's outcomes.
    const { reallocations } = await api.get<{ reallocations: Reallocation[] }>('reallocation/history', { limit: 200, host: fleetHost });
    const touching = nodeEffects(reallocations, protocol, []);
    if (touching.length === 0) return effects.render([]);
    // One history read covering every touching reallocation, an hour either side, at most ~2000 points.
    const from = Math.min(...touching.map((e) => Date.parse(e.reallocation.createdAt))) - 3_600_000;
    const to = Math.max(latestTime, from + 1);
    const stepS = Math.max(1, Math.ceil((to - from) / 2_000 / 1000));
    const history = await api.get<History>('metrics/history', { protocol, from: new Date(from).toISOString(), to: new Date(to).toISOString(), step: String(stepS), host: fleetHost });
    if (!stopped) effects.render(nodeEffects(reallocations, protocol, points(history, protocol)));
  }

  async function loadAlerts(): Promise<void> {
    const list = fromWire<{ alerts: Alert[] }>(await api.get<Wire<{ alerts: Alert[] }>>('alerts', { protocol, limit: 50, host: fleetHost })).alerts;
    if (!stopped) alerts.render(list);
  }

  const refresh = () =>
    Promise.allSettled([loadState(), loadEffects(), loadAlerts()]).then((rs) => {
      for (const r of rs) if (r.status === 'rejected') warn(r.reason);
    });
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  void (async () => {
    await loadState().catch(warn);
    if (stopped) return;
    await Promise.allSettled([loadHistory().catch(warn), loadEffects().catch(warn), loadAlerts().catch(warn)]);
  })();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
