/**
 * A remote host's protocol sample as stored (migration 006): the figures that have their own columns (protocol,
 * connected, usdPerHour, earnedUsd, earnedTokens, and the time when it is the snapshot's) are left out of the JSON,
 * so each row holds them once. Rows written before carry them in both places, with the same values: both decode alike.
 */
import type { ProtocolSample } from '../../domain/sample.js';

export interface StoredSampleColumns {
  time: number | string;
  protocol: string;
  sample_json: string;
  connected: number | string;
  usd_per_hour: number | string;
  earned_usd: number | string;
  earned_tokens: number | string;
}

export function encodeSample(p: ProtocolSample, snapshotTime: number): string {
  const { protocol: _protocol, connected: _connected, usdPerHour: _usd, earnedUsd: _earned, earnedTokens: _tokens, time, ...rest } = p;
  return JSON.stringify(time === snapshotTime ? rest : { ...rest, time });
}

export function decodeSample(r: StoredSampleColumns): ProtocolSample {
  const stored = JSON.parse(r.sample_json) as Partial<ProtocolSample>;
  return {
    ...stored,
    protocol: r.protocol,
    time: stored.time ?? Number(r.time),
    connected: Number(r.connected) === 1,
    usdPerHour: Number(r.usd_per_hour),
    earnedUsd: Number(r.earned_usd),
    earnedTokens: Number(r.earned_tokens),
  } as ProtocolSample;
}

/** The columns `decodeSample` reads. */
export const SAMPLE_COLUMNS = ['time', 'protocol', 'sample_json', 'connected', 'usd_per_hour', 'earned_usd', 'earned_tokens'] as const;
