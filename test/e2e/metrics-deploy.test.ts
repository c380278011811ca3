/**
 * `/metrics` as Prometheus and Grafana meet it, through the real composition root: `metrics.auth` guards it, the
 * earnings counters count what the samples earned, and the examples in deploy/ (Grafana dashboard, alert rules,
 * scrape config) name only series that exist and pass promtool.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { metricsAuthorized } from '../../src/http/prometheus.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const METRICS_PASSWORD = 'scrape-secret-1234';
const DEPLOY = join(import.meta.dirname, '../../deploy');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function promtool(): string {
  return execFileSync('sh', ['-c', 'command -v promtool || echo /usr/bin/promtool'], { encoding: 'utf8' }).trim();
}

/** Metric names a PromQL expression reads (functions, labels and keywords are not orcha_ names). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(orcha_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

/** Every `expr` in a Grafana dashboard, panels and rows included. */
function grafanaExprs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) grafanaExprs(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') found.push(value);
      else grafanaExprs(value, found);
    }
  }
  return found;
}

describe('/metrics with metrics.auth, earnings counters, and the deploy/ examples', { timeout: 120_000 }, () => {
  let dir: string;
  let orcha: RunningOrcha;
  let text: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-metrics-'));
    const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0', ORCHA_INTERVALS_POLL: '1', METRICS_PASSWORD };
    const yaml = 'metrics:\n  auth: { type: basic, username: prometheus, password: { env: METRICS_PASSWORD } }\n';
    const config = loadConfigText(yaml, env);
    orcha = await startOrcha({
      loaded: { config, path: null, baseDir: dir },
      log: silentLogger(),
      env: { ORCHA_ADMIN_PASSWORD: 'metrics-admin-password', METRICS_PASSWORD },
    });
    // Wait until a simulated node has earned something, so the counters have moved.
    for (let i = 0; i < 200; i++) {
      const samples = await orcha.store.metrics.protocolHistory({ from: 0, to: Date.now() + 60_000 });
      const earned = new Set(samples.filter((s) => s.earnedUsd > 0).map((s) => s.protocol));
      if (earned.size >= 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const res = await fetch(`${orcha.url}/metrics`, { headers: { authorization: basic('prometheus', METRICS_PASSWORD) } });
    expect(res.status).toBe(200);
    text = await res.text();
  }, 180_000);

  afterAll(async () => {
    await orcha?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a scrape without the configured credentials, with a challenge', async () => {
    const none = await fetch(`${orcha.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${orcha.url}/metrics`, { headers: { authorization: basic('prometheus', 'guess') } });
    expect(wrong.status).toBe(401);
    const otherUser = await fetch(`${orcha.url}/metrics`, { headers: { authorization: basic('grafana', METRICS_PASSWORD) } });
    expect(otherUser.status).toBe(401);
    expect(await wrong.text()).not.toContain('orcha_');
  });

  it('says in its status that the nodes are simulators (the dashboard shows a banner)', async () => {
    expect((await orcha.services.status()).simulated).toBe(true);
  });

  it('checks bearer and basic credentials exactly', () => {
    const bearer = { type: 'bearer' as const, token: 't0ken' };
    expect(metricsAuthorized('Bearer t0ken', bearer)).toBe(true);
    expect(metricsAuthorized('bearer t0ken', bearer)).toBe(true);
    expect(metricsAuthorized('Bearer t0ke', bearer)).toBe(false);
    expect(metricsAuthorized(basic('x', 't0ken'), bearer)).toBe(false);
    expect(metricsAuthorized(undefined, bearer)).toBe(false);
    // An empty secret (an empty file) never matches an empty credential.
    expect(metricsAuthorized('Bearer ', { type: 'bearer', token: '' })).toBe(false);
    const pair = { type: 'basic' as const, username: 'u', password: 'p:w' };
    expect(metricsAuthorized(basic('u', 'p:w'), pair)).toBe(true);
    expect(metricsAuthorized(basic('u', 'p'), pair)).toBe(false);
    expect(metricsAuthorized('Bearer p:w', pair)).toBe(false);
  });

  it('counts earnings in USD and in tokens per protocol, as the samples earned them', async () => {
    const usd = new Map<string, number>();
    for (const m of text.matchAll(/^orcha_earned_usd_total\{protocol="([^"]+)"\} (\S+)$/gm)) usd.set(m[1]!, Number(m[2]));
    const protocols = orcha.simulators!.protocols.map((p) => p.name);
    expect([...usd.keys()].sort()).toEqual([...protocols].sort());
    expect([...usd.values()].filter((v) => v > 0).length).toBeGreaterThanOrEqual(1);
    for (const p of orcha.simulators!.protocols) {
      expect(text).toMatch(new RegExp(`^orcha_earned_tokens_total\\{protocol="${p.name}",token="[^"]+"\\} \\S+$`, 'm'));
    }
    // The counters never exceed what the store recorded (the scrape may miss a sample still being written).
    const samples = await orcha.store.metrics.protocolHistory({ from: 0, to: Date.now() + 60_000 });
    for (const [protocol, value] of usd) {
      const stored = samples.filter((s) => s.protocol === protocol).reduce((sum, s) => sum + s.earnedUsd, 0);
      expect(value).toBeLessThanOrEqual(stored + 1e-9);
    }
    expect(text).toContain('# TYPE orcha_earned_usd_total counter');
  });

  it('the Grafana dashboard parses and names only metrics /metrics serves', () => {
    const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/orcha-dashboard.json'), 'utf8'));
    expect(dashboard.title).toBeTruthy();
    const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const exprs = grafanaExprs(dashboard);
    expect(exprs.length).toBeGreaterThan(10);
    const named = new Set(exprs.flatMap(metricNames));
    for (const name of ['orcha_earned_usd_total', 'orcha_earned_tokens_total', 'orcha_adapter_connected']) expect(named).toContain(name);
    for (const name of named) expect(served, `${name} is in the dashboard but not in /metrics`).toContain(name);
  });

  it('the alert rules and the scrape config pass promtool and name only metrics that exist', () => {
    const rules = join(DEPLOY, 'prometheus/orcha-alerts.yml');
    expect(execFileSync(promtool(), ['check', 'rules', rules], { encoding: 'utf8' })).toContain('SUCCESS');
    expect(execFileSync(promtool(), ['check', 'config', join(DEPLOY, 'prometheus/prometheus.yml')], { encoding: 'utf8' })).toContain('SUCCESS');
    const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const named = new Set(metricNames(readFileSync(rules, 'utf8')));
    expect(named.size).toBeGreaterThan(5);
    for (const name of named) expect(served, `${name} is in the alert rules but not in /metrics`).toContain(name);
  });
});
