/**
 * What a start-up opened, closed in reverse order: each part registers its close as it is built; `closeAll` runs
 * them last-first, once, logging (never throwing) a close that fails so the others still run.
 */
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';

export interface Closers {
  push(close: () => Promise<void> | void): void;
  closeAll(): Promise<void>;
}

export function createClosers(log: Logger): Closers {
  const closers: (() => Promise<void> | void)[] = [];
  let closing: Promise<void> | null = null;
  return {
    push: (close) => void closers.push(close),
    closeAll() {
      closing ??= (async () => {
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (err) {
            log.warn({ err: errorMessage(err) }, 'error during shutdown');
          }
        }
      })();
      return closing;
    },
  };
}
