import type { ProtocolPoint } from '../store/types.js';

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const COLUMNS: (keyof ProtocolPoint)[] = [
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
  'samples',
];

function csvCell(value: unknown): string {
  const s = String(value ?? '');
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function apiRow(row: ProtocolPoint): Record<string, unknown> {
  return { ...row, time: new Date(row.time).toISOString() };
}

/** Rows as JSON (an array) or CSV (with a header), produced page by page so memory stays flat. */
export async function* exportChunks(pages: AsyncIterable<ProtocolPoint[]>, format: ExportFormat): AsyncGenerator<string> {
  let first = true;
  if (format === 'csv') yield `${COLUMNS.join(',')}\n`;
  else yield '[';
  for await (const page of pages) {
    if (page.length === 0) continue;
    if (format === 'csv') {
      yield page.map((r) => COLUMNS.map((c) => csvCell(c === 'time' ? new Date(r.time).toISOString() : r[c])).join(',')).join('\n') + '\n';
    } else {
      const body = page.map((r) => JSON.stringify(apiRow(r))).join(',');
      yield first ? body : `,${body}`;
      first = false;
    }
  }
  if (format === 'json') yield ']\n';
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};
