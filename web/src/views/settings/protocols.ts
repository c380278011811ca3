/**
 * The nodes orcha watches (config `protocols`): add, edit or remove one. Each is an edit of the configuration
 * that goes through the same review-and-save path as the editor (diff, PUT config, field errors when refused).
 * Fields the form does not show (limits, executor, mapping...) are kept as they are; the editor reaches them.
 */
import type { Api } from '../../api';
import { card, empty, fill, h } from '../../dom';
import type { ProtocolType } from '../../server-types';
import { type SavedConfig, createConfigChangePanel } from './config-change';

const TYPES = ['storj', 'golem', 'mysterium', 'streamr', 'grass', 'http-json'] as const satisfies readonly ProtocolType[];
// Every type the server knows is offered: this fails to compile when the server gains one the list lacks.
const allTypesListed: [Exclude<ProtocolType, (typeof TYPES)[number]>] extends [never] ? true : false = true;
void allTypesListed;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function protocolsOf(config: unknown): Obj[] {
  return isObj(config) && Array.isArray(config.protocols) ? config.protocols.filter(isObj) : [];
}

export function createProtocolsSettings(api: Api, onSaved: (saved: SavedConfig) => void): { root: HTMLElement; render(config: unknown): void } {
  let running: unknown = null;
  const panel = createConfigChangePanel(
    api,
    'protocol',
    (saved) => {
      fill(formHost);
      onSaved(saved);
    },
    () => {
      fill(formHost);
      onSaved({ changedKeys: [] });
    },
  );
  const formHost = h('div', { testid: 'protocol-form-host' });
  const list = h('div', {});
  const addButton = h('button', { type: 'button', class: 'small', testid: 'protocol-add', onclick: () => openForm(null) }, 'Add a protocol');
  const c = card('Protocols', 'protocols-settings', addButton);
  fill(c.body, empty('Loading…', 'protocols-empty'));

  /** The running config with `edit` applied to a copy of its protocol list. */
  function withProtocols(edit: (list: Obj[]) => Obj[]): Obj {
    const next = structuredClone(running) as Obj;
    next.protocols = edit(protocolsOf(next));
    return next;
  }

  function openForm(existing: Obj | null): void {
    panel.clear();
    const input = (name: string, value: unknown, attrs: Record<string, string | boolean> = {}) =>
      h('input', { name, testid: `protocol-${name}`, value: value === undefined ? '' : String(value), ...attrs });
    const name = input('name', existing?.name, { required: true, placeholder: 'storj-2', autocomplete: 'off' });
    const type = h('select', { name: 'type', testid: 'protocol-type' }, TYPES.map((t) => h('option', { value: t, selected: existing?.type === t }, t)));
    const endpoint = input('endpoint', existing?.endpoint, { required: true, placeholder: 'http://127.0.0.1:14002', type: 'url' });
    const token = input('token', '', { type: 'password', autocomplete: 'off', placeholder: existing ? 'unchanged' : 'none' });
    const enabled = h('input', { type: 'checkbox', name: 'enabled', testid: 'protocol-enabled', checked: existing ? existing.enabled !== false : true });
    const pinned = h('input', { type: 'checkbox', name: 'pinned', testid: 'protocol-pinned', checked: existing?.pinned === true });
    const form = h(
      'form',
      {
        class: 'form',
        testid: 'protocol-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const fields: Obj = { name: name.value.trim(), type: type.value, endpoint: endpoint.value.trim(), enabled: enabled.checked, pinned: pinned.checked };
          // A flag at its default is left out of the file unless the file already names it.
          const withFlags = (obj: Obj, before: Obj) => {
            if (obj.enabled === true && !('enabled' in before)) delete obj.enabled;
            if (obj.pinned === false && !('pinned' in before)) delete obj.pinned;
            return obj;
          };
          const next = withProtocols((list) => {
            if (!existing) {
              const added = withFlags({ ...fields }, {});
              if (token.value) added.credentials = { token: token.value };
              return [...list, added];
            }
            return list.map((p) => {
              if (p.name !== existing.name) return p;
              const edited = withFlags({ ...p, ...fields }, p);
              if (token.value) edited.credentials = { ...(isObj(p.credentials) ? p.credentials : {}), token: token.value };
              return edited;
            });
          });
          panel.propose(running, next, existing ? `Editing ${String(existing.name)} changes:` : `Adding ${String(fields.name)} changes:`);
        },
      },
      h('h3', {}, existing ? `Edit ${String(existing.name)}` : 'New protocol'),
      h('label', {}, 'Name (lower case, unique)', name),
      h('label', {}, 'Type', type),
      h('label', {}, 'Node API endpoint', endpoint),
      h('label', {}, 'API token (optional)', token),
      h('label', { class: 'check' }, enabled, 'Enabled'),
      h('label', { class: 'check' }, pinned, 'Pinned (never reallocate)'),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', testid: 'protocol-review' }, 'Review change…'),
        h('button', { type: 'button', class: 'secondary', onclick: () => fill(formHost) }, 'Close'),
      ),
    );
    fill(formHost, form);
    name.focus();
  }

  function remove(p: Obj): void {
    fill(formHost);
    panel.propose(
      running,
      withProtocols((list) => list.filter((x) => x.name !== p.name)),
      `Removing ${String(p.name)} stops watching it (its history stays). It changes:`,
    );
  }

  return {
    root: c.root,
    render(config) {
      if (config === null || config === undefined) {
        addButton.hidden = true;
        return fill(c.body, empty('Only an admin can change the protocols.', 'protocols-empty'));
      }
      running = config;
      addButton.hidden = false;
      const protocols = protocolsOf(config);
      fill(
        list,
        protocols.length === 0
          ? empty('No protocol configured: orcha runs the built-in simulators until you add one.', 'protocols-empty')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { testid: 'protocols-config' },
                h('thead', {}, h('tr', {}, ['Name', 'Type', 'Endpoint', 'State', ''].map((t) => h('th', {}, t)))),
                h(
                  'tbody',
                  {},
                  protocols.map((p) =>
                    h(
                      'tr',
                      { testid: 'protocol-config-row', 'data-protocol': String(p.name) },
                      h('td', {}, String(p.name)),
                      h('td', {}, String(p.type)),
                      h('td', { class: 'wrap' }, String(p.endpoint ?? '')),
                      h('td', {}, p.enabled === false ? 'disabled' : 'enabled', p.pinned === true ? ', pinned' : ''),
                      h(
                        'td',
                        {},
                        h('button', { type: 'button', class: 'small', testid: 'protocol-edit', onclick: () => openForm(p) }, 'Edit'),
                        ' ',
                        h('button', { type: 'button', class: 'small danger', testid: 'protocol-remove', onclick: () => remove(p) }, 'Remove'),
                      ),
                    ),
                  ),
                ),
              ),
            ),
      );
      if (!c.body.contains(list)) fill(c.body, list, formHost, panel.root);
    },
  };
}
