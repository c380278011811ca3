/** Small pieces the settings forms share: a labelled input, a role picker, an outcome line, a two-step confirm. */
import { ApiError } from '../../api';
import { fill, h } from '../../dom';
import { errorList, fieldErrors } from './config-change';

export const ROLES = ['viewer', 'operator', 'admin'] as const;

export function roleSelect(testid: string, selected: string = 'viewer'): HTMLSelectElement {
  return h('select', { name: 'role', testid }, ROLES.map((r) => h('option', { value: r, selected: r === selected }, r)));
}

/** Show an outcome in `el`: ok text, or the server's refusal (field errors when it names fields). */
export function showOutcome(el: HTMLElement, outcome: { ok: string } | { err: unknown }, testid: string): void {
  if ('ok' in outcome) {
    el.dataset.state = 'ok';
    fill(el, h('p', { class: 'ok' }, outcome.ok));
    return;
  }
  el.dataset.state = 'error';
  const errors = fieldErrors(outcome.err);
  const err = outcome.err;
  if (errors) {
    fill(el, errorList(errors, `${testid}-error`));
    return;
  }
  const message = err instanceof ApiError && err.status === 403 ? 'Only an admin can do this.' : (err as Error).message;
  fill(el, h('p', { class: 'error', testid: `${testid}-error` }, message));
}

/** A button that asks once more before acting ("Delete" → "Really delete?"), and resets after a few seconds. */
export function confirmButton(label: string, confirmLabel: string, testid: string, act: () => Promise<void>): HTMLButtonElement {
  let armed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const button: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'small danger',
      testid,
      onclick: async () => {
        if (!armed) {
          armed = true;
          button.textContent = confirmLabel;
          button.dataset.armed = 'true';
          timer = setTimeout(() => {
            armed = false;
            button.textContent = label;
            delete button.dataset.armed;
          }, 5_000);
          return;
        }
        clearTimeout(timer);
        button.disabled = true;
        try {
          await act();
        } finally {
          button.disabled = false;
        }
      },
    },
    label,
  );
  return button;
}
