import { describe, expect, it } from 'vitest';
import type { NodeHealth } from '../../domain/health.js';
import type { ProtocolSample, Snapshot } from '../../domain/sample.js';
import { nodeHealthConditions } from './node-health-rules.js';

const sample = (protocol: string, health?: NodeHealth): ProtocolSample => ({
  protocol,
  type: protocol,
  time: 0,
  connected: true,
  token: 'USD',
  cumulativeTokens: 1,
  earnedTokens: 0,
  earnedUsd: 0,
  usdPerHour: 0,
  payoutEvent: false,
  uptime: 1,
  cpuPercent: 0,
  memoryBytes: 0,
  bandwidthBytesPerSec: 0,
  storageBytes: 0,
  allocation: { cpu: 0, memory: 0, bandwidth: 0, storage: 0 },
  latencyMs: 0,
  ...(health ? { health } : {}),
});
const snap = (...protocols: ProtocolSample[]): Snapshot => ({
  time: 0,
  totalUsdPerHour: 0,
  host: { cpuCount: 1, cpuPercent: 0, memoryTotalBytes: 1, memoryUsedBytes: 0, bandwidthCapacityBytesPerSec: 1, bandwidthBytesPerSec: 0, storageTotalBytes: 1, storageUsedBytes: 0 },
  protocols,
});

describe('node health alert rules', () => {
  it('a healthy node, or one whose health is unknown, raises nothing', () => {
    expect(nodeHealthConditions(snap(sample('storj', { version: '1.71.2', upToDate: true, problems: [] }), sample('x')))).toEqual([]);
  });

  it('disqualified and suspended satellites are critical; outdated, QUIC and driver problems warn; info is not an alert', () => {
    const storj: NodeHealth = {
      upToDate: false,
      quic: 'Misconfigured',
      satellites: [{ id: 'sat1', url: 'us1.storj.io:7777', disqualified: '2026-01-01T00:00:00Z', suspended: null, auditScore: 0.95, suspensionScore: 1, onlineScore: 0.85 }],
      problems: [
        { code: 'satellite-disqualified', message: 'us1.storj.io:7777: disqualified since 2026-01-01T00:00:00Z', severity: 'critical' },
        { code: 'quic-misconfigured', message: 'QUIC: Misconfigured', severity: 'warning' },
        { code: 'outdated-version', message: 'version 1.0 is not up to date', severity: 'warning' },
        { code: 'satellite-scores-unavailable', message: 'x', severity: 'info' },
      ],
    };
    const golem: NodeHealth = { problems: [{ code: 'InsufficientGas', message: 'payment driver erc20 on polygon: InsufficientGas', severity: 'critical' }] };
    const c = nodeHealthConditions(snap(sample('storj', storj), sample('golem', golem)));
    expect(c.map((x) => [x.protocol, x.severity, x.details?.code ?? x.details?.score])).toEqual([
      ['storj', 'critical', 'satellite-disqualified'],
      ['storj', 'warning', 'quic-misconfigured'],
      ['storj', 'warning', 'outdated-version'],
      ['storj', 'warning', 'auditScore'],
      ['storj', 'warning', 'onlineScore'],
      ['golem', 'critical', 'InsufficientGas'],
    ]);
    expect(c.every((x) => x.type === 'node_health' && x.firing)).toBe(true);
    expect(new Set(c.map((x) => x.key)).size).toBe(c.length);
  });
});
