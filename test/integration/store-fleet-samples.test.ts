/** A remote host's samples are stored once per figure (no column duplicated in the JSON) and read back whole. */
import { expect, it } from 'vitest';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');

describeEachStore('fleet samples as stored', (factory) => {
  const store = useStore(factory);

  it('reads back every field of every sample, with the column figures kept out of the JSON', async () => {
    const repo = store().fleet;
    await repo.createHost({ id: 'h-1', name: 'rack-1', keyPrefix: 'p1', keyHash: 'x', createdAt: T0, createdBy: null, revokedAt: null, lastSeenAt: null, agentVersion: null, spool: null });
    const samples = [
      protocolSample('storj', T0, { usdPerHour: 0.123456789012345, earnedUsd: 1e-9, earnedTokens: 0.3 }),
      // A sample read a moment before the snapshot closed, disconnected, with its payout and error.
      protocolSample('golem', T0 - 1234, { connected: false, error: 'timeout', payoutEvent: true, payout: { tokens: 5, usd: 1.25 }, cpuPercent: null, earnedUsd: 0 }),
    ];
    const snap = snapshot(T0, samples);
    expect(await repo.ingestBatch('h-1', 'b-1', [snap], T0)).toBe('stored');

    expect(await repo.latest('h-1')).toEqual({ ...snap, protocols: [...samples].sort((a, b) => a.protocol.localeCompare(b.protocol)) });
    const points = await repo.protocolHistory('h-1', { from: T0, to: T0 });
    expect(points.map((p) => [p.protocol, p.usdPerHour, p.earnedUsd, p.connected])).toEqual([
      ['golem', samples[1]!.usdPerHour, 0, 0],
      ['storj', 0.123456789012345, 1e-9, 1],
    ]);

    const rows = await rawQuery(store(), 'select protocol, sample_json from host_protocol_samples order by protocol');
    const stored = rows.map((r) => JSON.parse(String(r.sample_json)) as Record<string, unknown>);
    for (const json of stored) {
      for (const k of ['protocol', 'connected', 'usdPerHour', 'earnedUsd', 'earnedTokens']) expect(json).not.toHaveProperty(k);
    }
    // The time stays in the JSON only where it is not the snapshot's.
    expect(stored.map((j) => j.time)).toEqual([T0 - 1234, undefined]);
  });

  it('still reads rows written with the whole sample in the JSON', async () => {
    const repo = store().fleet;
    await repo.createHost({ id: 'h-2', name: 'old', keyPrefix: 'p2', keyHash: 'x', createdAt: T0, createdBy: null, revokedAt: null, lastSeenAt: null, agentVersion: null, spool: null });
    const sample = protocolSample('storj', T0, { usdPerHour: 0.5 });
    const snap = snapshot(T0, [sample]);
    await repo.ingestBatch('h-2', 'b-2', [snap], T0);
    const whole = JSON.stringify(sample).replaceAll("'", "''");
    await rawQuery(store(), `update host_protocol_samples set sample_json = '${whole}' where host_id = 'h-2'`);
    expect((await repo.latest('h-2'))?.protocols).toEqual([sample]);
  });
});
