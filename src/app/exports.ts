import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ExportFormat, exportChunks } from '../engine/monitor/export.js';
import type { HistoryQuery, Store } from '../store/types.js';
import type { ExportsService } from './types.js';

/** Where an export operation left its file. */
export interface ExportFileResult {
  /** File name inside `exports.dir` (never a path: operation results are visible to viewers). */
  file: string;
  format: ExportFormat;
  rows: number;
  bytes: number;
}

export interface ExportFiles extends ExportsService {
  /** Write the protocol rows of `query` to `<dir>/<id>.<format>` (mode 0600), streamed page by page. */
  write(id: string, query: HistoryQuery, format: ExportFormat): Promise<ExportFileResult>;
}

export function createExportsService(deps: { store: Pick<Store, 'metrics'>; dir: string }): ExportFiles {
  const { store, dir } = deps;
  return {
    dir,
    rows: (q) => store.metrics.iterateProtocolRows(q),
    async write(id, query, format) {
      await mkdir(dir, { recursive: true });
      const file = `${id}.${format}`;
      let rows = 0;
      let bytes = 0;
      async function* counted() {
        for await (const page of store.metrics.iterateProtocolRows(query)) {
          rows += page.length;
          yield page;
        }
      }
      const chunks = Readable.from(
        (async function* () {
          for await (const chunk of exportChunks(counted(), format)) {
            bytes += Buffer.byteLength(chunk);
            yield chunk;
          }
        })(),
      );
      await pipeline(chunks, createWriteStream(join(dir, file), { mode: 0o600 }));
      return { file, format, rows, bytes };
    },
  };
}
