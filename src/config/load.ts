import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type FieldError, OrchaError } from '../lib/errors.js';
import { applyEnvOverrides } from './env.js';
import type { Config, SecretRef } from './schema.js';
import { secretReferenceErrors } from './secrets.js';
import { validateConfig } from './validate.js';

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null when running on defaults + environment. */
  path: string | null;
  /** Directory that relative paths in the config are resolved against. */
  baseDir: string;
}

export const DEFAULT_CONFIG_FILE = 'orcha.yaml';

/** Which file to read: explicit argument, ORCHA_CONFIG, or ./orcha.yaml when it exists. */
export function configPathFrom(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (explicit) return resolve(explicit);
  if (env.ORCHA_CONFIG) return resolve(env.ORCHA_CONFIG);
  const local = resolve(DEFAULT_CONFIG_FILE);
  return existsSync(local) ? local : null;
}

/** Parse YAML text; syntax errors become field errors with line numbers. */
export function parseYaml(text: string): { value: unknown; errors: FieldError[] } {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      value: undefined,
      errors: doc.errors.map((e) => ({
        path: `(line ${text.slice(0, e.pos[0]).split('\n').length})`,
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const value = doc.toJS();
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    return { value: undefined, errors: [{ path: '(root)', message: 'must be a mapping of keys' }] };
  }
  return { value: value ?? {}, errors: [] };
}

/**
 * Validate a raw object (file contents) with env overrides applied: schema, bounds, rules across keys, and every
 * secret reference resolved against `baseDir` and `env`. Throws ORCHA_ERR_CONFIG_INVALID with every error. The one
 * check behind `orcha config validate`, `orcha serve`, `PUT config`, `POST config/reload` and file edits.
 */
export function buildConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, baseDir: string = process.cwd()): Config {
  const { config: merged, unknown } = applyEnvOverrides((raw ?? {}) as Record<string, unknown>, env);
  const result = validateConfig(merged);
  const errors: FieldError[] = unknown.map((name) => ({ path: `env.${name}`, message: 'is not a known configuration key' }));
  if (!result.ok) errors.push(...result.errors);
  else errors.push(...secretReferenceErrors(result.config, baseDir, env, resolveInside));
  if (errors.length > 0 || !result.ok) throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', 'Configuration is invalid', errors);
  return result.config;
}

export function loadConfigText(text: string, env: NodeJS.ProcessEnv = process.env, baseDir: string = process.cwd()): Config {
  const parsed = parseYaml(text);
  if (parsed.errors.length > 0) throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', 'Configuration is not valid YAML', parsed.errors);
  return buildConfig(parsed.value, env, baseDir);
}

/** Load the config from a file (or defaults) plus the environment. Throws ORCHA_ERR_CONFIG_INVALID listing every error. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = configPathFrom(file, env);
  if (path && !existsSync(path)) {
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `Config file not found: ${path}`, [{ path: '(file)', message: `${path} does not exist` }]);
  }
  const text = path ? readFileSync(path, 'utf8') : '';
  const baseDir = path ? dirname(path) : process.cwd();
  const config = loadConfigText(text, env, baseDir);
  return { config, path, baseDir };
}

/** Resolve a path from the config so that it cannot leave `baseDir`. */
export function resolveInside(baseDir: string, p: string): string {
  const full = resolve(baseDir, p);
  const rel = relative(resolve(baseDir), full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new OrchaError('ORCHA_ERR_VALIDATION', `Path leaves the config directory: ${p}`, [{ path: p, message: 'must stay inside the config directory' }]);
  }
  return full;
}

/** Read a secret reference. Returns undefined when the reference is absent. */
export function resolveSecret(ref: SecretRef | undefined, baseDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined) throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `Environment variable ${ref.env} is not set`, [{ path: 'secret', message: `env ${ref.env} is not set` }]);
    return v;
  }
  return readFileSync(resolveInside(baseDir, ref.file), 'utf8').trim();
}

/** Human-readable, one error per line, for the CLI and start-up failures. */
export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `  ${e.path}: ${e.message}`).join('\n');
}
