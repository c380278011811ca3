/**
 * The dashboard: login, then REST for the first picture and the WebSocket for everything live, with a REST
 * fallback so the page keeps moving if the socket is down. States "server unreachable", "no data yet" and
 * "node disconnected" are shown in one banner.
 */
import { ApiError, createApi, session } from './api';
import { fill, h } from './dom';
import { type LiveState, connectLive } from './live';
import {
  type Alert,
  type Snapshot,
  compact,
  listOf,
  toAlert,
  toAllocationView,
  toHistory,
  toOpportunity,
  toReallocation,
  toResourceHistory,
  toSnapshot,
} from './model';
import './styles.css';
import { createAlerts } from './views/alerts';
import { createAllocation, createOpportunities } from './views/allocation';
import { type FieldError, createConfig } from './views/config';
import { createEarningsChart } from './views/earnings-chart';
import { type PeriodTotals, createEarningsTotals, totalPeriods } from './views/earnings-totals';
import { createEnergyView } from './views/energy';
import { type TimeRange, createRangePicker } from './views/range-picker';
import { createLogin } from './views/login';
import { createNotificationsView } from './views/notifications';
import { createReallocations } from './views/reallocations';
import { createResourceChart } from './views/resource-chart';
import { createResources } from './views/resources';

const LIST_REFRESH_MS = 15_000;
const METRICS_FALLBACK_MS = 5_000;
const TOTALS_REFRESH_MS = 5 * 60_000;
/** Live pushes extend the charts only for short ranges; longer ones are re-read from history now and then. */
const LIVE_APPEND_MAX_MS = 24 * 3_600_000;

const app = document.getElementById('app')!;
let reachable = true;
let liveState: LiveState = 'connecting';
let latest: Snapshot | null = null;
let lastLiveMetricsAt = 0;
let stopDashboard: (() => void) | null = null;

const api = createApi({
  onUnauthorized: () => showLogin('Your session ended. Please log in again.'),
  onReachable: (ok) => {
    if (ok !== reachable) {
      reachable = ok;
      renderBanner();
    }
  },
});

// ---- shell -------------------------------------------------------------------------------------------------
const connPill = h('span', { class: 'pill', testid: 'conn-status', 'data-state': 'connecting' }, 'connecting');
const userLabel = h('span', { class: 'muted', testid: 'current-user' });
const logoutButton = h('button', { type: 'button', class: 'small', testid: 'logout', hidden: true, onclick: () => void logout() }, 'Log out');
const banner = h('div', { class: 'banner', testid: 'banner', role: 'status', hidden: true });
const demoBanner = h(
  'div',
  { class: 'banner demo', testid: 'demo-banner', role: 'note', hidden: true },
  'Simulated nodes: this is the built-in demo (orcha demo, or no node configured). Figures come from simulators, not from your machines.',
);
const main = h('main', { class: 'grid' });
fill(
  app,
  h('header', { class: 'top' }, h('h1', {}, 'orcha'), h('div', { class: 'top-right' }, connPill, userLabel, logoutButton)),
  demoBanner,
  banner,
  main,
);

function renderBanner(): void {
  let state = '';
  let text = '';
  const down = latest?.protocols.filter((p) => !p.connected).map((p) => p.protocol) ?? [];
  if (!reachable) {
    state = 'unreachable';
    text = 'Server unreachable. Retrying; the figures below may be stale.';
  } else if (stopDashboard && !latest) {
    state = 'no-data';
    text = 'No data yet: waiting for the first samples from the nodes.';
  } else if (down.length) {
    state = 'disconnected';
    text = `Node disconnected: ${down.join(', ')}.`;
  }
  banner.hidden = state === '';
  banner.dataset.state = state;
  banner.className = `banner ${state}`;
  banner.textContent = text;
  const shown = !reachable ? 'offline' : liveState;
  connPill.dataset.state = shown;
  connPill.textContent = shown === 'live' ? 'live' : shown === 'offline' ? 'offline' : 'connecting';
  connPill.className = `pill ${shown === 'live' ? 'ok' : shown === 'offline' ? 'bad' : ''}`;
}

// ---- login / logout ----------------------------------------------------------------------------------------
function showLogin(notice?: string): void {
  demoBanner.hidden = true;
  stopDashboard?.();
  stopDashboard = null;
  latest = null;
  logoutButton.hidden = true;
  userLabel.textContent = '';
  const form = createLogin(async (username, password) => {
    await api.login(username, password);
    startDashboard();
  });
  fill(main, notice ? h('p', { class: 'notice', testid: 'login-notice' }, notice) : null, form);
  main.className = 'center';
  renderBanner();
}

