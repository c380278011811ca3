/** Alerts with acknowledge: open ones first; acknowledging updates the row at once and then from the server. */
import { card, empty, fill, h } from '../dom';
import { ago, time } from '../format';
import type { Alert } from '../model';

export interface AlertsView {
  root: HTMLElement;
  render(alerts: Alert[] | null): void;
}

const ORDER: Record<string, number> = { open: 0, acknowledged: 1, resolved: 2 };
const SEVERITY: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export function createAlerts(acknowledge: (ids: string[]) => Promise<void>, options: { title?: string; testid?: string } = {}): AlertsView {
  const c = card(options.title ?? 'Alerts', options.testid ?? 'alerts');
  fill(c.body, empty('No alerts.', 'alerts-empty'));
  const error = h('p', { class: 'error', testid: 'alerts-error', hidden: true });

  return {
    root: c.root,
    render(alerts) {
      if (!alerts || alerts.length === 0) return fill(c.body, empty('No alerts. All quiet.', 'alerts-empty'), error);
      const sorted = [...alerts].sort(
        (a, b) =>
          (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) ||
          (SEVERITY[a.severity] ?? 3) - (SEVERITY[b.severity] ?? 3) ||
          b.createdAt - a.createdAt,
      );
      const rows = sorted.slice(0, 50).map((a) => {
        const status = h('span', { class: `pill ${a.status}`, testid: 'alert-status' }, a.status);
        const ack =
          a.status === 'open'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'small',
                  testid: 'alert-ack',
                  onclick: async (event: Event) => {
                    const button = event.currentTarget as HTMLButtonElement;
                    button.disabled = true;
                    error.hidden = true;
                    try {
                      await acknowledge([a.id]);
                      row.dataset.status = 'acknowledged';
                      status.textContent = 'acknowledged';
                      status.className = 'pill acknowledged';
                      button.remove();
                    } catch (err) {
                      button.disabled = false;
                      error.textContent = `Could not acknowledge: ${(err as Error).message}`;
                      error.hidden = false;
                    }
                  },
                },
                'Acknowledge',
              )
            : null;
        const row = h(
          'li',
          { testid: 'alert-row', 'data-alert-id': a.id, 'data-status': a.status, class: `alert ${a.severity}` },
          h('div', { class: 'alert-head' }, h('span', { class: `sev ${a.severity}` }, a.severity), status, h('span', { class: 'muted', title: time(a.createdAt) }, ago(a.createdAt))),
          h('div', {}, a.protocol ? h('strong', {}, `${a.protocol}: `) : null, a.message || a.type),
          ack,
        );
        return row;
      });
      fill(c.body, error, h('ul', { class: 'list' }, rows));
    },
  };
}
