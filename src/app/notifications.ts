/**
 * The notifier wired to the rest of the product: alert changes from the event bus become outbox messages (grouped,
 * quiet hours, reminders, digests); the digest carries the performance report and, once energy accounting is on,
 * gross and net of power per protocol; a channel that keeps failing raises its own alert (through the alert
 * service's gate), which goes out on the other channels.
 */
import type { Config } from '../config/schema.js';
import type { EnergyService } from '../energy/energy-service.js';
import type { AlertService } from '../engine/monitor/alerts.js';
import { createReportService } from '../engine/monitor/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { DigestPower } from '../notifications/digest.js';
import { createNotifier, type Notifier } from '../notifications/notifier.js';
import type { Store, TimeRange } from '../store/types.js';
import type { EventBus } from './events.js';

export interface NotificationsDeps {
  store: Pick<Store, 'notifications' | 'alerts' | 'metrics' | 'reallocations'>;
  clock: Clock;
  log: Logger;
  config: () => Config;
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Dashboard link when `notifications.dashboardUrl` is not set (the server's address once it listens). */
  dashboardUrl: () => string;
  energy: Pick<EnergyService, 'report'>;
  alerts: Pick<AlertService, 'channelFailing' | 'channelRecovered'>;
  events: EventBus;
}

/** The digest's power part: null while energy accounting is off (the digest shows gross only). */
export async function digestPower(config: Config, energy: Pick<EnergyService, 'report'>, range: TimeRange): Promise<DigestPower | null> {
  if (!config.energy.enabled) return null;
  const r = await energy.report(range);
  return {
    energyKwh: r.energyKwh,
    powerCostUsd: r.powerCostUsd,
    estimatedShare: r.estimatedShare,
    protocols: Object.fromEntries(r.protocols.map((p) => [p.protocol, { powerCostUsd: p.powerCostUsd, netUsd: p.netUsd }])),
  };
}

/** The notifier, subscribed to the `alerts` topic; `close()` unsubscribes and stops its loop. */
export function createNotifications(deps: NotificationsDeps): { notifier: Notifier; close(): Promise<void> } {
  const { store, clock, alerts } = deps;
  const reports = createReportService({ metrics: store.metrics, reallocations: store.reallocations, clock });
  const notifier = createNotifier({
    outbox: store.notifications,
    alerts: store.alerts,
    clock,
    log: deps.log,
    getConfig: deps.config,
    baseDir: deps.baseDir,
    env: deps.env,
    defaultDashboardUrl: deps.dashboardUrl,
    report: (range) => reports.performance(range),
    power: (range) => digestPower(deps.config(), deps.energy, range),
    health: {
      failing: async (channel, failures, threshold, error) => void (await alerts.channelFailing(channel, failures, threshold, error)),
      recovered: async (channel) => void (await alerts.channelRecovered(channel)),
    },
  });
  const off = deps.events.on('alerts', (e) => notifier.onAlert(e));
  return {
    notifier,
    async close() {
      off();
      await notifier.stop();
    },
  };
}
