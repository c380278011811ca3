import { stringify } from 'yaml';
import { PROTOCOL_TYPES, type ProtocolType } from '../domain/resources.js';
import { systemClock } from '../lib/clock.js';
import { type SimulatorsHandle, startSimulators } from './index.js';

export interface SimulateCommandOptions {
  seed?: number;
  types?: string[];
  fresh?: boolean;
  /** Where the protocol configs are written (default stdout). */
  out?: (text: string) => void;
  /** Stops the simulators when aborted (the CLI passes its SIGINT/SIGTERM signal). */
  signal?: AbortSignal;
}

/**
 * `orcha simulate`: run the node simulators in real time and print the `protocols:` block that points orcha at them.
 * Resolves once the signal aborts and the simulators are closed.
 */
export async function runSimulateCommand(opts: SimulateCommandOptions = {}): Promise<SimulatorsHandle> {
  const types = (opts.types?.length ? opts.types : [...PROTOCOL_TYPES]).filter((t): t is ProtocolType => (PROTOCOL_TYPES as readonly string[]).includes(t));
  const handle = await startSimulators({ seed: opts.seed ?? 42, clock: systemClock, types, fresh: opts.fresh });
  const out = opts.out ?? ((t: string) => process.stdout.write(t));
  out(`# ${handle.sims.size} node simulators running (seed ${opts.seed ?? 42}). Add this to orcha.yaml:\n`);
  out(stringify({ protocols: handle.protocols }));
  if (opts.signal) {
    await new Promise<void>((resolve) => {
      if (opts.signal!.aborted) return resolve();
      opts.signal!.addEventListener('abort', () => resolve(), { once: true });
    });
    await handle.close();
  }
  return handle;
}