async function logout(): Promise<void> {
  await api.logout();
  showLogin('You are logged out.');
}

/** The role in the access token (a JWT), when it carries one; API keys and opaque tokens give null. */
function roleFromToken(): string | null {
  const part = session.access?.split('.')[1];
  if (!part) return null;
  try {
    const payload = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { role?: unknown };
    return typeof payload.role === 'string' ? payload.role : null;
  } catch {
    return null;
  }
}

// ---- dashboard ---------------------------------------------------------------------------------------------
function startDashboard(): void {
  stopDashboard?.();
  const role = roleFromToken();
  const canOperate = role !== 'viewer';
  userLabel.textContent = [session.username, role && `(${role})`].filter(Boolean).join(' ');
  logoutButton.hidden = false;

  const chart = createEarningsChart();
  const totals = createEarningsTotals();
  const rangePicker = createRangePicker((range) => {
    chart.clear();
    resourceChart.clear();
    void loadHistory(range).catch(ignore);
  });
  chart.actions.prepend(rangePicker.root);
  const resources = createResources();
  const resourceChart = createResourceChart();
  const allocation = createAllocation();
  const opportunities = createOpportunities();
  let alertsById = new Map<string, Alert>();
  const alerts = createAlerts(async (ids) => {
    await api.post('alerts/acknowledge', { ids });
    void loadAlerts();
  });
  const reallocations = createReallocations(runDryRun, () => canOperate);
  const config = createConfig(validateConfig);
  main.className = 'grid';
  const energy = createEnergyView(api);
  const notifications = createNotificationsView(api);
  fill(main, chart.root, totals.root, resources.root, energy.root, resourceChart.root, allocation.root, opportunities.root, alerts.root, reallocations.root, notifications.root, config.root);
  const stopEnergy = energy.start();
  const stopNotifications = notifications.start();

  const timers: ReturnType<typeof setInterval>[] = [];
  let stopped = false;
  const ignore = (err: unknown) => {
    if (!(err instanceof ApiError) || err.status !== 0) console.warn(err);
  };

  function setSnapshot(snapshot: Snapshot | null): void {
    if (!snapshot) return;
    if (latest && snapshot.time < latest.time) return;
    latest = snapshot;
    if (rangePicker.current().ms <= LIVE_APPEND_MAX_MS) {
      chart.addSnapshot(snapshot);
      resourceChart.addSnapshot(snapshot);
    }
    resources.render(snapshot);
    renderBanner();
  }

  async function loadMetrics(): Promise<void> {
    setSnapshot(toSnapshot(await api.get('metrics')));
  }
  async function loadHistory(range: TimeRange = rangePicker.current()): Promise<void> {
    // Anchor on the latest snapshot, not this browser's clock (the server's clock may differ, e.g. in a simulation).
    const to = new Date(latest?.time ?? Date.now());
    const from = new Date(to.getTime() - range.ms);
    const history = await api.get('metrics/history', { from: from.toISOString(), to: to.toISOString(), step: range.step });
    if (range !== rangePicker.current()) return; // another range was picked meanwhile
    chart.add(toHistory(history));
    resourceChart.add(toResourceHistory(history));
  }
  /** One report; periods the server answers as an operation (over 7 days) are awaited through its long-poll. */
  async function report(from: number, to: number): Promise<Omit<PeriodTotals, 'key' | 'label'>> {
    type Report = Omit<PeriodTotals, 'key' | 'label'> & { operationId?: string };
    const q = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const first = await api.get<Report>('reports', q);
    if (!first.operationId) return first;
    const op = await api.get<{ status?: string; result?: Report; error?: string }>(`operations/${encodeURIComponent(first.operationId)}/result`, { timeout: 30 });
    if (op.status !== 'completed' || !op.result) throw new Error(op.error ?? `report ${op.status ?? 'unfinished'}`);
    return op.result;
  }
  async function loadTotals(): Promise<void> {
    const periods = totalPeriods(latest?.time ?? Date.now());
    const answers = await Promise.all(periods.map((p) => report(p.from, p.to)));
    totals.render(periods.map((p, i) => ({ key: p.key, label: p.label, totalUsd: answers[i]!.totalUsd, protocols: answers[i]!.protocols })));
  }
  async function loadStatus(): Promise<void> {
    demoBanner.hidden = (await api.get<{ simulated?: boolean }>('status')).simulated !== true;
  }
  async function loadAlerts(): Promise<void> {
    const list = compact(listOf(await api.get('alerts', { limit: 100 }), 'alerts').map(toAlert));
    alertsById = new Map(list.map((a) => [a.id, a]));
    alerts.render(list);
  }
  async function loadReallocations(): Promise<void> {
    reallocations.render(compact(listOf(await api.get('reallocation/history'), 'reallocations', 'history').map(toReallocation)));
  }
  async function loadAllocation(): Promise<void> {
    allocation.render(toAllocationView(await api.get('allocation')));
  }
  async function loadOpportunities(): Promise<void> {
    opportunities.render(compact(listOf(await api.get('opportunities'), 'opportunities').map(toOpportunity)));
  }
  async function loadConfig(): Promise<void> {
    try {
      config.render(await api.get('config'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) config.render(null);
      else throw err;
    }
  }
  const loadLists = () =>
    Promise.allSettled([loadAlerts(), loadReallocations(), loadAllocation(), loadOpportunities()]).then((results) => {
      for (const r of results) if (r.status === 'rejected') ignore(r.reason);
    });

  async function runDryRun(): Promise<string> {
    const accepted = await api.post<{ operationId?: string; id?: string }>('reallocate', { dryRun: true, priority: 'high' });
    const id = accepted.operationId ?? accepted.id;
    if (!id) throw new Error('the server did not return an operation id');
    const op = await api.get<{ status?: string; error?: string | null; result?: unknown }>(`operations/${encodeURIComponent(id)}/result`, {
      timeout: 30,
    });
    await Promise.allSettled([loadReallocations(), loadAllocation()]);
    if (op.status === 'failed') throw new Error(op.error ?? 'operation failed');
    const outcome = toReallocation(op.result);
    return outcome ? `Dry-run ${op.status ?? 'done'}: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}` : `Dry-run ${op.status ?? 'done'}`;
  }

  async function validateConfig(candidate: unknown): Promise<FieldError[]> {
    try {
      const res = await api.post<{ valid?: boolean; errors?: FieldError[] }>('config/validate', candidate);
      return res.valid === false || res.errors?.length ? (res.errors ?? [{ path: '', message: 'invalid' }]) : [];
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && Array.isArray(err.details)) return err.details as FieldError[];
      throw err;
    }
  }

  // Ask the server at once whether it is there (the answer, or its absence, updates the banner).
  const probe = () => void api.get('health').catch(ignore);
  const onOffline = () => probe();
  const onOnline = () => {
    probe();
    void loadLists();
  };
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);

  const live = connectLive({
    token: () => session.access,
    onState: (state) => {
      if (state === 'offline' && liveState === 'live') probe();
      liveState = state;
      renderBanner();
    },
    onAuthRejected: () => api.refresh(),
    onMessage: (topic, message) => {
      if (topic === 'metrics') {
        lastLiveMetricsAt = Date.now();
        setSnapshot(toSnapshot(message.data));
      } else if (topic === 'alerts') {
        const one = toAlert(message.data);
        if (one) {
          alertsById.set(one.id, one);
          alerts.render([...alertsById.values()]);
        } else void loadAlerts().catch(ignore);
      } else if (topic === 'reallocations') {
        void Promise.allSettled([loadReallocations(), loadAllocation(), loadOpportunities()]);
      } else if (topic === 'config') {
        void loadConfig().catch(ignore);
      }
    },
  });

  timers.push(setInterval(() => void loadLists(), LIST_REFRESH_MS));
  timers.push(
    setInterval(() => {
      void loadTotals().catch(ignore);
      if (rangePicker.current().ms > LIVE_APPEND_MAX_MS) void loadHistory().catch(ignore);
    }, TOTALS_REFRESH_MS),
  );
  // When the socket is quiet (down, or not yet subscribed), fall back to polling the latest metrics.
  timers.push(
    setInterval(() => {
      if (Date.now() - lastLiveMetricsAt > METRICS_FALLBACK_MS + 3_000) void loadMetrics().catch(ignore);
    }, METRICS_FALLBACK_MS),
  );

  stopDashboard = () => {
    stopped = true;
    window.removeEventListener('offline', onOffline);
    window.removeEventListener('online', onOnline);
    live.close();
    stopEnergy();
    stopNotifications();
    for (const t of timers) clearInterval(t);
  };
  renderBanner();
  void (async () => {
    await loadMetrics().catch(ignore);
    if (!stopped) await loadHistory().catch(ignore);
    if (!stopped) await Promise.allSettled([loadLists(), loadConfig().catch(ignore), loadStatus().catch(ignore), loadTotals().catch(ignore)]);
  })();
}

if (session.access) startDashboard();
else showLogin();
