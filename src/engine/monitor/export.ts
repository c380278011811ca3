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

/**
 * Columns added after those when the range has energy accounting: the power drawn and its cost attributed to the
 * protocol over the stored energy window holding the row, the net rate (usdPerHour minus that cost), and whether the
 * power was estimated. Empty (CSV) or null (JSON) for a row no stored window covers yet.
 */
export const NET_COLUMNS = ['powerWatts', 'powerCostUsdPerHour', 'netUsdPerHour', 'powerEstimated'] as const;

export interface NetFields {
  powerWatts: number | null;
  powerCostUsdPerHour: number | null;
  netUsdPerHour: number | null;
  powerEstimated: boolean | null;
}

/** A protocol row, with its net fields when the export has them. */
export type ExportRow = ProtocolPoint & Partial<NetFields>;

type Cell = string | number | boolean | null;

/** null (not measured, or no energy accounted) is an empty CSV cell and a JSON null, never 0. */
function csvField(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

type Column = (typeof EXPORT_COLUMNS)[number] | (typeof NET_COLUMNS)[number];

function row(p: ExportRow, net: boolean): Partial<Record<Column, Cell>> {
  const base = {
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
  if (!net) return base;
  return {
    ...base,
    powerWatts: p.powerWatts ?? null,
    powerCostUsdPerHour: p.powerCostUsdPerHour ?? null,
    netUsdPerHour: p.netUsdPerHour ?? null,
    powerEstimated: p.powerEstimated ?? null,
  };
}

/**
 * Rows as text chunks, one page at a time: memory stays flat whatever the range. JSON is one array (one object
 * per line inside it); CSV has a header line. Used for HTTP replies, export files and the CLI alike. With `net`,
 * every row carries the NET_COLUMNS too.
 */
export async function* exportChunks(pages: AsyncIterable<ExportRow[]>, format: ExportFormat, options: { net?: boolean } = {}): AsyncGenerator<string> {
  const net = options.net ?? false;
  const columns: readonly Column[] = net ? [...EXPORT_COLUMNS, ...NET_COLUMNS] : EXPORT_COLUMNS;
  if (format === 'csv') {
    yield `${columns.join(',')}\n`;
    for await (const page of pages) {
      if (page.length === 0) continue;
      yield page
        .map((p) => {
          const r = row(p, net);
          return `${columns.map((c) => csvField(r[c] ?? null)).join(',')}\n`;
        })
        .join('');
    }
    return;
  }
  yield '[';
  let first = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    const body = page.map((p) => JSON.stringify(row(p, net))).join(',\n');
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
