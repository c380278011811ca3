/**
 * The host picker: with more than this machine in the fleet, which host the overview shows. Its choice goes to the
 * reads that take `?host=NAME` (metrics and history, allocation, opportunities, alerts, payouts) and makes the
 * reallocations card show the control plane's plans for that host; "this machine" sends none. Hidden
 * while this machine is the only host; hosts come from GET /api/v1/hosts (revoked ones are left out).
 */
import type { Api } from '../api';
import { h } from '../dom';
import type { HostAnswer } from '../server-types';

export interface HostPicker {
  root: HTMLElement;
  /** The host picked, or undefined for this machine. */
  current(): string | undefined;
  /** Read the hosts again (a host added or revoked meanwhile). */
  refresh(): Promise<void>;
}

/** `initial`: the host to show first (from the URL); it falls back to this machine if no such host is listed. */
export function createHostPicker(api: Api, onChange: (host: string | undefined) => void, initial?: string): HostPicker {
  let current: string | undefined = initial;
  const select = h('select', {
    testid: 'host-picker',
    'aria-label': 'Host',
    onchange: () => {
      current = select.value === '' ? undefined : select.value;
      root.dataset.host = select.value;
      onChange(current);
    },
  });
  const root = h('label', { class: 'host-picker', hidden: true, 'data-host': initial ?? '' }, 'Host ', select);

  async function refresh(): Promise<void> {
    const names = (await api.get<{ hosts: HostAnswer[] }>('hosts')).hosts.filter((x) => x.revokedAt === null).map((x) => x.name);
    root.hidden = names.length === 0;
    const options = [h('option', { value: '' }, 'this machine'), ...names.map((name) => h('option', { value: name }, name))];
    select.replaceChildren(...options);
    if (current !== undefined && !names.includes(current)) {
      current = undefined;
      onChange(undefined);
    }
    select.value = current ?? '';
    root.dataset.host = select.value;
  }
  return { root, current: () => current, refresh };
}
