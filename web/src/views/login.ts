/** The login form. Tokens go to sessionStorage through the api module. */
import { h } from '../dom';

export function createLogin(login: (username: string, password: string) => Promise<void>): HTMLElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, testid: 'login-username', value: 'admin' });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    testid: 'login-password',
  });
  const error = h('p', { class: 'error', testid: 'login-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', testid: 'login-submit' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'login card',
      testid: 'login-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        error.hidden = true;
        try {
          await login(username.value.trim(), password.value);
        } catch (err) {
          error.textContent = (err as { status?: number }).status === 401 ? 'Wrong username or password.' : (err as Error).message;
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, 'Log in to orcha'),
    h('label', {}, 'Username', username),
    h('label', {}, 'Password', password),
    submit,
    error,
    h('p', { class: 'muted' }, 'The first admin password is printed by the server at its first start (or set with ORCHA_ADMIN_PASSWORD).'),
  );
  return form;
}
