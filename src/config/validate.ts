import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { overCapacity, shareTotals } from '../domain/capacity.js';
import { RESOURCES, type ResourceShares } from '../domain/resources.js';
import type { FieldError } from '../lib/errors.js';
import './formats.js';
import { energyConfigErrors } from '../energy/validate.js';
import { type Config, ConfigSchema } from './schema.js';

/** `/protocols/1/endpoint` -> `protocols[1].endpoint` */
export function pointerToPath(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || '(root)';
}

/** All schema errors of a value, one per path (the first, most specific message), with readable paths. */
export function schemaErrors(schema: TSchema, value: unknown, prefix = ''): FieldError[] {
  const seen = new Map<string, FieldError>();
  for (const e of Value.Errors(schema, value)) {
    const base = pointerToPath(e.path);
    const path = prefix ? (base === '(root)' ? prefix : `${prefix}.${base}`) : base;
    if (seen.has(path)) continue;
    let message = e.message;
    if (message === 'Expected required property') message = 'is required';
    else if (message.startsWith('Unexpected property')) message = 'is not a known key';
    else if ((e.schema as { format?: string }).format === 'uri') message = 'must be an http(s) URL';
    else if (message === 'Expected union value') {
      const options = ((e.schema as { anyOf?: { const?: unknown }[] }).anyOf ?? []).map((s) => s.const);
      if (options.length > 0 && options.every((o) => o !== undefined)) message = `must be one of: ${options.join(', ')}`;
    }
    seen.set(path, { path, message });
  }
  // A parent reported alongside its children adds nothing.
  const all = [...seen.values()];
  return all.filter(
    (e) => !all.some((o) => o !== e && (o.path.startsWith(`${e.path}.`) || o.path.startsWith(`${e.path}[`))),
  );
}

/** Rules the schema cannot express. */
export function semanticErrors(config: Config): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Map<string, number>();
  config.protocols.forEach((p, i) => {
    if (names.has(p.name)) errors.push({ path: `protocols[${i}].name`, message: `duplicates protocols[${names.get(p.name)}].name "${p.name}"` });
    else names.set(p.name, i);
    for (const r of ['cpu', 'memory', 'bandwidth', 'storage'] as const) {
      const lim = p.limits[r];
      if (lim.min > lim.max) errors.push({ path: `protocols[${i}].limits.${r}`, message: `min (${lim.min}) is above max (${lim.max})` });
    }
    if (p.type === 'http-json' && !p.mapping) errors.push({ path: `protocols[${i}].mapping`, message: 'is required for type http-json' });
    if (p.executor.type === 'docker' && !p.executor.container)
      errors.push({ path: `protocols[${i}].executor.container`, message: 'is required for the docker executor' });
    if (p.executor.type === 'storj-config' && !p.executor.configPath)
      errors.push({ path: `protocols[${i}].executor.configPath`, message: 'is required for the storj-config executor' });
    if (p.executor.configPath && (p.executor.configPath.includes('..') || p.executor.configPath.startsWith('/')))
      errors.push({ path: `protocols[${i}].executor.configPath`, message: 'must stay inside the config directory' });
  });
  const minShares = (limits: Config['protocols'][number]['limits']): ResourceShares =>
    Object.fromEntries(RESOURCES.map((r) => [r, limits[r].min])) as ResourceShares;
  const minimums = shareTotals(config.protocols.filter((p) => p.enabled).map((p) => minShares(p.limits)));
  for (const { resource, total } of overCapacity(minimums, config.host.reserve)) {
    errors.push({ path: `host.reserve.${resource}`, message: `reserve plus protocol minimums is ${total} %, above 100 %` });
  }
  config.policies.forEach((pol, i) => {
    pol.rules.forEach((rule, j) => {
      if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
        errors.push({ path: `policies[${i}].rules[${j}]`, message: `min (${rule.min}) is above max (${rule.max})` });
    });
  });
  if (config.storage.url && !/^postgres(ql)?:\/\//.test(config.storage.url))
    errors.push({ path: 'storage.url', message: 'must be a postgres:// or postgresql:// URL' });
  if (config.redis.url && !/^rediss?:\/\//.test(config.redis.url))
    errors.push({ path: 'redis.url', message: 'must be a redis:// or rediss:// URL' });
  if ((config.cache.store === 'redis' || config.rateLimit.store === 'redis') && !config.redis.url)
    errors.push({ path: 'redis.url', message: 'is required when cache.store or rateLimit.store is redis' });
  errors.push(...energyConfigErrors(config));
  return errors;
}

/**
 * A top-level key whose every child is commented out (`metrics:` then `#  auth: ...`) reads as null in YAML; an
 * operator means "the defaults", so such a section is dropped before defaults apply.
 */
function withoutEmptySections(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = { ...(value as Record<string, unknown>) };
  for (const [key, child] of Object.entries(out)) if (child === null && key in ConfigSchema.properties) delete out[key];
  return out;
}

export type ValidationResult = { ok: true; config: Config } | { ok: false; errors: FieldError[] };

/** Apply defaults, then check schema and semantic rules; returns every error at once. */
export function validateConfig(raw: unknown): ValidationResult {
  const input = raw === null || raw === undefined ? {} : raw;
  const withDefaults = Value.Default(ConfigSchema, withoutEmptySections(Value.Clone(input)));
  const errors = schemaErrors(ConfigSchema, withDefaults);
  let semantic: FieldError[] = [];
  try {
    semantic = semanticErrors(withDefaults as Config);
  } catch {
    // the value is too malformed for the semantic rules; the schema errors already say why
  }
  for (const e of semantic) if (!errors.some((x) => x.path === e.path)) errors.push(e);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: withDefaults as Config };
}
