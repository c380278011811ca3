/**
 * The work of `orcha migrate` and `orcha simulate`, kept apart from their registration so that the database and
 * simulator modules load only when one of these commands runs.
 */
import { join, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig } from '../config/load.js';
import { PROTOCOL_TYPES, type ProtocolType } from '../domain/resources.js';
import { systemClock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import { startSimulators } from '../sim/index.js';
import { createStore } from '../store/index.js';

/** `orcha migrate`: apply pending migrations to the configured database (they also run at start-up). */
export async function migrate(opts: { config?: string; json?: boolean }): Promise<void> {
  const loaded = loadConfig(opts.config);
  const { config } = loaded;
  const dataDir = resolve(loaded.baseDir, config.dataDir);
  const store = await createStore({
    url: config.storage.url,
    sqlitePath: config.storage.sqlitePath ? resolve(loaded.baseDir, config.storage.sqlitePath) : join(dataDir, 'orcha.db'),
    migrate: false,
  });
  const bar = !opts.json && process.stdout.isTTY ? new SingleBar({ format: 'migrate [{bar}] {value}/{total}' }, Presets.shades_classic) : null;
  try {
    bar?.start(1, 0);
    const applied = await store.migrate();
    bar?.update(1);
    bar?.stop();
    if (opts.json) console.log(JSON.stringify({ dialect: store.dialect, applied }));
    else console.log(applied.length ? `${store.dialect}: applied ${applied.join(', ')}` : `${store.dialect}: up to date`);
  } finally {
    bar?.stop();
    await store.close();
  }
}

/** `orcha simulate`: run the node simulators alone (to point a config or another tool at them). */
export async function simulate(opts: { seed: string; types?: string; json?: boolean }): Promise<void> {
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) throw new OrchaError('ORCHA_ERR_VALIDATION', '--seed must be an integer', [{ path: '--seed', message: 'must be an integer' }]);
  const types = opts.types ? opts.types.split(',').map((t) => t.trim()) : [...PROTOCOL_TYPES];
  const unknown = types.filter((t) => !(PROTOCOL_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new OrchaError('ORCHA_ERR_VALIDATION', `unknown protocol type: ${unknown.join(', ')}`, [
      { path: '--types', message: `must be among ${PROTOCOL_TYPES.join(', ')}` },
    ]);
  }
  const sims = await startSimulators({ seed, clock: systemClock, types: types as ProtocolType[] });
  if (opts.json) console.log(JSON.stringify({ protocols: sims.protocols }));
  else {
    console.log('Simulators running (Ctrl-C to stop). Use these in orcha.yaml under protocols:');
    for (const p of sims.protocols) console.log(`  - ${p.name} (${p.type}): ${p.endpoint}`);
  }
  await new Promise<void>((done) => {
    const stop = () => void sims.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
