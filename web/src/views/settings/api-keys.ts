/**
 * API keys (admin): create one with a role (the whole key is shown once, right here), list them (never the secret),
 * revoke one. POST/GET /api-keys, DELETE /api-keys/{id}.
 */
import type { Api } from '../../api';
import { card, empty, fill, h } from '../../dom';
import { time } from '../../format';
import type { ApiKey, CreatedApiKey } from '../../server-types';
import { confirmButton, roleSelect, showOutcome } from './forms';

export function createApiKeysSettings(api: Api): { root: HTMLElement; load(): Promise<void> } {
  const outcome = h('div', { testid: 'apikeys-result', 'aria-live': 'polite' });
  const created = h('div', { testid: 'apikey-created-host' });
  const list = h('div', {});
  const name = h('input', { name: 'name', testid: 'apikey-new-name', required: true, autocomplete: 'off', placeholder: 'grafana' });
  const role = roleSelect('apikey-new-role');
  const form = h(
    'form',
    {
      class: 'form inline',
      testid: 'apikey-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          const key = await api.post<CreatedApiKey>('api-keys', { name: name.value.trim(), role: role.value });
          name.value = '';
          fill(outcome);
          showKeyOnce(key);
          await load();
        } catch (err) {
          showOutcome(outcome, { err }, 'apikeys');
        }
      },
    },
    h('label', {}, 'Name', name),
    h('label', {}, 'Role', role),
    h('button', { type: 'submit', testid: 'apikey-create' }, 'Create key'),
  );
  const c = card('API keys', 'apikeys-settings');
  fill(c.body, empty('Loading API keys…', 'apikeys-empty'));

  function showKeyOnce(key: CreatedApiKey): void {
    const value = h('code', { class: 'secret', testid: 'apikey-created' }, key.key);
    const copy = h(
      'button',
      {
        type: 'button',
        class: 'small secondary',
        onclick: () => {
          const said = (text: string) => () => {
            copy.textContent = text;
          };
          void navigator.clipboard?.writeText(key.key).then(said('Copied'), said('Select and copy it by hand'));
        },
      },
      'Copy',
    );
    fill(
      created,
      h(
        'div',
        { class: 'once' },
        h('p', {}, `Key "${key.name}" (${key.role}). Copy it now: it is shown this once and cannot be read again.`),
        h('div', { class: 'row' }, value, copy),
        h('button', { type: 'button', class: 'small secondary', testid: 'apikey-created-dismiss', onclick: () => fill(created) }, 'I have saved it'),
      ),
    );
  }

  function row(k: ApiKey): HTMLElement {
    return h(
      'tr',
      { testid: 'apikey-row', 'data-name': k.name, 'data-prefix': k.prefix, 'data-revoked': String(k.revokedAt !== null) },
      h('td', {}, k.name),
      h('td', {}, h('code', {}, `${k.prefix}…`)),
      h('td', {}, k.role),
      h('td', {}, k.createdBy ?? '–'),
      h('td', {}, time(k.createdAt)),
      h('td', {}, k.lastUsedAt ? time(k.lastUsedAt) : 'never'),
      h(
        'td',
        {},
        k.revokedAt
          ? `revoked ${time(k.revokedAt)}`
          : confirmButton('Revoke', 'Really revoke?', 'apikey-revoke', async () => {
              try {
                await api.del(`api-keys/${encodeURIComponent(k.id)}`);
                showOutcome(outcome, { ok: `Key "${k.name}" revoked: it no longer opens anything.` }, 'apikeys');
              } catch (err) {
                showOutcome(outcome, { err }, 'apikeys');
              }
              await load().catch((err) => showOutcome(outcome, { err }, 'apikeys'));
            }),
      ),
    );
  }

  async function load(): Promise<void> {
    const { apiKeys } = await api.get<{ apiKeys: ApiKey[] }>('api-keys');
    fill(
      list,
      apiKeys.length === 0
        ? empty('No API key yet.', 'apikeys-none')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { testid: 'apikeys-table' },
              h('thead', {}, h('tr', {}, ['Name', 'Key', 'Role', 'Created by', 'Created', 'Last used', ''].map((t) => h('th', {}, t)))),
              h('tbody', {}, apiKeys.map(row)),
            ),
          ),
    );
    if (!c.body.contains(list)) fill(c.body, created, list, h('h3', {}, 'Create a key'), form, outcome);
  }

  return {
    root: c.root,
    async load() {
      try {
        await load();
      } catch (err) {
        fill(c.body, empty((err as { status?: number }).status === 403 ? 'Only an admin can manage API keys.' : (err as Error).message, 'apikeys-empty'));
      }
    },
  };
}
