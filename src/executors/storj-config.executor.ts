import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { resolveInside } from '../config/load.js';
import type { Resource, ResourceShares } from '../domain/resources.js';
import type { HostResources } from '../domain/sample.js';
import { errorMessage, OrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Executor } from './types.js';

export const STORJ_ALLOCATED_KEY = 'storage.allocated-disk-space';

/** Storj's memory sizes: decimal (KB, MB, GB, TB, PB) and binary (KiB ... PiB) units; a bare number is bytes. */
const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  PB: 1e15,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
  PIB: 2 ** 50,
};

export function parseStorjSize(text: string): number | null {
  const m = /^\s*"?([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)"?\s*$/.exec(text);
  if (!m) return null;
  const unit = (m[2] || 'B').toUpperCase();
  const factor = UNITS[unit];
  return factor === undefined ? null : Number(m[1]) * factor;
}

/** Formats like the node itself prints sizes (`1.50 TB`), in decimal units. */
export function formatStorjSize(bytes: number): string {
  for (const unit of ['PB', 'TB', 'GB', 'MB', 'KB'] as const) {
    if (bytes >= UNITS[unit]) return `${(bytes / UNITS[unit]).toFixed(2)} ${unit}`;
  }
  return `${Math.round(bytes)} B`;
}

const KEY_LINE = /^(\s*)storage\.allocated-disk-space:\s*(.*?)\s*(#.*)?$/;

/** Reads the allocated disk space from a Storj config.yaml (flat dotted keys), in bytes. */
export function readAllocatedDiskSpace(yamlText: string): number | null {
  for (const line of yamlText.split('\n')) {
    const m = KEY_LINE.exec(line);
    if (m) return parseStorjSize(m[2]);
  }
  return null;
}

/** Rewrites only the allocated-disk-space line (comments and other keys stay as the operator wrote them). */
export function setAllocatedDiskSpace(yamlText: string, bytes: number): string {
  const value = formatStorjSize(bytes);
  const lines = yamlText.split('\n');
  const i = lines.findIndex((l) => KEY_LINE.test(l));
  if (i === -1) {
    const sep = yamlText.length === 0 || yamlText.endsWith('\n') ? '' : '\n';
    return `${yamlText}${sep}${STORJ_ALLOCATED_KEY}: ${value}\n`;
  }
  lines[i] = lines[i].replace(KEY_LINE, (_all, indent: string, _v: string, comment?: string) =>
    `${indent}${STORJ_ALLOCATED_KEY}: ${value}${comment ? ` ${comment}` : ''}`,
  );
  return lines.join('\n');
}

/** Write to a temp file in the same directory, then rename: a crash never leaves a half-written config. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface StorjConfigExecutorOptions {
  protocol: string;
  /** The node's config.yaml, relative to `configDir` (cannot escape it). */
  configPath: string;
  configDir: string;
  /** Container to restart after a change (the node reads its config at start). */
  container?: string;
  docker?: Docker;
  restartOnChange: boolean;
  log: Logger;
}

/** Storage through the Storj node's `storage.allocated-disk-space`; restarts the node's container when configured. */
export function createStorjConfigExecutor(options: StorjConfigExecutorOptions): Executor {
  const path = resolveInside(options.configDir, options.configPath);
  const log = options.log.child({ executor: 'storj-config', protocol: options.protocol });
  const restarts = options.restartOnChange && !!options.container;
  if (options.restartOnChange && options.container && !options.docker) {
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `protocol ${options.protocol}: restart needs a Docker connection`);
  }
  let other: Omit<ResourceShares, 'storage'> | null = null;

  const readText = async (): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new OrchaError('ORCHA_ERR_EXECUTOR', `cannot read Storj config ${options.configPath}: ${errorMessage(err)}`, undefined, {
        cause: err,
      });
    }
  };

  return {
    type: 'storj-config',
    protocol: options.protocol,
    restartsOnChange: restarts,
    controls: ['storage'] as readonly Resource[],
    async check() {
      await readText();
      if (restarts) {
        try {
          await options.docker?.getContainer(options.container as string).inspect();
        } catch (err) {
          throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', `container ${options.container}: ${errorMessage(err)}`, undefined, { cause: err });
        }
      }
    },
    async read(host: HostResources) {
      const bytes = readAllocatedDiskSpace(await readText());
      if (bytes === null || host.storageTotalBytes <= 0) return null;
      const storage = Math.round(Math.min(100, (bytes / host.storageTotalBytes) * 100) * 1000) / 1000;
      return { cpu: other?.cpu ?? 0, memory: other?.memory ?? 0, bandwidth: other?.bandwidth ?? 0, storage };
    },
    async apply(shares: ResourceShares, host: HostResources) {
      const bytes = Math.round((shares.storage / 100) * host.storageTotalBytes);
      const text = setAllocatedDiskSpace(await readText(), bytes);
      try {
        await writeFileAtomic(path, text);
      } catch (err) {
        throw new OrchaError('ORCHA_ERR_EXECUTOR', `cannot write Storj config: ${errorMessage(err)}`, undefined, { cause: err });
      }
      other = { cpu: shares.cpu, memory: shares.memory, bandwidth: shares.bandwidth };
      log.info({ allocated: formatStorjSize(bytes) }, 'allocated disk space updated');
      if (restarts) {
        try {
          await options.docker?.getContainer(options.container as string).restart();
        } catch (err) {
          throw new OrchaError('ORCHA_ERR_EXECUTOR', `restart of ${options.container} failed: ${errorMessage(err)}`, undefined, {
            cause: err,
          });
        }
      }
    },
  };
}
