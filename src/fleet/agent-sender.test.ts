import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { AgentStatus } from '../domain/agent-status.js';
import type { Snapshot } from '../domain/sample.js';
import { silentLogger } from '../lib/logger.js';
import { createAgentSender } from './agent-sender.js';
import { openSpool } from './spool.js';

const snapshot = (time: number): Snapshot => ({
  time,
  totalUsdPerHour: 0,
  host: {
    cpuCount: 1,
    cpuPercent: 1,
    memoryTotalBytes: 1,
    memoryUsedBytes: 1,
    bandwidthCapacityBytesPerSec: 1,
    bandwidthBytesPerSec: 0,
    storageTotalBytes: 1,
    storageUsedBytes: 1,
  },
  protocols: [],
});

it('keeps delivering to a control plane older than the agent, which refuses the spool field', async () => {
  // What a 0.1.0 control plane answers: its batch schema is closed, so `spool` is "not a known field".
  const bodies: { spool?: unknown; snapshots: unknown[] }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text);
      bodies.push(body);
      if ('spool' in body) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'ORCHA_ERR_VALIDATION', details: [{ path: 'body.spool', message: 'is not a known field' }] } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: 'stored', batchId: body.batchId, snapshots: body.snapshots.length }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'orcha-sender-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    for (let i = 0; i < 3; i++) spool.append(snapshot(1000 + i));
    const { port } = server.address() as { port: number };
    const sender = createAgentSender({ server: `http://127.0.0.1:${port}`, key: 'k', agentVersion: '0.2.0', spool, log: silentLogger(), maxBatch: 2 });
    expect(await sender.flush()).toEqual({ sent: 3, failed: false });
    expect(spool.counts()).toMatchObject({ produced: 3, acknowledged: 3, pending: 0, rejected: 0 });
    // Refused once with the field, then every batch goes without it.
    expect(bodies.map((b) => ['spool' in b, b.snapshots.length])).toEqual([
      [true, 2],
      [false, 2],
      [false, 1],
    ]);
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('sends the status summary with each batch, and stops when a control plane older than 0.3.0 refuses the field', async () => {
  const bodies: { status?: AgentStatus; spool?: unknown }[] = [];
  let refuseStatus = false;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text);
      bodies.push(body);
      if (refuseStatus && 'status' in body) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'ORCHA_ERR_VALIDATION', message: 'body.status is not a known field', details: [{ path: 'body.status', message: 'is not a known field' }] } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: 'stored', batchId: body.batchId, snapshots: body.snapshots.length }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'orcha-sender-'));
  const spool = openSpool(join(dir, 'spool.db'));
  let polls = 0;
  try {
    const { port } = server.address() as { port: number };
    const status = async () => ({ ...summary, coordinator: { ...summary.coordinator, polls: ++polls } });
    const sender = createAgentSender({ server: `http://127.0.0.1:${port}`, key: 'k', agentVersion: '0.3.0', spool, log: silentLogger(), maxBatch: 2, status });
    for (let i = 0; i < 3; i++) spool.append(snapshot(1000 + i));
    expect(await sender.flush()).toEqual({ sent: 3, failed: false });
    // Each batch carries the summary as it is when the batch leaves, beside the spool report.
    expect(bodies.map((b) => [b.status?.coordinator.polls, 'spool' in b])).toEqual([
      [1, true],
      [2, true],
    ]);

    refuseStatus = true;
    bodies.length = 0;
    for (let i = 0; i < 3; i++) spool.append(snapshot(2000 + i));
    expect(await sender.flush()).toEqual({ sent: 3, failed: false });
    expect(spool.counts()).toMatchObject({ acknowledged: 6, pending: 0, rejected: 0 });
    // Refused once with it, then the batches go without it (and still with the spool report).
    expect(bodies.map((b) => ['status' in b, 'spool' in b])).toEqual([
      [true, true],
      [false, true],
      [false, true],
    ]);
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const summary: AgentStatus = {
  version: '0.3.0',
  startedAt: 0,
  uptimeSeconds: 1,
  mode: 'advisory',
  strategy: 'control-plane',
  lastPlanAt: null,
  coordinator: { running: true, lastPollAt: null, polls: 0, adapters: [] },
  queue: { pending: 0, processing: 0, capacity: 1, byPriority: {} },
};
