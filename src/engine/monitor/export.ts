import { Readable } from 'node:stream';
import type { HistoryQuery, MetricsRepository, ProtocolPoint } from '../../store/types.js';

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Columns in order; time is written as ISO 8601 UTC. */
export const EXPORT_COLUMNS = [
  'time',
  'protocol',
  'usdPerHour',
  'earnedUsd',
  'earnedTokens',
  'connected',
  'uptime',
  'cpuPercent',
  'memoryBytes',
  'bandwidthBytesPerSec',
  'storageBytes',
  'allocCpu',
  'allocMemory',
  'allocBandwidth',
  'allocStorage',
] as const;

/** null (not measured) is an empty CSV cell and a JSON null, never 0. */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function row(p: ProtocolPoint): Record<(typeof EXPORT_COLUMNS)[number], string | number | null> {
  return {
    time: new Date(p.time).toISOString(),
    protocol: p.protocol,
    usdPerHour: p.usdPerHour,
    earnedUsd: p.earnedUsd,
    earnedTokens: p.earnedTokens,
    connected: p.connected,
    uptime: p.uptime,
    cpuPercent: p.cpuPercent,
    memoryBytes: p.memoryBytes,
    bandwidthBytesPerSec: p.bandwidthBytesPerSec,
    storageBytes: p.storageBytes,
    allocCpu: p.allocCpu,
    allocMemory: p.allocMemory,
    allocBandwidth: p.allocBandwidth,
    allocStorage: p.allocStorage,
  };
}

/**
 * Rows as text chunks, one page at a time: memory stays flat whatever the range. JSON is one array (one object
 * per line inside it); CSV has a header line. Used for HTTP replies, export files and the CLI alike.
 */
export async function* exportChunks(pages: AsyncIterable<ProtocolPoint[]>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield `${EXPORT_COLUMNS.join(',')}\n`;
    for await (const page of pages) {
      if (page.length === 0) continue;
      yield page.map((p) => `${EXPORT_COLUMNS.map((c) => csvField(row(p)[c])).join(',')}\n`).join('');
    }
    return;
  }
  yield '[';
  let first = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    const body = page.map((p) => JSON.stringify(row(p))).join(',\n');
    yield `${first ? '\n' : ',\n'}${body}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

/** History straight from the database, page by page. */
export function exportHistory(
  metrics: MetricsRepository,
  query: HistoryQuery & { format: ExportFormat },
  pageSize = 5000,
): AsyncGenerator<string> {
  const { format, ...range } = query;
  return exportChunks(metrics.iterateProtocolRows(range, pageSize), format);
}

/** The same as a Node stream (for Fastify replies and CLI pipes); backpressure comes with Readable.from. */
export function exportStream(metrics: MetricsRepository, query: HistoryQuery & { format: ExportFormat }, pageSize?: number): Readable {
  return Readable.from(exportHistory(metrics, query, pageSize), { objectMode: false });
}

export function exportContentType(format: ExportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
}
