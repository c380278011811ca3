/**
 * The one way the settings page changes the configuration: show what an edit changes (a diff against the running
 * config), then save it with PUT config, which validates, writes orcha.yaml atomically, applies it and audits it.
 * A rejected edit shows the server's field errors. The config editor and the protocols card both go through here.
 */
import { ApiError, type Api } from '../../api';
import { fill, h } from '../../dom';
import type { ConfigApplied, ConfigFieldError } from '../../server-types';
import { type DiffLine, configDiff, shortValue } from './config-diff';

/** One rejected field as the config routes answer it. */
export type FieldError = ConfigFieldError;

/** What the panel reads of PUT config's answer: the top-level sections that changed (empty: it already said this). */
export type SavedConfig = Pick<ConfigApplied, 'changedKeys'>;

export interface ConfigChangePanel {
  root: HTMLElement;
  /** Show what `next` changes against `current`, with Save and Cancel. */
  propose(current: unknown, next: unknown, summary?: string): void;
  /** Show field errors (from a validation before any diff). */
  showErrors(errors: FieldError[], heading: string): void;
  clear(): void;
}

/** Field errors out of an ApiError (400 with details), or null when it is another kind of failure. */
export function fieldErrors(err: unknown): FieldError[] | null {
  if (!(err instanceof ApiError) || err.status !== 400 || !Array.isArray(err.details)) return null;
  return (err.details as Partial<FieldError>[]).map((d) => ({ path: String(d.path ?? ''), message: String(d.message ?? '') }));
}

export function errorList(errors: FieldError[], testid: string): HTMLElement {
  return h('ul', { class: 'errors' }, errors.map((e) => h('li', { testid }, h('code', {}, e.path || '(root)'), ` ${e.message}`)));
}

function diffList(lines: DiffLine[], testid: string): HTMLElement {
  return h(
    'ul',
    { class: 'diff', testid },
    lines.map((line) =>
      h(
        'li',
        { class: `diff-${line.kind}`, testid: `${testid}-line`, 'data-kind': line.kind, 'data-path': line.path },
        h('code', {}, line.path),
        line.kind === 'added' ? ` added: ${shortValue(line.after)}` : line.kind === 'removed' ? ` removed (was ${shortValue(line.before)})` : ` ${shortValue(line.before)} → ${shortValue(line.after)}`,
      ),
    ),
  );
}

/**
 * `prefix` names the panel's test ids (`config-save`, `protocol-save`...). `onReload` asks the page to read the
 * document again, dropping the edit (offered when the file changed since the edit began).
 */
export function createConfigChangePanel(api: Api, prefix: string, onSaved: (saved: SavedConfig) => void, onReload: () => void): ConfigChangePanel {
  const root = h('div', { class: 'change-panel', testid: `${prefix}-change`, 'aria-live': 'polite' });
  root.hidden = true;

  function state(value: string): void {
    root.dataset.state = value;
  }

  function clear(): void {
    root.hidden = true;
    state('');
    fill(root);
  }

  function showErrors(errors: FieldError[], heading: string): void {
    root.hidden = false;
    state('invalid');
    fill(root, h('p', { class: 'error' }, heading), errorList(errors, `${prefix}-error`));
  }

  async function save(current: unknown, next: unknown, button: HTMLButtonElement, outcome: HTMLElement): Promise<void> {
    button.disabled = true;
    try {
      // The diff was shown against the document as it was read; if the file changed since (an editor, another
      // admin), saving would silently undo that change, so stop and say what changed instead.
      const elsewhere = configDiff(current, await api.get('config/document'));
      if (elsewhere.length > 0) {
        state('stale');
        fill(
          outcome,
          h('p', { class: 'error', testid: `${prefix}-stale` }, 'Nothing was saved: the configuration changed since you started this edit (a file edit or another admin):'),
          diffList(elsewhere, `${prefix}-elsewhere`),
          h('button', { type: 'button', class: 'secondary', testid: `${prefix}-reload`, onclick: () => {
              clear();
              onReload();
            },
          }, 'Load the current configuration (drops this edit)'),
        );
        return;
      }
      const res = await api.put<{ applied?: boolean; changedKeys?: string[] }>('config', next);
      const changedKeys = res.changedKeys ?? [];
      state('saved');
      fill(
        root,
        h(
          'p',
          { class: 'ok', testid: `${prefix}-saved` },
          changedKeys.length ? `Saved and applied (changed: ${changedKeys.join(', ')}).` : 'Saved: the running configuration already said this.',
        ),
      );
      onSaved({ changedKeys });
    } catch (err) {
      const errors = fieldErrors(err);
      state('rejected');
      fill(
        outcome,
        errors
          ? [h('p', { class: 'error' }, 'The server refused this change; nothing was saved:'), errorList(errors, `${prefix}-error`)]
          : h('p', { class: 'error' }, err instanceof ApiError && err.status === 403 ? 'Only an admin can change the configuration.' : (err as Error).message),
      );
      button.disabled = false;
    }
  }

  function propose(current: unknown, next: unknown, summary?: string): void {
    const lines = configDiff(current, next);
    root.hidden = false;
    if (lines.length === 0) {
      state('unchanged');
      fill(root, h('p', { class: 'muted', testid: `${prefix}-nochange` }, 'This edit changes nothing.'));
      return;
    }
    state('review');
    const outcome = h('div', {});
    const saveButton: HTMLButtonElement = h('button', { type: 'button', testid: `${prefix}-save`, onclick: () => void save(current, next, saveButton, outcome) }, 'Save and apply');
    const cancel = h('button', { type: 'button', class: 'secondary', testid: `${prefix}-cancel`, onclick: clear }, 'Cancel');
    fill(
      root,
      h('p', {}, summary ?? `This edit changes ${lines.length} ${lines.length === 1 ? 'value' : 'values'}:`),
      diffList(lines, `${prefix}-diff`),
      h('div', { class: 'row' }, saveButton, cancel),
      outcome,
    );
  }

  return { root, propose, showErrors, clear };
}
