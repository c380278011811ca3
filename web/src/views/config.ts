/** The running configuration (secrets redacted by the server) and validation of an edit before anyone saves it. */
import { card, empty, fill, h } from '../dom';

export interface FieldError {
  path: string;
  message: string;
}

export interface ConfigView {
  root: HTMLElement;
  render(config: unknown): void;
}

/** `validate` resolves with the field errors (empty when valid). */
export function createConfig(validate: (config: unknown) => Promise<FieldError[]>): ConfigView {
  const editor = h('textarea', { testid: 'config-editor', spellcheck: 'false', rows: 16, 'aria-label': 'Configuration (JSON)' });
  const result = h('div', { testid: 'config-result', 'aria-live': 'polite' });
  let dirty = false;
  editor.addEventListener('input', () => {
    dirty = true;
  });
  const button = h(
    'button',
    {
      type: 'button',
      testid: 'config-validate',
      onclick: async () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(editor.value);
        } catch (err) {
          result.dataset.state = 'invalid';
          fill(result, h('p', { class: 'error' }, `Not valid JSON: ${(err as Error).message}`));
          return;
        }
        button.disabled = true;
        try {
          const errors = await validate(parsed);
          result.dataset.state = errors.length ? 'invalid' : 'valid';
          fill(
            result,
            errors.length
              ? h('ul', { class: 'errors' }, errors.map((e) => h('li', { testid: 'config-error' }, h('code', {}, e.path || '(root)'), ` ${e.message}`)))
              : h('p', { class: 'ok' }, 'Valid: this configuration would be accepted.'),
          );
        } catch (err) {
          result.dataset.state = 'error';
          fill(result, h('p', { class: 'error' }, (err as Error).message));
        } finally {
          button.disabled = false;
        }
      },
    },
    'Validate edit',
  );
  const c = card('Configuration', 'config', button);
  fill(c.body, empty('Loading configuration…', 'config-empty'));

  return {
    root: c.root,
    render(config) {
      // Never overwrite what the operator is typing; a pushed config change only refreshes an untouched editor.
      if (dirty && c.body.contains(editor)) return;
      if (config === null || config === undefined) return fill(c.body, empty('Configuration not available for this role.', 'config-empty'));
      editor.value = JSON.stringify(config, null, 2);
      fill(c.body, h('p', { class: 'muted' }, 'The running configuration. Edit and validate; secrets are not shown.'), editor, result);
    },
  };
}
