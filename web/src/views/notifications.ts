/**
 * Notification settings: the channels (scheme and host, never secrets) with their last delivery and queue, a
 * test-send button (admin), and the delivery status of each open alert per channel. Reads GET notifications/channels
 * and GET alerts; POST notifications/test.
 */
import { ApiError, type Api } from '../api';
import { card, empty, fill, h } from '../dom';
import { ago, toMs } from '../format';
import type { AlertWithDeliveriesAnswer, ChannelViewAnswer, TestResultAnswer } from '../server-types';

const REFRESH_MS = 30_000;

type ChannelRow = ChannelViewAnswer;
type AlertRow = AlertWithDeliveriesAnswer;

export function createNotificationsView(api: Api): { root: HTMLElement; start(): () => void } {
  const result = h('div', { testid: 'notify-result', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      testid: 'notify-test',
      onclick: async () => {
        button.disabled = true;
        try {
          const res = await api.post<{ results: TestResultAnswer[] }>('notifications/test', {});
          fill(
            result,
            res.results.length === 0
              ? h('p', { class: 'muted' }, 'No channel configured.')
              : h('ul', {}, res.results.map((r) => h('li', { testid: 'notify-test-result', 'data-channel': r.channel, class: r.ok ? 'ok' : 'error' }, `${r.channel}: ${r.ok ? 'sent' : `failed: ${r.error}`}`))),
          );
          void load();
        } catch (err) {
          fill(result, h('p', { class: 'error' }, err instanceof ApiError && err.status === 403 ? 'Only an admin can send a test.' : (err as Error).message));
        } finally {
          button.disabled = false;
        }
      },
    },
    'Send test',
  );
  const c = card('Notifications', 'notifications', button);
  fill(c.body, empty('Loading channels…', 'notifications-empty'));

  function deliveryText(d: ChannelRow['lastDelivery']): string {
    if (!d) return 'never';
    return `${d.kind} ${d.status} ${ago(toMs(d.updatedAt))}${d.error ? ` (${d.error})` : ''}`;
  }

  async function load(): Promise<void> {
    const [{ channels }, alerts] = await Promise.all([
      api.get<{ channels: ChannelRow[] }>('notifications/channels'),
      api.get<{ alerts: AlertRow[] }>('alerts', { status: 'open', limit: 20 }),
    ]);
    if (channels.length === 0) {
      fill(c.body, empty('No notification channels. Add notifications.channels (ntfy://, tgram://, mailto://…) to orcha.yaml.', 'notifications-empty'), result);
      return;
    }
    const table = h(
      'table',
      { testid: 'notify-channels' },
      h('thead', {}, h('tr', {}, ['Channel', 'Target', 'Min severity', 'Queued', 'Last delivery'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        channels.map((ch) =>
          h(
            'tr',
            {
              testid: 'notify-channel',
              'data-channel': ch.name,
              'data-state': ch.usable ? (ch.consecutiveFailures > 0 ? 'failing' : 'ok') : 'unusable',
              'data-last': ch.lastDelivery ? `${ch.lastDelivery.kind} ${ch.lastDelivery.status}` : 'never',
            },
            h('td', {}, ch.name),
            h('td', {}, ch.target),
            h('td', {}, ch.minSeverity),
            h('td', {}, String(ch.pending)),
            h('td', { class: 'wrap' }, ch.usable ? deliveryText(ch.lastDelivery) : `unusable: ${ch.error ?? ''}`),
          ),
        ),
      ),
    );
    const open = alerts.alerts.filter((a) => (a.deliveries ?? []).length > 0);
    const perAlert =
      open.length === 0
        ? h('p', { class: 'muted' }, 'No open alert has been sent anywhere.')
        : h(
            'ul',
            { testid: 'notify-deliveries' },
            open.map((a) =>
              h('li', {}, `[${a.severity}] ${a.message}: `, (a.deliveries ?? []).map((d) => `${d.channel} ${d.status}${d.attempts > 1 ? ` after ${d.attempts} tries` : ''}`).join(', ')),
            ),
          );
    fill(c.body, h('div', { class: 'table-wrap' }, table), h('h3', {}, 'Open alerts, by channel'), perAlert, result);
  }

  return {
    root: c.root,
    start() {
      const run = () => void load().catch((err) => fill(c.body, h('p', { class: 'error' }, (err as Error).message), result));
      run();
      const timer = setInterval(run, REFRESH_MS);
      return () => clearInterval(timer);
    },
  };
}
