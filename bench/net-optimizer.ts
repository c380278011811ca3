/**
 * Net optimizer (issue 17): the same seeded market, where the host's power is paid for, run three ways: orcha's
 * optimizer seeing gross earnings only (energy accounting off), orcha's optimizer maximizing net (energy accounting
 * on, as the daemon runs it: the power cost of each share point is a term of the allocation LP), and the static
 * equal split. Two hosts: one where power matters (a desktop tower at a high price: CPU that earns little costs more
 * than it earns) and one where it barely does (a mini PC at a low price). Each run reports what the market paid,
 * what the power cost and the difference. Options: --days N, --seeds N, --price USD/kWh, --idle W, --max W (the
 * host where power matters), --cheap-price, --cheap-idle, --cheap-max (the other), --market path.
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
    'cheap-price': { type: 'string', default: '0.10' },
    'cheap-idle': { type: 'string', default: '10' },
    'cheap-max': { type: 'string', default: '45' },
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
const host = (prefix: '' | 'cheap-') => {
  const h = { pricePerKwh: num(`${prefix}price`, 0, 100), idleWatts: num(`${prefix}idle`, 0, 10_000), maxWatts: num(`${prefix}max`, 0, 10_000) };
  if (h.maxWatts < h.idleWatts) {
    console.error(`--${prefix}max: must be at least --${prefix}idle`);
    process.exit(2);
  }
  return h;
};
const SCENARIOS = [
  { key: 'matters', title: 'power matters', power: host(''), bar: '> 0' },
  { key: 'cheap', title: 'power barely matters', power: host('cheap-'), bar: '>= 0' },
] as const;
const market = await loadMarket(values.market as string);
const solver = createHighsSolver();
const RUNS = [
  { label: 'orcha, optimizing net', strategy: 'lp', net: true },
  { label: 'orcha, optimizing gross', strategy: 'lp', net: false },
  { label: 'equal split (static)', strategy: 'equal', net: false },
] as const;
const describeHost = (p: (typeof SCENARIOS)[number]['power']) => `${p.idleWatts}-${p.maxWatts} W at ${p.pricePerKwh} USD/kWh`;

const run = startRun(
  'net-optimizer',
  `Net optimizer: ${DAYS}-day ${market.name} market, power paid for (${SCENARIOS.map((s) => `${s.title}: ${describeHost(s.power)}`).join('; ')})`,
);
const results: { scenario: string; label: string; seed: number; r: RunResult }[] = [];
for (const scenario of SCENARIOS) {
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
        power: { ...scenario.power, net: spec.net },
      });
      const net = r.earnedUsd - (r.powerCostUsd ?? 0);
      console.log(
        `  ${scenario.title}, seed ${seed}, ${spec.label}: earned ${r.earnedUsd.toFixed(2)} USD, power ${(r.energyKwh ?? 0).toFixed(1)} kWh = ${(r.powerCostUsd ?? 0).toFixed(2)} USD, net ${net.toFixed(2)} USD, ${r.reallocations} reallocations (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
      results.push({ scenario: scenario.key, label: spec.label, seed, r });
    }
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const netOf = (r: RunResult) => r.earnedUsd - (r.powerCostUsd ?? 0);
const of = (scenario: string, label: string) => results.filter((x) => x.scenario === scenario && x.label === label).map((x) => x.r);
const checks: Check[] = [];
for (const scenario of SCENARIOS) {
  const [netRuns, grossRuns, equalRuns] = RUNS.map((s) => of(scenario.key, s.label)) as [RunResult[], RunResult[], RunResult[]];
  const gain = mean(netRuns.map(netOf)) - mean(grossRuns.map(netOf));
  const everySeed = SEEDS.every((_, i) => netOf(netRuns[i]!) >= netOf(grossRuns[i]!) - 1e-9);
  const strict = scenario.bar === '> 0';
  checks.push(
    { what: `${scenario.title}: net after power, orcha optimizing net (mean over seeds)`, value: round(mean(netRuns.map(netOf)), 2), unit: 'USD', bar: '—', met: null },
    { what: `${scenario.title}: net after power, orcha optimizing gross (mean over seeds)`, value: round(mean(grossRuns.map(netOf)), 2), unit: 'USD', bar: '—', met: null },
    { what: `${scenario.title}: net after power, equal split (mean over seeds)`, value: round(mean(equalRuns.map(netOf)), 2), unit: 'USD', bar: '—', met: null },
    { what: `${scenario.title}: net gained by optimizing net instead of gross (mean)`, value: round(gain, 2), unit: 'USD', bar: scenario.bar, met: strict ? gain > 0 : gain >= 0 },
    { what: `${scenario.title}: optimizing net at or above optimizing gross on every seed`, value: everySeed ? 'yes' : 'no', unit: '', bar: 'every seed', met: everySeed },
  );
}

run.finish({
  method: [
    `Market \`${market.name}\`: ${market.description}`,
    `${DAYS} simulated days per seed (seeds ${SEEDS.join(', ')}), one sample per 15 simulated minutes, decisions every 30, through the real reallocation engine in auto mode with its default gates (bench/lib/market-run.ts).`,
    `Power: the host draws its idle watts plus up to (max - idle) more with its CPU load, the load being the CPU the protocols are given (each keeps 60 % of its CPU share busy); every kWh costs the host's price. ${SCENARIOS.map((s) => `${s.title}: ${describeHost(s.power)}`).join('; ')}.`,
    "orcha's own energy accounting (src/energy, the declared-watts estimate) follows every sample in both orcha runs; only the net run gives the optimizer the power cost of each share point (src/energy/power-cost.ts), which the allocation LP, the plan's projection and the review of applied moves subtract as a term of their own, as the daemon does with energy accounting on.",
    'Earned is what the market paid over the period; power is integrated from the draw at each sample; net is earned minus power.',
  ],
  checks,
  tables: SCENARIOS.flatMap((scenario) => [
    {
      title: `${scenario.title} (${describeHost(scenario.power)}): per run, mean over seeds (USD over the period)`,
      columns: ['run', 'earned', 'power kWh', 'power cost', 'net', 'reallocations'],
      rows: RUNS.map((s) => {
        const rs = of(scenario.key, s.label);
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
      title: `${scenario.title}: per seed, net after power (USD)`,
      columns: ['seed', ...RUNS.map((s) => s.label)],
      rows: SEEDS.map((seed) => [
        seed,
        ...RUNS.map((s) => round(netOf(results.find((x) => x.scenario === scenario.key && x.seed === seed && x.label === s.label)!.r), 2)),
      ]),
    },
  ]),
  caveats: [
    "The power model is the declared-watts estimate orcha uses without a meter; a real host's draw also follows disk and network, which this market does not model.",
  ],
  raw: {
    days: DAYS,
    seeds: SEEDS,
    scenarios: SCENARIOS.map((s) => ({ key: s.key, title: s.title, power: s.power })),
    results: results.map((x) => ({ scenario: x.scenario, label: x.label, ...x.r })),
  },
});
