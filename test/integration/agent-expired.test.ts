/**
 * An agent that was offline longer than the control plane's raw window replays its spool: the snapshots older than
 * the host's retention horizon (hours the control plane already rolled up) come back as `expired`; the agent drops
 * them from its spool, counts them, and every newer snapshot of the same batch is stored once.
 * The control plane's side is the real fleet service on a real store, behind a minimal stand-in of its ingest route.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createAgentSender } from '../../src/fleet/agent-sender.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { openSpool } from '../../src/fleet/spool.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const snaps = (from: number, n: number) => Array.from({ length: n }, (_, i) => snapshot(from + i * 60_000, [protocolSample('storj', from + i * 60_000, { earnedUsd: 0.01 })]));

describeEachStore('agent replaying from beyond the retention horizon', (factory) => {
  const store = useStore(factory);

  it('drops the expired snapshots of a batch from its spool, counted, and delivers the rest once', async () => {
    const clock = new VirtualClock(T0 + 5 * DAY);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    const { key } = await fleet.addHost('edge', null);
    const host = (await fleet.authenticateAgent(key))!;
    // The control plane has the host's first hour, rolled up (rawDays 2) before the agent went silent.
    await fleet.ingest(host, { batchId: 'early', agentVersion: '0.2.0', snapshots: snaps(T0, 10) });
    const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
    await createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config }).run();

    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (d) => {
        text += d;
      });
      req.on('end', async () => {
        const body = JSON.parse(text);
        const answer = await fleet.ingest(host, body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...answer, batchId: body.batchId }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const dir = mkdtempSync(join(tmpdir(), 'orcha-expired-'));
    const spool = openSpool(join(dir, 'spool.db'));
    try {
      // Its spool: the tail of that first hour (never acknowledged), then two hours later, then today.
      for (const s of [...snaps(T0 + 10 * 60_000, 5), ...snaps(T0 + 2 * HOUR, 5), ...snaps(clock.now() - 5 * 60_000, 5)]) spool.append(s);
      const { port } = server.address() as { port: number };
      const sender = createAgentSender({ server: `http://127.0.0.1:${port}`, key, agentVersion: '0.2.0', spool, log: silentLogger(), maxBatch: 8 });
      expect(await sender.flush()).toEqual({ sent: 15, failed: false });
      expect(spool.counts()).toEqual({ produced: 15, acknowledged: 15, pending: 0, rejected: 0, expired: 5 });
      // Stored: the 10 newer snapshots as raw rows; the first hour still counts its 10 rolled-up samples, once.
      expect(await store().fleet.totals(host.id)).toEqual({ snapshots: 10, protocolSamples: 10 });
      const hour0 = await fleet.fullHistory(host, { from: T0, to: T0 + HOUR - 1, stepMs: HOUR });
      expect(hour0.protocols.map((p) => [p.samples, p.earnedUsd.toFixed(2)])).toEqual([[10, '0.10']]);
    } finally {
      spool.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
