import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  type RetryPolicy,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import { isTransient } from '../adapters/http.js';
import { createDeadline } from '../lib/deadline.js';
import { OrchaError, isOrchaError } from '../lib/errors.js';

/**
 * Per-protocol resilience: a whole poll (all attempts) runs under one deadline (the protocol's `timeout`), inside it
 * retries with exponential backoff and decorrelated jitter for transient failures, and outside it a consecutive-failure
 * circuit breaker counting failed *polls*. Cockatiel's timers (backoff, half-open delay) run on real time: network
 * calls happen in real time even when the engine's clock is virtual, so the injected clock stamps and schedules polls
 * while the deadline is a real-time timer held by each call.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ResilienceSettings {
  retries: number;
  breakerFailures: number;
  /** Seconds. */
  breakerHalfOpenAfter: number;
}

export interface ProtocolResilience {
  breaker: CircuitBreakerPolicy;
  retry: RetryPolicy;
  state(): BreakerState;
  /** Run `fn` under the deadline, retry and breaker. Settles at most `graceMs` after the deadline passes. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, parent?: AbortSignal): Promise<T>;
}

export function toBreakerState(s: CircuitState): BreakerState {
  if (s === CircuitState.Open || s === CircuitState.Isolated) return 'open';
  if (s === CircuitState.HalfOpen) return 'half-open';
  return 'closed';
}

/** Rate limits are the API working as designed: they are not failures that should open the breaker. */
const countsAsFailure = (err: Error) => !isOrchaError(err, 'ORCHA_ERR_ADAPTER_RATE_LIMITED');

/** Time allowed after the deadline for the aborted call to unwind, so the breaker has counted it. */
const GRACE_MS = 50;

export function createProtocolResilience(settings: ResilienceSettings): ProtocolResilience {
  const breaker = circuitBreaker(handleWhen(countsAsFailure), {
    halfOpenAfter: settings.breakerHalfOpenAfter * 1000,
    breaker: new ConsecutiveBreaker(settings.breakerFailures),
  });
  const retryPolicy = retry(handleWhen(isTransient), {
    maxAttempts: settings.retries,
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
  });

  return {
    breaker,
    retry: retryPolicy,
    state: () => toBreakerState(breaker.state),
    run(fn, timeoutMs, parent) {
      // The deadline is a timer this call holds and clears itself (lib/deadline.ts: `AbortSignal.timeout` can be
      // collected with its timer on Node 20, and the deadline then never fires).
      const timeout = () => new OrchaError('ORCHA_ERR_TIMEOUT', `no answer within ${timeoutMs} ms`);
      const deadline = createDeadline(timeoutMs, { parent, reason: timeout });
      const attempt = ({ signal }: { signal: AbortSignal }) => {
        // A retry whose backoff ended after the deadline must not reach the node.
        if (signal.aborted) throw timeout();
        return fn(signal);
      };
      const work = breaker.execute(({ signal }) => retryPolicy.execute(attempt, signal), deadline.signal);
      return settleBy(work, deadline.signal, timeoutMs).finally(() => deadline.clear());
    },
  };
}

/** `work`, or a timeout error shortly after the deadline if `work` is still pending (e.g. a backoff delay). */
function settleBy<T>(work: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(new OrchaError('ORCHA_ERR_TIMEOUT', `no answer within ${timeoutMs} ms`)), GRACE_MS);
    };
    if (deadline.aborted) onAbort();
    else deadline.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      deadline.removeEventListener('abort', onAbort);
    };
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

export function isBrokenCircuit(err: unknown): boolean {
  return err instanceof BrokenCircuitError;
}
