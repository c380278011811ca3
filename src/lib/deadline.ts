/**
 * A deadline for one call: an AbortSignal that aborts after `ms` of real time, or when a parent signal aborts.
 *
 * Why not `AbortSignal.timeout` (alone or inside `AbortSignal.any`): on Node 20 its timer is held only weakly, so a
 * garbage collection can drop the signal with its timer and the deadline never fires (nodejs/node#57736). Here the
 * timer is a plain `setTimeout`, kept by the event loop until it fires or `clear()` is called.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and forgets the parent; call it when the call is over. */
  clear(): void;
}

export interface DeadlineOptions {
  /** Aborts the deadline too, with its own reason. */
  parent?: AbortSignal;
  /** The abort reason when the time is up (default: a TimeoutError DOMException, as fetch expects). */
  reason?: () => unknown;
  /** Do not keep the process alive for this timer alone (a CLI that has finished must exit). */
  unref?: boolean;
}

export function createDeadline(ms: number, options: DeadlineOptions = {}): Deadline {
  const controller = new AbortController();
  const { parent } = options;
  const reason = options.reason ?? (() => new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  const timer = setTimeout(() => controller.abort(reason()), Math.max(0, ms));
  if (options.unref) timer.unref();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Runs `fn` under a deadline of `ms` and clears it when `fn` settles (read the body inside `fn`, not after). */
export async function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>, options: DeadlineOptions = {}): Promise<T> {
  const deadline = createDeadline(ms, options);
  try {
    return await fn(deadline.signal);
  } finally {
    deadline.clear();
  }
}
