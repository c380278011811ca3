/**
 * Reallocation history (outcome, projected and measured effect) and the "dry-run reallocation" button; with a fleet
 * host picked, the plans the control plane made for that host instead (the button is this machine's only).
 */
import { card, empty, fill, h } from '../dom';
import { ago, time, usd } from '../format';
import type { Reallocation } from '../model';
import type { HostPlansAnswer } from '../server-types';
import { hostPlansTable } from './host-plans';

export interface ReallocationsView {
  root: HTMLElement;
  render(items: Reallocation[] | null): void;
  /** A fleet host's plans in place of this machine's reallocations. */
  renderHostPlans(answer: HostPlansAnswer): void;
}

function effect(r: Reallocation): string {
  if (r.measuredBeforeUsdPerHour === null || r.measuredAfterUsdPerHour === null) return 'measuring…';
  const d = r.measuredAfterUsdPerHour - r.measuredBeforeUsdPerHour;
  return `${d >= 0 ? '+' : ''}${usd(d)}/h`;
}

/** `dryRun` runs the request and resolves with a line to show once the operation is done. */
export function createReallocations(dryRun: () => Promise<string>, canReallocate: () => boolean): ReallocationsView {
  const message = h('span', { class: 'muted', testid: 'dry-run-status', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      testid: 'dry-run-button',
      title: 'Compute a plan and record what would be done, without touching any node',
      onclick: async () => {
        button.disabled = true;
        message.textContent = 'Running dry-run…';
        message.dataset.state = 'running';
        try {
          message.textContent = await dryRun();
          message.dataset.state = 'done';
        } catch (err) {
          message.textContent = `Dry-run failed: ${(err as Error).message}`;
          message.dataset.state = 'failed';
        } finally {
          button.disabled = !canReallocate();
        }
      },
    },
    'Dry-run reallocation',
  );
  const c = card('Reallocations', 'reallocations', button);
  const body = h('div');
  fill(c.body, message, body);
  fill(body, empty('No reallocations yet.', 'reallocations-empty'));

  return {
    root: c.root,
    renderHostPlans(answer) {
      button.hidden = true;
      message.textContent = '';
      fill(body, hostPlansTable(answer));
    },
    render(items) {
      button.hidden = false;
      button.disabled = !canReallocate();
      if (!items || items.length === 0) return fill(body, empty('No reallocations yet.', 'reallocations-empty'));
      const sorted = [...items].sort((a, b) => b.createdAt - a.createdAt).slice(0, 30);
      fill(
        body,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { testid: 'reallocations-table' },
            h('thead', {}, h('tr', {}, ...['When', 'Outcome', 'Trigger', 'Projected', 'Measured', 'Reason'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              sorted.map((r) =>
                h(
                  'tr',
                  { testid: 'reallocation-row', 'data-id': r.id, 'data-status': r.status, 'data-dry-run': String(r.dryRun) },
                  h('td', { title: time(r.createdAt) }, ago(r.createdAt)),
                  h(
                    'td',
                    {},
                    h('span', { class: `pill ${r.status}` }, r.status),
                    r.dryRun ? h('span', { class: 'pill', testid: 'dry-run-tag' }, 'dry-run') : null,
                    r.exploration ? h('span', { class: 'pill' }, 'exploration') : null,
                  ),
                  h('td', {}, r.trigger),
                  h('td', { class: 'num' }, r.projectedImprovementUsdPerHour === null ? '–' : `+${usd(r.projectedImprovementUsdPerHour)}/h`),
                  h('td', { class: 'num', testid: 'measured-effect' }, effect(r)),
                  h('td', { class: 'muted' }, r.reason ?? ''),
                ),
              ),
            ),
          ),
        ),
      );
    },
  };
}
