/**
 * Readable messages: what happened, on which node, the value against its threshold, when, and a link to the
 * dashboard. One plain-text body serves chat apps and e-mail; `payload` is the structured form for JSON webhooks.
 */
import type { Alert, AlertType, Severity } from '../domain/alert.js';
import type { MessageKind } from '../domain/notification.js';

export interface Message {
  kind: MessageKind;
  severity: Severity;
  title: string;
  body: string;
  payload: Record<string, unknown>;
  alertIds: string[];
}

/** Alert types without a title here (a type added elsewhere) show their own name. */
const TITLES: Partial<Record<AlertType, string>> = {
  protocol_disconnected: 'Node disconnected',
  earnings_drop: 'Earnings dropped',
  resource_pressure: 'Resource pressure',
  reallocation_failed: 'Reallocation failed',
  optimization_opportunity: 'Better allocation available',
  adapter_degraded: 'Node API failing',
  config_invalid: 'Configuration rejected',
  notification_failed: 'Notification channel failing',
  power_meter_silent: 'Power meter silent',
  net_negative: 'Power costs more than the node earns',
  do_no_harm: 'Automatic reallocation held back',
  node_health: 'Node reports a problem',
  host_silent: 'Host silent',
  agent_version_skew: 'Agent and control plane versions differ',
  host_node_disconnected: 'Node on a fleet host disconnected',
};
const titleOf = (t: AlertType) => TITLES[t] ?? t.replace(/_/g, ' ');

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const severityAtLeast = (s: Severity, min: Severity) => RANK[s] >= RANK[min];
export const maxSeverity = (list: Severity[]): Severity => list.reduce<Severity>((m, s) => (RANK[s] > RANK[m] ? s : m), 'info');

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const fmt = (x: number, digits = 1) => Number(x.toFixed(digits)).toString();

/** The measured value and the threshold it crossed, in words, when the alert's details carry them. */
export function valueAndThreshold(alert: Alert): { value: string; threshold: string } | null {
  const d = alert.details ?? {};
  switch (alert.type) {
    case 'resource_pressure': {
      const v = num(d.percent);
      const t = num(d.threshold);
      return v !== null && t !== null ? { value: `${d.resource ?? 'use'} ${fmt(v)} %`, threshold: `${fmt(t)} %` } : null;
    }
    case 'protocol_disconnected': {
      const v = num(d.polls);
      const t = num(d.threshold);
      return v !== null ? { value: `${v} failed polls`, threshold: t !== null ? `${t} polls` : 'connected' } : null;
    }
    case 'earnings_drop': {
      const drop = num(d.dropPercent);
      const recent = num(d.recentUsdPerHour);
      const trailing = num(d.trailingUsdPerHour);
      const t = num(d.threshold);
      if (drop === null || recent === null || trailing === null) return null;
      return {
        value: `${fmt(drop)} % under the 6-hour average (${fmt(recent, 4)} vs ${fmt(trailing, 4)} USD/h)`,
        threshold: t !== null ? `${fmt(t)} % drop` : 'a drop',
      };
    }
    case 'adapter_degraded': {
      const v = num(d.consecutiveFailures);
      const t = num(d.threshold);
      return v !== null ? { value: `${v} failed calls in a row`, threshold: t !== null ? `${t} failures` : 'breaker open' } : null;
    }
    case 'notification_failed': {
      const v = num(d.consecutiveFailures);
      const t = num(d.threshold);
      return v !== null ? { value: `${v} failed sends in a row`, threshold: t !== null ? `${t} failures` : '' } : null;
    }
    default:
      return null;
  }
}

export interface Formatting {
  /** Base URL of the dashboard, without a trailing slash. */
  dashboardUrl: string;
  /** IANA time zone of the times shown. */
  timezone: string;
}

export function formatTime(ms: number, timezone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(ms));
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timezone}`;
  } catch {
    return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

function duration(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const LEAD: Partial<Record<MessageKind, string>> = {
  escalated: 'ESCALATED',
  reminder: 'STILL OPEN',
  resolved: 'RESOLVED',
};

function alertTitle(kind: MessageKind, a: Alert): string {
  const lead = LEAD[kind] ?? a.severity.toUpperCase();
  return `[${lead}] ${titleOf(a.type)}${a.protocol ? `: ${a.protocol}` : ''}`;
}

function alertLines(kind: MessageKind, a: Alert, now: number, f: Formatting): string[] {
  const lines: string[] = [];
  if (kind === 'resolved') {
    lines.push(`Resolved after ${duration((a.resolvedAt ?? now) - a.createdAt)}. It was: ${a.message}`);
  } else {
    lines.push(a.message);
  }
  lines.push(`Node: ${a.protocol ?? 'host (all nodes)'}`);
  const vt = valueAndThreshold(a);
  if (vt && kind !== 'resolved') lines.push(`Value: ${vt.value}; threshold: ${vt.threshold}`);
  lines.push(`Severity: ${a.severity}`);
  lines.push(`Since: ${formatTime(a.createdAt, f.timezone)}${kind === 'reminder' ? ` (open for ${duration(now - a.createdAt)})` : ''}`);
  if (kind === 'resolved') lines.push(`Resolved: ${formatTime(a.resolvedAt ?? now, f.timezone)}`);
  return lines;
}

/** One message for one or more alerts that changed the same way (raised together, resolved together...). */
export function alertMessage(kind: MessageKind, alerts: Alert[], now: number, f: Formatting): Message {
  const link = `${f.dashboardUrl}/#alerts`;
  const severity = kind === 'resolved' ? 'info' : maxSeverity(alerts.map((a) => a.severity));
  const payload = {
    kind,
    severity,
    time: new Date(now).toISOString(),
    link,
    alerts: alerts.map((a) => ({
      id: a.id,
      type: a.type,
      severity: a.severity,
      status: a.status,
      protocol: a.protocol,
      message: a.message,
      details: a.details,
      createdAt: new Date(a.createdAt).toISOString(),
      resolvedAt: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
    })),
  };
  const first = alerts[0];
  if (alerts.length === 1 && first) {
    return {
      kind,
      severity,
      title: alertTitle(kind, first),
      body: [...alertLines(kind, first, now, f), `Dashboard: ${link}`].join('\n'),
      payload,
      alertIds: [first.id],
    };
  }
  const counts = (['critical', 'warning', 'info'] as const)
    .map((s) => [s, alerts.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const what = { alert: 'new alerts', escalated: 'alerts escalated', reminder: 'alerts still open', resolved: 'alerts resolved' }[
    kind as 'alert'
  ];
  const title = `[${LEAD[kind] ?? severity.toUpperCase()}] ${alerts.length} ${what ?? 'alerts'}${kind === 'resolved' ? '' : ` (${counts})`}`;
  const blocks = alerts.map((a) => [`- ${titleOf(a.type)}${a.protocol ? `: ${a.protocol}` : ''}`, ...alertLines(kind, a, now, f).map((l) => `  ${l}`)].join('\n'));
  return { kind, severity, title, body: [...blocks, `Dashboard: ${link}`].join('\n\n'), payload, alertIds: alerts.map((a) => a.id) };
}

export function testMessage(channel: string, now: number, f: Formatting): Message {
  return {
    kind: 'test',
    severity: 'info',
    title: 'orcha test notification',
    body: `This is a test from orcha to the channel "${channel}", sent ${formatTime(now, f.timezone)}. If you read this, alerts will reach you here.\nDashboard: ${f.dashboardUrl}/`,
    payload: { kind: 'test', channel, time: new Date(now).toISOString(), link: `${f.dashboardUrl}/` },
    alertIds: [],
  };
}
