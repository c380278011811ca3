import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runSimulateCommand } from './simulate.command.js';

describe('orcha simulate', () => {
  it('starts the simulators, prints protocol configs pointing at them, and closes them', async () => {
    let out = '';
    const handle = await runSimulateCommand({
      seed: 5,
      types: ['storj', 'grass'],
      out: (t) => {
        out += t;
      },
    });
    const printed = parse(out) as { protocols: { name: string; endpoint: string; executor: { type: string } }[] };
    expect(printed.protocols.map((p) => p.name)).toEqual(['storj', 'grass']);
    expect(printed.protocols.every((p) => p.executor.type === 'simulator')).toBe(true);
    const res = await fetch(`${printed.protocols[0]!.endpoint}/api/sno/`);
    expect(res.status).toBe(200);
    await handle.close();
    await expect(fetch(`${printed.protocols[0]!.endpoint}/api/sno/`)).rejects.toThrow();
  });
});
