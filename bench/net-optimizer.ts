/**
 * Net optimizer (issue 17): the same seeded market, where the host's power is paid for, run three ways: orcha's
 * optimizer seeing gross earnings only (energy accounting off), orcha's optimizer seeing earnings net of the power
 * each protocol's CPU share draws (energy accounting on, as the daemon runs it), and the static equal split. Each run
 * reports what the market paid, what the power cost and the difference. Options: --days N, --seeds N,
 * --price USD/kWh, --idle W, --max W, --market path.
 */
import { parseArgs } from 'node:util';
import { loadMarket } from './lib/load-market.js';
import { createHighsSolver, type RunResult, runMonth } from './lib/market-run.js';
import { type Check, round, startRun } from './lib/results.js';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '14' },
    seeds: { type: 'string', default: '3' },
    price: { type: 'string', default: '0.40' },
    idle: { type: 'string', default: '40' },
    max: { type: 'string', default: '400' },
    market: { type: 'string', default: 'src/sim/market-module.ts' },
  },
});
const num = (name: keyof typeof values, min: number, max: number): number => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v < min || v > max) {
    console.error(`--${name}: expected a number from ${min} to ${max}, got ${values[name]}`);
    process.exit(2);
  }
  return v;
};
const DAYS = num('days', 1, 90);
const SEEDS = Array.from({ length: num('seeds', 1, 20) }, (_, i) => i + 1);
const POWER = { pricePerKwh: num('price', 0, 100), idleWatts: num('idle', 0, 10_000), maxWatts: num('max', 0, 10_000) };
if (POWER.maxWatts < POWER.idleWatts) {
  console.error('--max: must be at least --idle');
  process.exit(2);
}
const market = await loadMarket(values.market as string);
const solver = createHighsSolver();
const RUNS = [
  { label: 'orcha, optimizing net', strategy: 'lp', net: true },
  { label: 'orcha, optimizing gross', strategy: 'lp', net: false },
  { label: 'equal split (static)', strategy: 'equal', net: false },
] as const;

const run = startRun('net-optimizer', `Net optimizer: ${DAYS}-day ${market.name} market with power at ${POWER.pricePerKwh} USD/kWh`);
const results: { label: string; seed: number; r: RunResult }[] = [];
for (const seed of SEEDS) {
  for (const spec of RUNS) {
    const started = performance.now();
    const r = await runMonth({
      market,
      seed,
      strategy: spec.strategy,
      days: DAYS,
      sampleMinutes: 15,
      decideEverySamples: 2,
      solver,
      power: { ...POWER, net: spec.net },
    });
    const net = r.earnedUsd - (r.powerCostUsd ?? 0);
    console.log(
      `  seed ${seed} ${spec.label}: earned ${r.earnedUsd.toFixed(2)} USD, power ${(r.energyKwh ?? 0).toFixed(1)} kWh = ${(r.powerCostUsd ?? 0).toFixed(2)} USD, net ${net.toFixed(2)} USD, ${r.reallocations} reallocations (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    results.push({ label: spec.label, seed, r });
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const of = (label: string) => results.filter((x) => x.label === label).map((x) => x.r);
const netOf = (r: RunResult) => r.earnedUsd - (r.powerCostUsd ?? 0);
const [netRuns, grossRuns, equalRuns] = RUNS.map((s) => of(s.label)) as [RunResult[], RunResult[], RunResult[]];
const gain = mean(netRuns.map(netOf)) - mean(grossRuns.map(netOf));
const everySeed = SEEDS.every((_, i) => netOf(netRuns[i]!) >= netOf(grossRuns[i]!) - 1e-9);
const checks: Check[] = [
  { what: 'net after power, orcha optimizing net (mean over seeds)', value: round(mean(netRuns.map(netOf)), 2), unit: 'USD', bar: '—', met: null },
  { what: 'net after power, orcha optimizing gross (mean over seeds)', value: round(mean(grossRuns.map(netOf)), 2), unit: 'USD', bar: '—', met: null },
  { what: 'net after power, equal split (mean over seeds)', value: round(mean(equalRuns.map(netOf)), 2), unit: 'USD', bar: '—', met: null },
  { what: 'net gained by optimizing net instead of gross (mean)', value: round(gain, 2), unit: 'USD', bar: '>= 0', met: gain >= 0 },
  { what: 'optimizing net at or above optimizing gross on every seed', value: everySeed ? 'yes' : 'no', unit: '', bar: 'every seed', met: everySeed },
];

run.finish({
  method: [
    `Market \`${market.name}\`: ${market.description}`,
    `${DAYS} simulated days per seed (seeds ${SEEDS.join(', ')}), one sample per 15 simulated minutes, decisions every 30, through the real reallocation engine in auto mode with its default gates (bench/lib/market-run.ts).`,
    `Power: the host draws ${POWER.idleWatts} W idle plus up to ${POWER.maxWatts - POWER.idleWatts} W more with its CPU load, the load being the CPU the protocols are given (0.6 x each protocol's CPU share); every kWh costs ${POWER.pricePerKwh} USD. orcha's own energy accounting (src/energy, the declared-watts estimate) follows every sample in both orcha runs; only the net run lets the optimizer see rates net of the power cost (src/energy/optimizer-net.ts), as the daemon does with energy accounting on.`,
    'Earned is what the market paid over the period; power is integrated from the draw at each sample; net is earned minus power.',
  ],
  checks,
  tables: [
    {
      title: 'Per run, mean over seeds (USD over the period)',
      columns: ['run', 'earned', 'power kWh', 'power cost', 'net', 'reallocations'],
      rows: RUNS.map((s) => {
        const rs = of(s.label);
        return [
          s.label,
          round(mean(rs.map((r) => r.earnedUsd)), 2),
          round(mean(rs.map((r) => r.energyKwh ?? 0)), 1),
          round(mean(rs.map((r) => r.powerCostUsd ?? 0)), 2),
          round(mean(rs.map(netOf)), 2),
          round(mean(rs.map((r) => r.reallocations)), 1),
        ];
      }),
    },
    {
      title: 'Per seed: net after power (USD)',
      columns: ['seed', ...RUNS.map((s) => s.label)],
      rows: SEEDS.map((seed) => [seed, ...RUNS.map((s) => round(netOf(results.find((x) => x.seed === seed && x.label === s.label)!.r), 2))]),
    },
  ],
  caveats: [
    'The power model is the declared-watts estimate orcha uses without a meter; a real host\'s draw also follows disk and network, which this market does not model.',
  ],
  raw: { days: DAYS, seeds: SEEDS, power: POWER, results: results.map((x) => ({ label: x.label, ...x.r })) },
});
