/**
 * Where a strategy's earnings go, day by day (a diagnostic beside bench/decision-quality.ts): runs one market and seed
 * through the given strategies and prints, per day and protocol, what the node truly earned and the allocation it held
 * at the end of the day (cpu/memory/bandwidth/storage, and the data stored where the market says). With
 * `--decisions`, also every applied move of orcha's engine with its projected and true effect, and every decision
 * for which no plan could be made.
 * Options: --market path (default the harsh market), --seed N, --days N, --strategies lp,oracle, --decisions.
 */
import { parseArgs } from 'node:util';
import { loadMarket } from './lib/load-market.js';
import { createHighsSolver, runMonth, type StrategyName } from './lib/market-run.js';

const { values } = parseArgs({
  options: {
    market: { type: 'string', default: 'src/sim/market-harsh.ts' },
    seed: { type: 'string', default: '1' },
    days: { type: 'string', default: '30' },
    strategies: { type: 'string', default: 'lp,oracle' },
    decisions: { type: 'boolean', default: false },
    /** Also skipped decisions whose plan moves this protocol (its target, the gain, %, confidence, why skipped). */
    skips: { type: 'string' },
  },
});
const market = await loadMarket(values.market);
const strategies = values.strategies.split(',').map((s) => s.trim()) as StrategyName[];
const seed = Number(values.seed);
const days = Number(values.days);
const solver = createHighsSolver();
const DAY = 86_400_000;
const f1 = (x: number) => x.toFixed(1).padStart(5);

const byDay = new Map<StrategyName, string[][]>();
for (const strategy of strategies) {
  const rows: string[][] = [];
  const lastUsd = new Map<string, number>();
  let nextDay = 0;
  const result = await runMonth({
    market,
    seed,
    strategy,
    days,
    sampleMinutes: 15,
    decideEverySamples: 2,
    solver,
    onDecision: values.decisions || values.skips
      ? (d, info) => {
          const who = values.skips;
          if (d.status !== 'applied' && who && d.plan && d.plan.target[who] && d.plan.current[who]) {
            const [a, b] = [d.plan.current[who], d.plan.target[who]];
            if ((['cpu', 'memory', 'bandwidth', 'storage'] as const).some((r) => Math.abs(a[r] - b[r]) > 0.05)) {
              const t = new Date(info.now).toISOString().slice(5, 16);
              const sh = (x: typeof a) => (['cpu', 'memory', 'bandwidth', 'storage'] as const).map((r) => f1(x[r]).trim()).join('/');
              console.log(`${strategy} ${t} skip  ${d.code} ${who} ${sh(a)} > ${sh(b)} +${d.plan.improvementUsdPerHour.toFixed(4)} (${d.plan.improvementPercent.toFixed(1)} %) conf ${d.plan.confidence.toFixed(2)}${d.plan.exploration ? ' probe' : ''}`);
            }
          }
          if (values.decisions && d.code === 'planning_failed') console.log(`${strategy} ${new Date(info.now).toISOString().slice(5, 16)} no plan: ${d.reason}`);
          if (d.status !== 'applied' || !values.decisions) return;
          const t = new Date(info.now).toISOString().slice(5, 16);
          const moves = d.reallocation.steps.map((s) => `${s.protocol} ${(['cpu', 'memory', 'bandwidth', 'storage'] as const).map((r) => `${r[0]}${f1(s.from[r])}>${f1(s.to[r]).trim()}`).join(' ')}`);
          console.log(
            `${strategy} ${t} ${d.reallocation.exploration ? 'probe' : 'move '} proj ${(d.plan?.improvementUsdPerHour ?? 0).toFixed(4)} true ${(info.trueAfter - info.trueBefore).toFixed(4)} | ${moves.join(' | ')}`,
          );
        }
      : undefined,
    onStep: ({ now, market: m }) => {
      if (now < nextDay) return;
      if (nextDay === 0) {
        nextDay = now - (now % DAY) + DAY;
        return;
      }
      nextDay += DAY;
      const row: string[] = [];
      for (const [name, model] of m.models) {
        const usd = model.cumulativeUsd();
        const earned = usd - (lastUsd.get(name) ?? 0);
        lastUsd.set(name, usd);
        const a = model.allocation();
        const stored = model.effectiveShares().storage;
        row.push(`${name} ${earned.toFixed(2)} [${f1(a.cpu)}${f1(a.memory)}${f1(a.bandwidth)}${f1(a.storage)}${stored !== a.storage ? ` s${f1(stored)}` : ''}]`);
      }
      rows.push(row);
    },
  });
  byDay.set(strategy, rows);
  console.log(`${strategy}: ${result.earnedUsd.toFixed(2)} USD, ${result.reallocations} reallocations; by node: ${Object.entries(result.earnedByProtocol).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
}
const n = Math.max(...[...byDay.values()].map((r) => r.length));
for (let d = 0; d < n; d++) {
  console.log(`day ${d + 1}`);
  for (const [s, rows] of byDay) console.log(`  ${s.padEnd(7)} ${(rows[d] ?? []).join('  ')}`);
}
