import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { buildConfig, parseYaml } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { type FieldError, OrchaError, isOrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { redactConfig, restoreRedacted } from '../config/redact.js';

/**
 * Holds the running configuration. A file edit, `PUT config` and `POST config/reload` all go through `apply`:
 * validate everything first, then swap the whole object at once and announce it; an invalid change keeps the
 * running config and emits `invalid` with the field errors: the one signal behind the `config_invalid` alert (the
 * application layer raises it), whichever way the change came.
 */
export type ConfigSource = 'file' | 'api' | 'reload';

export interface ConfigChange {
  config: Config;
  previous: Config;
  source: ConfigSource;
  /** Top-level keys whose value changed. */
  changedKeys: string[];
}

export interface ConfigInvalid {
  source: ConfigSource;
  errors: FieldError[];
}

export type ValidateResult = { valid: true; errors: [] } | { valid: false; errors: FieldError[] };

export interface ConfigService {
  /** The running config, secrets included (for the process, never for clients). */
  current(): Config;
  /** The running config with secrets replaced by "[redacted]". */
  get(): Config;
  /** The file this config comes from (null: defaults + environment only). */
  readonly path: string | null;
  validate(raw: unknown): ValidateResult;
  /** Validate, write the file atomically (when there is one), apply. Throws ORCHA_ERR_CONFIG_INVALID. */
  put(raw: unknown): Promise<ConfigChange>;
  /**
   * Edit the raw document (the file's content, without defaults or environment overrides) and `put` the result,
   * so that a change made through the API never writes defaults or ORCHA_* values into the file.
   */
  update(edit: (raw: Record<string, unknown>) => unknown): Promise<ConfigChange>;
  /** A copy of the raw document behind the running config. */
  raw(): Record<string, unknown>;
  /** Read the file again and apply it. Throws ORCHA_ERR_CONFIG_INVALID (running config kept). */
  reload(): Promise<ConfigChange>;
  /** Start watching the file (no-op without a file). */
  watch(): void;
  close(): void;
  on(event: 'change', listener: (change: ConfigChange) => void): () => void;
  on(event: 'invalid', listener: (invalid: ConfigInvalid) => void): () => void;
}

export interface ConfigServiceOptions {
  initial: Config;
  path: string | null;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Quiet period after the last file event before reading it (editors write in several steps). */
  debounceMs?: number;
  /** Where relative secret files resolve; default the config file's directory (as `loadConfig` does). */
  baseDir?: string;
}

/** JSON with object keys sorted: two configs that differ only in key order are the same config. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function createConfigService(options: ConfigServiceOptions): ConfigService {
  const log = options.log.child({ module: 'config' });
  const env = options.env ?? process.env;
  const path = options.path;
  const debounceMs = options.debounceMs ?? 200;
  const baseDir = options.baseDir ?? (path ? dirname(path) : process.cwd());
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let running = options.initial;
  /** The raw (file) document behind `running`, to restore redacted secrets on PUT. */
  let runningRaw: unknown = {};
  let lastAppliedHash: string | null = null;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** Serializes applies so that a file event and an API call never interleave. */
  let chain: Promise<unknown> = Promise.resolve();

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  }

  function check(raw: unknown): { ok: true; config: Config } | { ok: false; errors: FieldError[] } {
    try {
      return { ok: true, config: buildConfig(raw, env, baseDir) };
    } catch (err) {
      if (isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID')) return { ok: false, errors: (err.details as FieldError[]) ?? [] };
      return { ok: false, errors: [{ path: '(root)', message: err instanceof Error ? err.message : String(err) }] };
    }
  }

  function reject(source: ConfigSource, errors: FieldError[]): never {
    const invalid: ConfigInvalid = { source, errors };
    log.warn({ source, errors }, 'configuration change rejected; the running configuration stays');
    events.emit('invalid', invalid);
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', 'Configuration is invalid', errors);
  }

  function apply(config: Config, raw: unknown, source: ConfigSource): ConfigChange {
    const previous = running;
    const changedKeys = Object.keys(config).filter(
      (k) => stableJson(config[k as keyof Config]) !== stableJson(previous[k as keyof Config]),
    );
    running = config;
    runningRaw = raw;
    const change: ConfigChange = { config, previous, source, changedKeys };
    if (changedKeys.length > 0) log.info({ source, changedKeys }, 'configuration applied');
    events.emit('change', change);
    return change;
  }

  async function readAndApply(source: ConfigSource, force: boolean): Promise<ConfigChange | null> {
    if (!path) throw new OrchaError('ORCHA_ERR_CONFLICT', 'There is no configuration file to reload');
    const text = await readFile(path, 'utf8');
    // An editor or `>` that truncates before writing shows an empty file for a moment: that is a write in progress,
    // not "no protocols"; the event of the finished write follows.
    if (source === 'file' && text.trim() === '') {
      log.info('the configuration file is empty (being written?); the running configuration stays');
      return null;
    }
    const h = hash(text);
    if (!force && h === lastAppliedHash) return null;
    const parsed = parseYaml(text);
    if (parsed.errors.length > 0) reject(source, parsed.errors);
    const result = check(parsed.value);
    if (!result.ok) {
      lastAppliedHash = h; // do not report the same broken content twice
      reject(source, result.errors);
    }
    lastAppliedHash = h;
    return apply(result.config, parsed.value, source);
  }

  /** Temporary file beside the target, flushed to disk, then renamed over it: a reader sees the old or the new file. */
  async function writeAtomically(file: string, text: string): Promise<void> {
    const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  function onFileEvent(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      serial(() => readAndApply('file', false)).catch((err) => {
        if (!isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID')) log.warn({ err }, 'could not read the configuration file');
      });
    }, debounceMs);
  }

  // Remember what the file held at start so that the first event does not re-apply identical content.
  if (path) {
    try {
      const text = readFileSync(path, 'utf8');
      lastAppliedHash = hash(text);
      const parsed = parseYaml(text);
      if (parsed.errors.length === 0) runningRaw = parsed.value;
    } catch {
      // no file yet: the first write creates it
    }
  }

  function put(raw: unknown): Promise<ConfigChange> {
    return serial(async () => {
      const restored = restoreRedacted(raw, runningRaw);
      const result = check(restored);
      if (!result.ok) reject('api', result.errors);
      if (path) {
        const text = stringify(restored);
        await writeAtomically(path, text);
        lastAppliedHash = hash(text);
      }
      return apply(result.config, restored, 'api');
    });
  }

  return {
    path,
    current: () => running,
    get: () => redactConfig(running),

    validate(raw) {
      const result = check(raw);
      return result.ok ? { valid: true, errors: [] } : { valid: false, errors: result.errors };
    },

    put,

    update(edit) {
      return put(edit(structuredClone((runningRaw ?? {}) as Record<string, unknown>)));
    },

    raw: () => structuredClone((runningRaw ?? {}) as Record<string, unknown>),

    reload() {
      return serial(async () => (await readAndApply('reload', true)) as ConfigChange);
    },

    watch() {
      if (!path || watcher) return;
      // Watch the directory, not the file: editors and atomic writers replace the file by rename.
      const name = basename(path);
      watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
        if (!filename || filename.toString() === name) onFileEvent();
      });
      watcher.on('error', (err) => log.warn({ err }, 'config watcher error'));
    },

    close() {
      watcher?.close();
      watcher = null;
      if (timer) clearTimeout(timer);
      timer = null;
      events.removeAllListeners();
    },

    // biome-ignore lint/suspicious/noExplicitAny: one implementation for both typed overloads
    on(event: 'change' | 'invalid', listener: (arg: any) => void) {
      events.on(event, listener);
      return () => events.off(event, listener);
    },
  };
}
