import { accessSync, constants, statSync } from 'node:fs';
import type { FieldError } from '../lib/errors.js';
import { isOrchaError } from '../lib/errors.js';
import type { Config, SecretRef } from './schema.js';

/** Largest secret file read (a token or password, not a document). */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Every secret reference in a config, with its field path. */
function secretRefs(config: Config): { path: string; ref: SecretRef }[] {
  const refs: { path: string; ref: SecretRef }[] = [];
  if (config.auth.jwtSecret !== undefined) refs.push({ path: 'auth.jwtSecret', ref: config.auth.jwtSecret });
  config.protocols.forEach((p, i) => {
    if (p.credentials?.token !== undefined) refs.push({ path: `protocols[${i}].credentials.token`, ref: p.credentials.token });
    if (p.credentials?.password !== undefined) refs.push({ path: `protocols[${i}].credentials.password`, ref: p.credentials.password });
  });
  return refs;
}

/**
 * Check that every secret reference resolves, without reading any secret into the result: `{env}` names a set
 * variable, `{file}` stays inside the config directory and names a readable, non-empty, small file.
 * `resolveInside` is passed in (it lives with the loader) to keep this module free of a cycle.
 */
export function secretReferenceErrors(
  config: Config,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  resolveInside: (baseDir: string, p: string) => string,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const { path, ref } of secretRefs(config)) {
    if (typeof ref === 'string') continue;
    if ('env' in ref) {
      if (!env[ref.env]) errors.push({ path: `${path}.env`, message: `environment variable ${ref.env} is not set` });
      continue;
    }
    let full: string;
    try {
      full = resolveInside(baseDir, ref.file);
    } catch (err) {
      if (!isOrchaError(err)) throw err;
      errors.push({ path: `${path}.file`, message: 'must stay inside the config directory' });
      continue;
    }
    try {
      accessSync(full, constants.R_OK);
      const st = statSync(full);
      if (!st.isFile()) errors.push({ path: `${path}.file`, message: `${ref.file} is not a file` });
      else if (st.size === 0) errors.push({ path: `${path}.file`, message: `${ref.file} is empty` });
      else if (st.size > MAX_SECRET_FILE_BYTES) errors.push({ path: `${path}.file`, message: `${ref.file} is larger than ${MAX_SECRET_FILE_BYTES} bytes` });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      errors.push({ path: `${path}.file`, message: `${ref.file} cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})` });
    }
  }
  return errors;
}
