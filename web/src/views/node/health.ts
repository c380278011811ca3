/**
 * A node's health as it states it (read at each poll): version and whether it is current, QUIC, quality and IP
 * scores, problems (Golem driver problems, failing endpoints...), and for Storj each satellite's scores and any
 * suspension or disqualification. A missing field means "not reported", never "fine".
 */
import { card, empty, fill, h } from '../../dom';
import { ago, time } from '../../format';
import type { AdapterStatus, NodeHealth, SatelliteHealth } from '../../server-types';

function score(value: number | null): HTMLElement {
  if (value === null) return h('td', { class: 'num muted' }, 'not reported');
  const percent = value * 100;
  return h('td', { class: `num${percent < 60 ? ' bad' : ''}` }, `${percent.toFixed(1)} %`);
}

function satelliteRow(s: SatelliteHealth): HTMLElement {
  const state = s.disqualified ? `disqualified ${time(s.disqualified)}` : s.suspended ? `suspended ${time(s.suspended)}` : 'ok';
  return h(
    'tr',
    { testid: 'satellite-row', 'data-satellite': s.id, 'data-state': s.disqualified ? 'disqualified' : s.suspended ? 'suspended' : 'ok' },
    h('td', { class: 'wrap', title: s.id }, s.url ?? `${s.id.slice(0, 12)}…`),
    score(s.auditScore),
    score(s.suspensionScore),
    score(s.onlineScore),
    h('td', { class: s.disqualified || s.suspended ? 'bad' : '' }, state),
  );
}

function facts(health: NodeHealth): [string, string, string][] {
  const out: [string, string, string][] = [];
  if (health.version !== undefined) {
    const verdict = health.upToDate === undefined ? '' : health.upToDate ? ' (up to date)' : ' (outdated)';
    out.push(['Version', `${health.version}${verdict}`, 'node-version']);
  } else if (health.upToDate !== undefined) out.push(['Version', health.upToDate ? 'up to date' : 'outdated', 'node-version']);
  if (health.minimumVersion) out.push(['Lowest accepted version', health.minimumVersion, 'node-min-version']);
  if (health.quic) out.push(['QUIC', health.quic, 'node-quic']);
  if (health.quality !== undefined && health.quality !== null) out.push(['Quality', health.quality.toFixed(2), 'node-quality']);
  if (health.onlineRatio !== undefined && health.onlineRatio !== null) out.push(['Online', `${(health.onlineRatio * 100).toFixed(1)} %`, 'node-online']);
  if (health.activeRatio !== undefined && health.activeRatio !== null) out.push(['Serving', `${(health.activeRatio * 100).toFixed(1)} %`, 'node-active']);
  if (health.activeSessions !== undefined && health.activeSessions !== null) out.push(['Active sessions', String(health.activeSessions), 'node-active-sessions']);
  if (health.sessions24h !== undefined && health.sessions24h !== null) out.push(['Sessions (24 h)', String(health.sessions24h), 'node-sessions-24h']);
  if (health.ipScore !== undefined && health.ipScore !== null) out.push(['IP score', String(health.ipScore), 'node-ip-score']);
  return out;
}

/**
 * How fresh a fleet host's view is: when the control plane received its agent's status summary (its `reportedAt`),
 * against this browser's clock like the control plane's; null when its agent sends none (its latest sample stands in).
 */
function freshness(reportedAt: string | null): HTMLElement {
  if (reportedAt === null) {
    return h('p', { class: 'muted small-text', testid: 'node-status-reported', 'data-reported-at': '' }, "Its agent sends no status summary: the link is read from the host's latest sample.");
  }
  return h(
    'p',
    { class: 'muted small-text', testid: 'node-status-reported', 'data-reported-at': reportedAt, title: time(reportedAt) },
    `Status as its agent reported it ${ago(reportedAt)}`,
  );
}

/** `reportedAt`: a fleet host's status time (null: it sends none); undefined for this machine (live). */
export function createHealthCard(): { root: HTMLElement; render(adapter: AdapterStatus | null, now: number, reportedAt?: string | null): void } {
  const c = card('Health', 'node-health');
  fill(c.body, empty('Loading…', 'node-health-empty'));
  return {
    root: c.root,
    render(adapter, now, reportedAt) {
      if (!adapter) return fill(c.body, empty('This node is not in the running configuration.', 'node-health-empty'));
      const fresh = reportedAt === undefined ? null : freshness(reportedAt);
      const health = adapter.nodeHealth ?? null;
      const link = h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Link'),
        h(
          'dd',
          { testid: 'node-connection', 'data-connected': String(adapter.connected) },
          h('span', { class: `pill ${adapter.connected ? 'ok' : 'bad'}` }, adapter.connected ? 'connected' : 'disconnected'),
          adapter.breaker !== 'closed' ? h('span', { class: 'pill warn' }, `breaker ${adapter.breaker}`) : null,
          adapter.latencyMs !== null ? ` ${Math.round(adapter.latencyMs)} ms` : '',
          adapter.lastSuccessAt ? h('span', { class: 'muted' }, ` · last answer ${ago(adapter.lastSuccessAt, now)}`) : null,
        ),
        adapter.lastError ? [h('dt', {}, 'Last error'), h('dd', { class: 'error', testid: 'node-last-error' }, adapter.lastError)] : null,
        health ? facts(health).flatMap(([label, value, testid]) => [h('dt', {}, label), h('dd', { testid }, value)]) : null,
      );
      if (!health) return fill(c.body, fresh, link, empty('The node has not reported its health yet.', 'node-health-empty'));
      const problems = health.problems.length
        ? h(
            'ul',
            { class: 'problems', testid: 'node-problems' },
            health.problems.map((p) => h('li', { testid: 'node-problem', 'data-code': p.code, class: `sev-${p.severity}` }, h('span', { class: `sev ${p.severity}` }, p.severity), ` ${p.code}: ${p.message}`)),
          )
        : h('p', { class: 'ok', testid: 'node-no-problems' }, 'The node reports no problem.');
      const satellites = health.satellites?.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { testid: 'satellites-table' },
              h('thead', {}, h('tr', {}, ['Satellite', 'Audit', 'Suspension', 'Online', 'State'].map((t) => h('th', {}, t)))),
              h('tbody', {}, health.satellites.map(satelliteRow)),
            ),
          )
        : null;
      fill(
        c.body,
        fresh,
        link,
        problems,
        satellites ? [h('h3', {}, 'Satellites'), satellites] : null,
        adapter.nodeHealthAt ? h('p', { class: 'muted small-text' }, `Read ${time(adapter.nodeHealthAt)}`) : null,
      );
    },
  };
}
