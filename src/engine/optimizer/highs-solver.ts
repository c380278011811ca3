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

export function createHighsSolver(): LpSolver {
  let loading: Promise<Highs> | undefined;
  return {
    async solve(lpText) {
      loading ??= highsLoader();
      const highs = await loading;
      // solve() is synchronous, so two plans never use the instance at the same time.
      const result = highs.solve(lpText, { output_flag: false });
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
