import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MarketModule } from '../../src/sim/market-module.js';
import { REPO_ROOT } from './results.js';

/**
 * Loads a market module (docs/markets.md) from a path, relative to the repository or absolute: its `market` export
 * or its default export. Says what is missing when the module does not implement the interface.
 */
export async function loadMarket(path: string): Promise<MarketModule> {
  const file = isAbsolute(path) ? path : resolve(REPO_ROOT, path);
  const mod = (await import(pathToFileURL(file).href)) as { market?: unknown; default?: unknown };
  const m = (mod.market ?? mod.default) as Partial<MarketModule> | undefined;
  const missing = [
    typeof m?.name === 'string' && /^[A-Za-z0-9-]{1,40}$/.test(m.name) ? null : 'name (1-40 letters, digits or dashes)',
    typeof m?.description === 'string' ? null : 'description',
    Array.isArray(m?.protocols) && m.protocols.length > 0 ? null : 'protocols (a non-empty list of {name, type})',
    typeof m?.create === 'function' ? null : 'create(options)',
  ].filter((x): x is string => x !== null);
  if (missing.length > 0) throw new Error(`${path}: not a market module (export \`market\` or default); missing or invalid: ${missing.join(', ')}`);
  return m as MarketModule;
}
