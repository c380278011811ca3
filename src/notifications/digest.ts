/** The daily and weekly summaries: earnings per protocol, uptime, reallocations with their measured effect, open alerts. */
import type { Alert } from '../domain/alert.js';
import type { PerformanceReport } from '../engine/monitor/reports.js';
import { type Formatting, type Message, formatTime } from './message.js';

const usd = (x: number) => `${x.toFixed(x !== 0 && Math.abs(x) < 0.01 ? 4 : 2)} USD`;

/** Power over the digest's period (the energy service's report), once energy accounting is on. */
export interface DigestPower {
  energyKwh: number;
  powerCostUsd: number;
  /** Share of the period whose power was estimated (no meter, or a silent one), 0..1. */
  estimatedShare: number;
  protocols: Record<string, { powerCostUsd: number; netUsd: number }>;
}

export function digestMessage(
  period: 'daily' | 'weekly',
  report: PerformanceReport,
  openAlerts: Alert[],
  f: Formatting,
  /** Power cost and net per protocol once energy is known; null: gross only. */
  power: DigestPower | null = null,
): Message {
  const span = period === 'daily' ? 'last 24 h' : 'last 7 days';
  const lines: string[] = [];
  lines.push(`Earnings (${span}): ${usd(report.totalUsd)} gross, ${usd(report.averageUsdPerHour)}/h on average, trend ${report.trend.direction}${report.trend.changePercent !== null ? ` (${report.trend.changePercent >= 0 ? '+' : ''}${report.trend.changePercent.toFixed(1)} %)` : ''}`);
  if (power) {
    const estimated = power.estimatedShare > 0 ? `, estimated for ${Math.round(power.estimatedShare * 100)} % of the period` : '';
    lines.push(`Power: ${power.energyKwh.toFixed(2)} kWh costing ${usd(power.powerCostUsd)}${estimated}; net of power ${usd(report.totalUsd - power.powerCostUsd)}`);
  }
  for (const p of report.protocols) {
    const pw = power?.protocols[p.protocol];
    const net = pw ? `, power ${usd(pw.powerCostUsd)}, net ${usd(pw.netUsd)}${pw.netUsd < 0 ? ' (costs more power than it earns)' : ''}` : '';
    lines.push(`- ${p.protocol}: gross ${usd(p.earnedUsd)} (${Number(p.earnedTokens.toFixed(4))} ${p.token})${net}, uptime ${(p.uptime * 100).toFixed(1)} %`);
  }
  if (report.protocols.length === 0) lines.push('- no protocol data in this period');
  const counts = Object.entries(report.reallocations.counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  lines.push('');
  lines.push(`Reallocations: ${counts || 'none'}`);
  for (const r of report.reallocations.applied.slice(0, 10)) {
    const effect =
      r.measuredEffectUsdPerHour === null
        ? 'effect not measured yet'
        : `measured ${r.measuredEffectUsdPerHour >= 0 ? '+' : ''}${r.measuredEffectUsdPerHour.toFixed(4)} USD/h (projected +${r.projectedImprovementUsdPerHour.toFixed(4)})`;
    lines.push(`- ${formatTime(r.createdAt, f.timezone)}: ${effect}`);
  }
  lines.push('');
  const critical = openAlerts.filter((a) => a.severity === 'critical').length;
  lines.push(`Open alerts: ${openAlerts.length}${critical ? ` (${critical} critical)` : ''}`);
  for (const a of openAlerts.slice(0, 15)) lines.push(`- [${a.severity}] ${a.message} (since ${formatTime(a.createdAt, f.timezone)})`);
  if (openAlerts.length > 15) lines.push(`- and ${openAlerts.length - 15} more`);
  lines.push('', `Dashboard: ${f.dashboardUrl}/`);
  const title = `orcha ${period} summary: ${usd(report.totalUsd)} earned, ${openAlerts.length} open alert${openAlerts.length === 1 ? '' : 's'}`;
  return {
    kind: period === 'daily' ? 'daily_digest' : 'weekly_digest',
    severity: 'info',
    title,
    body: lines.join('\n'),
    payload: {
      kind: `${period}_digest`,
      from: new Date(report.from).toISOString(),
      to: new Date(report.to).toISOString(),
      totalUsd: report.totalUsd,
      powerCostUsd: power?.powerCostUsd ?? null,
      protocols: report.protocols.map((p) => ({
        protocol: p.protocol,
        earnedUsd: p.earnedUsd,
        powerCostUsd: power?.protocols[p.protocol]?.powerCostUsd ?? null,
        netUsd: power?.protocols[p.protocol]?.netUsd ?? null,
        uptime: p.uptime,
      })),
      reallocationEffects: report.reallocations.applied.map((r) => ({ id: r.id, measuredEffectUsdPerHour: r.measuredEffectUsdPerHour })),
      reallocations: report.reallocations.counts,
      openAlerts: openAlerts.length,
      link: `${f.dashboardUrl}/`,
    },
    alertIds: [],
  };
}
