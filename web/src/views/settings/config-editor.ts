/**
 * The configuration editor (admin): the document orcha.yaml holds, as JSON (GET config/document: no defaults, no
 * ORCHA_* overrides, secrets redacted by the server; sent back redacted they keep their value), validated on request,
 * and saved through the config-change panel, which shows what the edit changes before anything is written.
 */
import type { Api } from '../../api';
import { card, empty, fill, h } from '../../dom';
import { type FieldError, type SavedConfig, createConfigChangePanel, errorList, fieldErrors } from './config-change';

export interface ConfigEditor {
  root: HTMLElement;
  /** Show the running config; null when this role may not read it. An edit in progress is never overwritten. */
  render(config: unknown): void;
}

export function createConfigEditor(api: Api, onSaved: (saved: SavedConfig) => void): ConfigEditor {
  const editor = h('textarea', { testid: 'config-editor', spellcheck: 'false', rows: 18, 'aria-label': 'Configuration (JSON)' });
  const result = h('div', { testid: 'config-result', 'aria-live': 'polite' });
  let running: unknown = null;
  let dirty = false;
  editor.addEventListener('input', () => {
    dirty = true;
  });
  const panel = createConfigChangePanel(
    api,
    'config',
    (saved) => {
      dirty = false;
      onSaved(saved);
    },
    () => {
      dirty = false;
      fill(result);
      onSaved({ changedKeys: [] });
    },
  );

  function parsed(): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: JSON.parse(editor.value) };
    } catch (err) {
      result.dataset.state = 'invalid';
      fill(result, h('p', { class: 'error' }, `Not valid JSON: ${(err as Error).message}`));
      return { ok: false };
    }
  }

  /** The field errors of a candidate (empty when valid). */
  async function validate(candidate: unknown): Promise<FieldError[]> {
    try {
      const res = await api.post<{ valid?: boolean; errors?: FieldError[] }>('config/validate', candidate);
      return res.valid === false || res.errors?.length ? (res.errors ?? [{ path: '', message: 'invalid' }]) : [];
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return errors;
      throw err;
    }
  }

  async function run(button: HTMLButtonElement, review: boolean): Promise<void> {
    panel.clear();
    const candidate = parsed();
    if (!candidate.ok) return;
    button.disabled = true;
    try {
      const errors = await validate(candidate.value);
      result.dataset.state = errors.length ? 'invalid' : 'valid';
      if (errors.length) fill(result, errorList(errors, 'config-error'));
      else if (review) {
        fill(result);
        panel.propose(running, candidate.value);
      } else fill(result, h('p', { class: 'ok' }, 'Valid: this configuration would be accepted.'));
    } catch (err) {
      result.dataset.state = 'error';
      fill(result, h('p', { class: 'error' }, (err as Error).message));
    } finally {
      button.disabled = false;
    }
  }

  const validateButton: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', testid: 'config-validate', onclick: () => void run(validateButton, false) }, 'Validate');
  const reviewButton: HTMLButtonElement = h('button', { type: 'button', testid: 'config-review', onclick: () => void run(reviewButton, true) }, 'Review and save…');
  const resetButton = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      testid: 'config-reset',
      onclick: () => {
        dirty = false;
        panel.clear();
        fill(result);
        editor.value = JSON.stringify(running, null, 2);
      },
    },
    'Discard edit',
  );
  const c = card('Configuration', 'config');
  fill(c.body, empty('Loading configuration…', 'config-empty'));

  return {
    root: c.root,
    render(config) {
      if (config === null || config === undefined) return fill(c.body, empty('Only an admin can read and change the configuration.', 'config-empty'));
      running = config;
      if (dirty && c.body.contains(editor)) return;
      editor.value = JSON.stringify(config, null, 2);
      if (c.body.contains(editor)) return;
      fill(
        c.body,
        h('p', { class: 'muted' }, 'What orcha.yaml holds, as JSON. Defaults and ORCHA_* environment variables apply on top and are never written into the file; secrets are not shown and stay as they are. Edit, review what changes, then save: it is validated, written and applied without a restart.'),
        editor,
        h('div', { class: 'row' }, validateButton, reviewButton, resetButton),
        result,
        panel.root,
      );
    },
  };
}
