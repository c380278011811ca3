import { setFlagsFromString } from 'node:v8';
import highsModule from 'highs';
import { OrchaError } from '../../lib/errors.js';

// The package's types describe CommonJS, while Node loads its ES module build whose default export is the loader.
type Loader = typeof highsModule.default;
const highsLoader: Loader =
  typeof highsModule === 'function' ? (highsModule as unknown as Loader) : (highsModule as { default: Loader }).default;
type Highs = Awaited<ReturnType<Loader>>;
export type HighsResult = ReturnType<Highs['solve']>;

/** A HiGHS (WebAssembly) instance, loaded on first use and reused: loading costs far more than solving. */
export interface LpSolver {
  /** Solve a model written in CPLEX LP format; throws ORCHA_ERR_INFEASIBLE or ORCHA_ERR_INTERNAL unless optimal. */
  solve(lpText: string): Promise<HighsResult>;
}

/**
 * Keep WebAssembly on V8's baseline compiler (Liftoff). By default V8 also recompiles HiGHS's hot functions with
 * TurboFan in background threads; for our small plans that tier-up costs ~60 MB of resident memory that is never
 * given back (not even by ending a worker that ran it), and solving gets slower, not faster. Measured on the daemon's
 * own plan LPs in a bare process: 137 MB vs 76 MB RSS, 11-28 ms vs 1.5-6 ms per solve. The flag is process-wide;
 * the only other WebAssembly in the process is undici's small HTTP parser. It must be set before the first instance
 * is compiled; Node keeps V8 flags settable at run time.
 */
function loadHighs(): Promise<Highs> {
  try {
    setFlagsFromString('--liftoff-only');
  } catch {
    // a runtime that refuses the flag still solves correctly, only with more memory
  }
  return highsLoader();
}

const SOLVE_OPTIONS = { output_flag: false, time_limit: 10, simplex_iteration_limit: 100_000, qp_iteration_limit: 10_000 } as const;

export function createHighsSolver(): LpSolver {
  let loading: Promise<Highs> | undefined;
  return {
    async solve(lpText) {
      loading ??= loadHighs();
      const highs = await loading;
      // solve() is synchronous, so two plans never use the instance at the same time.
      // Bounded work: an LP or QP that does not finish within these limits is an error the caller handles (the fit
      // falls back to its prior), never a daemon stuck in WebAssembly. The iteration limits keep it deterministic.
      const result = highs.solve(lpText, SOLVE_OPTIONS);
      if (result.Status === 'Optimal') return result;
      if (result.Status === 'Infeasible' || result.Status === 'Primal infeasible or unbounded') {
        throw new OrchaError('ORCHA_ERR_INFEASIBLE', 'No allocation satisfies capacity, reserve and policies');
      }
      throw new OrchaError('ORCHA_ERR_INTERNAL', `LP solver ended with status ${result.Status}`, { model: lpText });
    },
  };
}

/** A number as CPLEX LP text accepts it. */
export function lpNumber(x: number): string {
  if (!Number.isFinite(x)) throw new OrchaError('ORCHA_ERR_INTERNAL', `non-finite LP coefficient ${x}`);
  const s = x.toPrecision(15);
  return s.includes('e') ? s : String(Number(s));
}
