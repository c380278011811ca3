/** A remote host's samples are stored once per figure (no column duplicated in the JSON) and read back whole, old rows too. */
import { expect, it } from 'vitest';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;

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
      const columns = ['protocol', 'connected', 'usdPerHour', 'earnedUsd', 'earnedTokens', 'uptime', 'storageBytes', 'allocation', 'cpuPercent', 'memoryBytes', 'bandwidthBytesPerSec'];
      for (const k of columns) expect(json).not.toHaveProperty(k);
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
    // A row as written before migration 016: every figure in the JSON, none in the figure columns.
    const figures = ['uptime', 'storage_bytes', 'alloc_cpu', 'alloc_memory', 'alloc_bandwidth', 'alloc_storage', 'cpu_percent', 'memory_bytes', 'bandwidth_bps'];
    await rawQuery(store(), `update host_protocol_samples set sample_json = '${whole}', ${figures.map((c) => `${c} = null`).join(', ')} where host_id = 'h-2'`);
    expect((await repo.latest('h-2'))?.protocols).toEqual([sample]);
    // Averaged in the database, its figures come from the JSON too.
    const [point] = await repo.protocolHistory('h-2', { from: T0, to: T0, stepMs: HOUR });
    expect(point).toMatchObject({ uptime: sample.uptime, storageBytes: sample.storageBytes, allocCpu: sample.allocation.cpu, allocStorage: sample.allocation.storage });
    expect(point).toMatchObject({ cpuPercent: sample.cpuPercent, memoryBytes: sample.memoryBytes, bandwidthBytesPerSec: sample.bandwidthBytesPerSec });
    // And its hour rolls up with them.
    expect((await store().fleetRollups.rollupAndDeleteRawBefore(T0 + 2 * HOUR)).rawDeleted).toBe(2);
    const [hour] = await store().fleetRollups.protocolHours('h-2', { from: T0 - HOUR, to: T0 + HOUR });
    expect(hour).toMatchObject({ uptime: sample.uptime, storageBytes: sample.storageBytes, allocMemory: sample.allocation.memory, cpuPercent: sample.cpuPercent });
  });

  it('averages samples per bucket in the database as the raw samples would: earnings summed, measured figures over the samples that measured them', async () => {
    const repo = store().fleet;
    await repo.createHost({ id: 'h-3', name: 'rack-3', keyPrefix: 'p3', keyHash: 'x', createdAt: T0, createdBy: null, revokedAt: null, lastSeenAt: null, agentVersion: null, spool: null });
    const snaps = Array.from({ length: 40 }, (_, i) => {
      const t = T0 + i * 90_000; // an hour in 40 polls
      return snapshot(t, [
        protocolSample('storj', t, { usdPerHour: 0.1 + i * 0.01, earnedUsd: 0.001 * (i % 4), earnedTokens: 0.01 * i, connected: i % 5 !== 0, uptime: 0.9 + (i % 3) * 0.01 }),
        protocolSample('golem', t, {
          cpuPercent: i % 3 === 0 ? null : 10 + i,
          memoryBytes: i % 3 === 0 ? null : 1e6 * i,
          bandwidthBytesPerSec: null,
          allocation: { cpu: i, memory: 2 * i, bandwidth: 50, storage: 10 },
          storageBytes: 1e9 + i,
        }),
      ]);
    });
    await repo.ingestBatch('h-3', 'b-3', snaps, T0);
    const range = { from: T0, to: T0 + HOUR - 1 };
    const raw = await repo.protocolHistory('h-3', range);
    for (const step of [10 * 60_000, HOUR]) {
      const buckets = await repo.protocolHistory('h-3', { ...range, stepMs: step });
      expect(buckets).toHaveLength(2 * (HOUR / step));
      for (const b of buckets) {
        const inside = raw.filter((p) => p.protocol === b.protocol && Math.floor(p.time / step) * step === b.time);
        const avg = (f: (p: (typeof raw)[number]) => number | null) => {
          const v = inside.map(f).filter((x): x is number => x !== null);
          return v.length ? v.reduce((a, x) => a + x, 0) / v.length : null;
        };
        const sum = (f: (p: (typeof raw)[number]) => number) => inside.reduce((a, p) => a + f(p), 0);
        expect(b.samples).toBe(inside.length);
        expect(b.earnedUsd).toBeCloseTo(sum((p) => p.earnedUsd), 12);
        expect(b.earnedTokens).toBeCloseTo(sum((p) => p.earnedTokens), 12);
        for (const k of ['usdPerHour', 'connected', 'uptime', 'storageBytes', 'allocCpu', 'allocMemory', 'allocBandwidth', 'allocStorage'] as const) {
          expect(b[k], `${b.protocol} ${k}`).toBeCloseTo(avg((p) => p[k])!, 6);
        }
        for (const k of ['cpuPercent', 'memoryBytes', 'bandwidthBytesPerSec'] as const) {
          const expected = avg((p) => p[k]);
          if (expected === null) expect(b[k], `${b.protocol} ${k}`).toBeNull();
          else expect(b[k], `${b.protocol} ${k}`).toBeCloseTo(expected, 6);
        }
      }
    }
  });
});
