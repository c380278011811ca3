/**
 * The dashboard: login, then REST for the first picture and the WebSocket for everything live, with a REST
 * fallback so the page keeps moving if the socket is down. States "server unreachable", "no data yet" and
 * "node disconnected" are shown in one banner.
 */
import { ApiError, createApi, session } from './api';
import { fill, h } from './dom';
import { type LiveState, connectLive } from './live';
import { type Alert, type AllocationView, type History, type Payouts, type Reallocation, type Snapshot, earningsPoints, fromWire, resourcePoints } from './model';
import './styles.css';
import { createAlerts } from './views/alerts';
import { createAllocation, createOpportunities } from './views/allocation';
import { createEarningsChart } from './views/earnings-chart';
import { createEarningsTotals, totalPeriods } from './views/earnings-totals';
import { createEnergyView } from './views/energy';
import { createFleetView } from './views/fleet';
import { createHostPicker } from './views/host-picker';
import { setNodeLinksHost } from './views/node-link';
import { type TimeRange, createRangePicker } from './views/range-picker';
import { createLogin } from './views/login';
import { createNotificationsView } from './views/notifications';
import { createPayoutsCard, payoutsQuery } from './views/payouts';
import { createReallocations } from './views/reallocations';
import { createResourceChart } from './views/resource-chart';
import { createResources } from './views/resources';
import { startNodePage } from './views/node';
import { startSettings } from './views/settings';
import { currentRoute, href } from './router';
import { zoneLabel } from './format';
import { fetchReport } from './reports';
import type { HostPlansAnswer, Operation, OperationAcceptedAnswer, Opportunity, SystemStatus, Wire } from './server-types';

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
const navLinks = { overview: h('a', { href: href.overview, testid: 'nav-overview' }, 'Overview'), settings: h('a', { href: href.settings, testid: 'nav-settings' }, 'Settings') };
const nav = h('nav', { class: 'nav', hidden: true, 'aria-label': 'Pages' }, navLinks.overview, navLinks.settings);
const zone = h('span', { class: 'muted small-text', testid: 'time-zone', title: 'Times on this page are in your browser\'s time zone; the API speaks UTC.' }, zoneLabel());
const banner = h('div', { class: 'banner', testid: 'banner', role: 'status', hidden: true });
const demoBanner = h(
  'div',
  { class: 'banner demo', testid: 'demo-banner', role: 'note', hidden: true },
  'Simulated nodes: this is the built-in demo (orcha demo, or no node configured). Figures come from simulators, not from your machines.',
);
const main = h('main', { class: 'grid' });
fill(
  app,
  h('header', { class: 'top' }, h('div', { class: 'top-left' }, h('h1', {}, 'orcha'), nav), h('div', { class: 'top-right' }, zone, connPill, userLabel, logoutButton)),
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
  } else if (stopDashboard && onOverview && !latest) {
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
  nav.hidden = true;
  userLabel.textContent = '';
  const form = createLogin(async (username, password) => {
    await api.login(username, password);
    startPage();
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

// ---- pages -------------------------------------------------------------------------------------------------
let onOverview = false;

/** Show the page the URL names (overview, settings, a node); the previous page stops its timers and socket. */
function startPage(): void {
  const route = currentRoute();
  const role = roleFromToken();
  userLabel.textContent = [session.username, role && `(${role})`].filter(Boolean).join(' ');
  logoutButton.hidden = false;
  nav.hidden = false;
  navLinks.overview.toggleAttribute('aria-current', route.page === 'overview');
  navLinks.settings.toggleAttribute('aria-current', route.page === 'settings');
  onOverview = route.page === 'overview';
  connPill.hidden = !onOverview; // only the overview holds a live connection
  if (route.page === 'overview') {
    startDashboard(role, route.host);
    return;
  }
  stopDashboard?.();
  demoBanner.hidden = true;
  stopDashboard = route.page === 'settings' ? startSettings(main, api, role) : startNodePage(main, api, route.protocol, route.host);
  window.scrollTo(0, 0);
  renderBanner();
}

window.addEventListener('hashchange', () => {
  if (session.access) startPage();
});

// ---- overview ----------------------------------------------------------------------------------------------
/** `initialHost`: the fleet host the URL names (`#/?host=NAME`, e.g. back from its node's page). */
function startDashboard(role: string | null, initialHost?: string): void {
  stopDashboard?.();
  setNodeLinksHost(initialHost);
  const canOperate = role !== 'viewer';

  const chart = createEarningsChart();
  const totals = createEarningsTotals();
  const payouts = createPayoutsCard();
  const rangePicker = createRangePicker((range) => {
    chart.clear();
    resourceChart.clear();
    void loadHistory(range).catch(ignore);
  });
  // With more than this machine in the fleet: which host the overview shows (`?host=`).
  const hostPicker = createHostPicker(api, (picked) => {
    setNodeLinksHost(picked);
    // The URL names the host shown, so a reload, a shared link or the way back from a node page shows it again.
    if (currentRoute().page === 'overview') history.replaceState(null, '', href.overviewOf(picked));
    latest = null;
    alertsById = new Map();
    void loadLists();
    chart.clear();
    resourceChart.clear();
    resources.render(null);
    energy.reload();
    // History, totals and payouts are anchored on the host's latest snapshot: read it first.
    void loadMetrics()
      .catch(ignore)
      .then(() => Promise.allSettled([loadHistory(), loadTotals(), loadPayouts()]));
  }, initialHost);
  chart.actions.prepend(hostPicker.root, rangePicker.root);
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
  main.className = 'grid';
  const energy = createEnergyView(api, () => hostPicker.current());
  const notifications = createNotificationsView(api);
  fill(main, createFleetView(api).root, chart.root, totals.root, payouts.root, resources.root, energy.root, resourceChart.root, allocation.root, opportunities.root, alerts.root, reallocations.root, notifications.root);
  const stopEnergy = energy.start();
  const stopNotifications = notifications.start();

  const timers: ReturnType<typeof setInterval>[] = [];
  let stopped = false;
  const ignore = (err: unknown) => {
    if (!(err instanceof ApiError) || err.status !== 0) console.warn(err);
  };

  /** The host the metrics reads ask for: undefined is this machine (live pushes are this machine's only). */
  const host = () => hostPicker.current();

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
    const asked = host();
    const snapshot = fromWire<Snapshot>(await api.get<Wire<Snapshot>>('metrics', { host: asked }));
    if (asked === host()) setSnapshot(snapshot);
  }
  async function loadHistory(range: TimeRange = rangePicker.current()): Promise<void> {
    const asked = host();
    // Anchor on the latest snapshot, not this browser's clock (the server's clock may differ, e.g. in a simulation).
    const to = new Date(latest?.time ?? Date.now());
    const from = new Date(to.getTime() - range.ms);
    const history = fromWire<History>(
      await api.get<Wire<History>>('metrics/history', { from: from.toISOString(), to: to.toISOString(), step: range.step, host: asked }),
    );
    if (range !== rangePicker.current() || asked !== host()) return; // another range or host was picked meanwhile
    chart.add(earningsPoints(history));
    resourceChart.add(resourcePoints(history));
  }
  async function loadTotals(): Promise<void> {
    const asked = host();
    // A fleet host's reports cover every period, like this machine's (long ones are operations on the server).
    const periods = totalPeriods(latest?.time ?? Date.now());
    const [answers, status] = await Promise.all([
      Promise.all(periods.map((p) => fetchReport(api, p.from, p.to, asked))),
      asked === undefined ? api.get<SystemStatus>('status').catch(() => null) : null,
    ]);
    if (asked !== host()) return;
    // What each node says the network holds back (Storj's held amount), in the node's own unit.
    const held = new Map(status?.coordinator.adapters.flatMap((a) => (a.nodeHealth?.heldTokens === undefined ? [] : [[a.protocol, a.nodeHealth.heldTokens] as const])));
    totals.render(periods.map((p, i) => ({ key: p.key, label: p.label, totalUsd: answers[i]!.totalUsd, protocols: answers[i]!.protocols })), held);
  }
  async function loadPayouts(): Promise<void> {
    const now = latest?.time ?? Date.now();
    const asked = host();
    const answer = fromWire<Payouts>(await api.get<Wire<Payouts>>('payouts', { ...payoutsQuery(now), host: asked }));
    if (asked === host()) payouts.render(answer, now);
  }
  async function loadStatus(): Promise<void> {
    demoBanner.hidden = (await api.get<SystemStatus>('status')).simulated !== true;
  }
  async function loadAlerts(): Promise<void> {
    const asked = host();
    const list = fromWire<{ alerts: Alert[] }>(await api.get<Wire<{ alerts: Alert[] }>>('alerts', { limit: 100, host: asked })).alerts;
    if (asked !== host()) return;
    alertsById = new Map(list.map((a) => [a.id, a]));
    alerts.render(list);
  }
  async function loadReallocations(): Promise<void> {
    const asked = host();
    if (asked !== undefined) {
      // A fleet host: the plans the control plane made for it, with its agent's outcomes and who decided.
      const answer = await api.get<HostPlansAnswer>(`hosts/${encodeURIComponent(asked)}/plans`, { limit: 30 });
      if (asked === host()) reallocations.renderHostPlans(answer);
      return;
    }
    const list = fromWire<{ reallocations: Reallocation[] }>(await api.get<Wire<{ reallocations: Reallocation[] }>>('reallocation/history')).reallocations;
    if (host() === undefined) reallocations.render(list);
  }
  async function loadAllocation(): Promise<void> {
    const asked = host();
    const view = fromWire<AllocationView>(await api.get<Wire<AllocationView>>('allocation', { host: asked }));
    if (asked === host()) allocation.render(view);
  }
  async function loadOpportunities(): Promise<void> {
    const asked = host();
    const list = (await api.get<{ opportunities: Opportunity[] }>('opportunities', { host: asked })).opportunities;
    if (asked === host()) opportunities.render(list);
  }
  const loadLists = () =>
    Promise.allSettled([loadAlerts(), loadReallocations(), loadAllocation(), loadOpportunities()]).then((results) => {
      for (const r of results) if (r.status === 'rejected') ignore(r.reason);
    });

  async function runDryRun(): Promise<string> {
    const { operationId } = await api.post<OperationAcceptedAnswer>('reallocate', { dryRun: true, priority: 'high' });
    const op = await api.get<Operation>(`operations/${encodeURIComponent(operationId)}/result`, { timeout: 30 });
    await Promise.allSettled([loadReallocations(), loadAllocation()]);
    if (op.status === 'failed') throw new Error(op.error ?? 'operation failed');
    const outcome = op.result as Wire<Reallocation> | null;
    return outcome ? `Dry-run ${op.status}: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}` : `Dry-run ${op.status}`;
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
        if (host() !== undefined) return; // pushes are this machine's; another host is read over REST
        lastLiveMetricsAt = Date.now();
        setSnapshot(fromWire<Snapshot>(message.data as Wire<Snapshot>));
      } else if (topic === 'alerts') {
        if (host() !== undefined) return; // another host's alerts are read over REST
        const one = fromWire<Alert>(message.data as Wire<Alert>);
        alertsById.set(one.id, one);
        alerts.render([...alertsById.values()]);
      } else if (topic === 'reallocations') {
        void Promise.allSettled([loadReallocations(), loadAllocation(), loadOpportunities()]);
      }
    },
  });

  timers.push(setInterval(() => void loadLists(), LIST_REFRESH_MS));
  timers.push(
    setInterval(() => {
      void loadTotals().catch(ignore);
      void loadPayouts().catch(ignore);
      void hostPicker.refresh().catch(ignore);
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
    if (!stopped) await Promise.allSettled([loadLists(), loadStatus().catch(ignore), loadTotals().catch(ignore), loadPayouts().catch(ignore), hostPicker.refresh().catch(ignore)]);
  })();
}

if (session.access) startPage();
else showLogin();
