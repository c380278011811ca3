/** Users and roles (admin): list, add, change a role, disable, delete. GET/POST /users, PATCH/DELETE /users/{id}. */
import type { Api } from '../../api';
import { card, empty, fill, h } from '../../dom';
import { time } from '../../format';
import type { User } from '../../server-types';
import { confirmButton, roleSelect, showOutcome } from './forms';

export function createUsersSettings(api: Api, me: () => string | null): { root: HTMLElement; load(): Promise<void> } {
  const outcome = h('div', { testid: 'users-result', 'aria-live': 'polite' });
  const list = h('div', {});
  const username = h('input', { name: 'username', testid: 'user-new-name', required: true, autocomplete: 'off', placeholder: 'alice' });
  const password = h('input', { name: 'password', testid: 'user-new-password', type: 'password', required: true, autocomplete: 'new-password' });
  const role = roleSelect('user-new-role');
  const form = h(
    'form',
    {
      class: 'form inline',
      testid: 'user-add-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await api.post('users', { username: username.value.trim(), password: password.value, role: role.value });
          showOutcome(outcome, { ok: `User ${username.value.trim()} added as ${role.value}.` }, 'users');
          username.value = '';
          password.value = '';
          await load();
        } catch (err) {
          showOutcome(outcome, { err }, 'users');
        }
      },
    },
    h('label', {}, 'Username', username),
    h('label', {}, 'Password', password),
    h('label', {}, 'Role', role),
    h('button', { type: 'submit', testid: 'user-add' }, 'Add user'),
  );
  const c = card('Users and roles', 'users-settings');
  fill(c.body, empty('Loading users…', 'users-empty'));

  async function act(done: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
      showOutcome(outcome, { ok: done }, 'users');
    } catch (err) {
      showOutcome(outcome, { err }, 'users');
    }
    await load().catch((err) => showOutcome(outcome, { err }, 'users'));
  }

  function row(u: User): HTMLElement {
    const isMe = u.username === me();
    const select = roleSelect('user-role', u.role);
    select.addEventListener('change', () => void act(`${u.username} is now ${select.value}.`, () => api.patch(`users/${encodeURIComponent(u.id)}`, { role: select.value })));
    return h(
      'tr',
      { testid: 'user-row', 'data-username': u.username, 'data-role': u.role, 'data-disabled': String(u.disabled) },
      h('td', {}, u.username, isMe ? h('span', { class: 'muted' }, ' (you)') : null),
      h('td', {}, select),
      h('td', {}, u.disabled ? 'disabled' : 'active'),
      h('td', {}, time(u.createdAt)),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'small secondary',
            testid: 'user-toggle',
            onclick: () => void act(`${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`, () => api.patch(`users/${encodeURIComponent(u.id)}`, { disabled: !u.disabled })),
          },
          u.disabled ? 'Enable' : 'Disable',
        ),
        ' ',
        confirmButton('Delete', 'Really delete?', 'user-delete', () => act(`${u.username} deleted.`, () => api.del(`users/${encodeURIComponent(u.id)}`))),
      ),
    );
  }

  async function load(): Promise<void> {
    const { users } = await api.get<{ users: User[] }>('users');
    fill(
      list,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { testid: 'users-table' },
          h('thead', {}, h('tr', {}, ['User', 'Role', 'State', 'Created', ''].map((t) => h('th', {}, t)))),
          h('tbody', {}, users.map(row)),
        ),
      ),
    );
    if (!c.body.contains(list)) fill(c.body, list, h('h3', {}, 'Add a user'), form, outcome);
  }

  return {
    root: c.root,
    async load() {
      try {
        await load();
      } catch (err) {
        fill(c.body, empty((err as { status?: number }).status === 403 ? 'Only an admin can manage users.' : (err as Error).message, 'users-empty'));
      }
    },
  };
}
