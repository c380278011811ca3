/**
 * The plans the control plane made for a fleet host (GET hosts/{name}/plans), shown in the reallocations card when
 * the host picker names that host: when, status, projected gain, what its agent did, and who decided.
 */
import { empty, h } from '../dom';
import { ago, time, usd } from '../format';
import type { HostPlansAnswer } from '../server-types';

type HostPlan = HostPlansAnswer['plans'][number];

function outcomeText(p: HostPlan): string {
  if (!p.outcome) return 'no outcome reported yet';
  return `${p.outcome.status}${p.outcome.reason ? `: ${p.outcome.reason}` : ''}`;
}

function decidedBy(p: HostPlan): string {
  const who = p.decidedBy.replica ? `replica ${p.decidedBy.replica}` : 'the control plane';
  return `${who} (${p.decidedBy.strategy}, fence ${p.decidedBy.fence})`;
}

/** The table of one host's plans, newest first; `total` says how many there are beyond this page. */
export function hostPlansTable(answer: HostPlansAnswer): HTMLElement {
  if (answer.plans.length === 0) return empty(`No plans for ${answer.host} yet.`, 'host-plans-empty');
  return h(
    'div',
    { class: 'table-wrap', testid: 'host-plans', 'data-host': answer.host },
    h(
      'p',
      { class: 'muted', testid: 'host-plans-summary' },
      `Plans the control plane made for ${answer.host}: the latest ${answer.plans.length} of ${answer.total}. Its agent applies them through its own gates.`,
    ),
    h(
      'table',
      { testid: 'host-plans-table' },
      h('thead', {}, h('tr', {}, ...['Made', 'Status', 'Projected', 'Outcome', 'Decided by'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        answer.plans.map((p) =>
          h(
            'tr',
            { testid: 'host-plan-row', 'data-id': p.id, 'data-status': p.status },
            h('td', { title: time(p.createdAt) }, ago(p.createdAt)),
            h('td', {}, h('span', { class: `pill ${p.status}` }, p.status), p.plan.exploration ? h('span', { class: 'pill' }, 'exploration') : null),
            h('td', { class: 'num', testid: 'host-plan-gain' }, `+${usd(p.projectedGainUsdPerHour)}/h`),
            h('td', { class: 'muted', testid: 'host-plan-outcome' }, outcomeText(p)),
            h('td', { class: 'muted', testid: 'host-plan-decided-by' }, decidedBy(p)),
          ),
        ),
      ),
    ),
  );
}
