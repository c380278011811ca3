import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { energyKnown, withNetColumns } from '../energy/net-rows.js';
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

export function createExportsService(deps: { store: Pick<Store, 'metrics' | 'energy'>; dir: string }): ExportFiles {
  const { store, dir } = deps;

  /** The rows of `query` as text, with net columns when energy was accounted over the range. */
  async function* chunks(query: HistoryQuery, format: ExportFormat, onPage?: (rows: number) => void): AsyncGenerator<string> {
    const net = await energyKnown(store.energy, query);
    async function* pages() {
      for await (const page of store.metrics.iterateProtocolRows(query)) {
        onPage?.(page.length);
        yield page;
      }
    }
    yield* exportChunks(net ? withNetColumns(pages(), store.energy, query.protocol) : pages(), format, { net });
  }

  return {
    dir,
    chunks: (query, format) => chunks(query, format),
    async write(id, query, format) {
      await mkdir(dir, { recursive: true });
      const file = `${id}.${format}`;
      let rows = 0;
      let bytes = 0;
      const counted = Readable.from(
        (async function* () {
          for await (const chunk of chunks(query, format, (n) => {
            rows += n;
          })) {
            bytes += Buffer.byteLength(chunk);
            yield chunk;
          }
        })(),
      );
      await pipeline(counted, createWriteStream(join(dir, file), { mode: 0o600 }));
      return { file, format, rows, bytes };
    },
  };
}
