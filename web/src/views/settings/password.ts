/**
 * Change your own password (any user): POST /auth/password with the current one. The server ends every session of
 * the user (refresh tokens revoked), so this page logs in again with the new password to keep going.
 */
import { type Api, session } from '../../api';
import { card, h } from '../../dom';
import { showOutcome } from './forms';

export function createPasswordSettings(api: Api): HTMLElement {
  const outcome = h('div', { testid: 'password-result', 'aria-live': 'polite' });
  const current = h('input', { name: 'currentPassword', type: 'password', testid: 'password-current', required: true, autocomplete: 'current-password' });
  const next = h('input', { name: 'newPassword', type: 'password', testid: 'password-new', required: true, autocomplete: 'new-password' });
  const again = h('input', { name: 'newPasswordAgain', type: 'password', testid: 'password-again', required: true, autocomplete: 'new-password' });
  const submit = h('button', { type: 'submit', testid: 'password-submit' }, 'Change password');
  const form = h(
    'form',
    {
      class: 'form',
      testid: 'password-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        if (next.value !== again.value) {
          showOutcome(outcome, { err: new Error('The two new passwords differ.') }, 'password');
          return;
        }
        submit.disabled = true;
        try {
          await api.post('auth/password', { currentPassword: current.value, newPassword: next.value });
          const username = session.username;
          if (username) await api.login(username, next.value);
          for (const input of [current, next, again]) input.value = '';
          showOutcome(outcome, { ok: 'Password changed. Your other sessions have ended; this one goes on.' }, 'password');
        } catch (err) {
          showOutcome(outcome, { err }, 'password');
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('label', {}, 'Current password', current),
    h('label', {}, 'New password', next),
    h('label', {}, 'New password again', again),
    submit,
    outcome,
  );
  const c = card('Your password', 'password-settings');
  c.body.append(form);
  return c.root;
}
