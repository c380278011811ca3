// Pre-flight for `npm test`: make a fresh Debian machine ready before anything runs, or say in one line why not.
// - Debian's chromium (browser tests) and promtool (deploy/ alert rules): installed with apt-get when missing and root.
// - PostgreSQL, Redis and Mosquitto on 127.0.0.1: started when installed but stopped (the commands of .ci/run).
// - PostgreSQL's `test` database: created when the server runs without it.
// ORCHA_PREFLIGHT_CHROMIUM / _REDIS_PORT / _MQTT_PORT / _PG_URL (default ORCHA_TEST_PG_URL) exist to test this script.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = process.env;
const CHROMIUM = env.ORCHA_PREFLIGHT_CHROMIUM ?? '/usr/bin/chromium';
const REDIS_PORT = Number(env.ORCHA_PREFLIGHT_REDIS_PORT ?? 6379);
const MQTT_PORT = Number(env.ORCHA_PREFLIGHT_MQTT_PORT ?? 1883);
const PG_URL = env.ORCHA_PREFLIGHT_PG_URL ?? env.ORCHA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const say = (line) => console.log(`orcha test pre-flight: ${line}`);
const fail = (line) => {
  console.error(`orcha test pre-flight: ${line}`);
  process.exit(1);
};
const which = (cmd) => {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
};
const run = (cmd, args) => spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(port, host, ms = 15_000) {
  for (let waited = 0; waited < ms; waited += 250) {
    if (await portOpen(port, host)) return true;
    await sleep(250);
  }
  return false;
}

/** Debian packages for missing programs: installed as root, else one line naming the command to run. */
function ensurePackages() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push({ what: `${CHROMIUM} (browser tests)`, pkg: 'chromium' });
  if (!which('promtool')) missing.push({ what: 'promtool (alert-rule check)', pkg: 'prometheus' });
  if (missing.length === 0) return;
  const pkgs = missing.map((m) => m.pkg);
  const what = missing.map((m) => m.what).join(' and ');
  if (!isRoot || !which('apt-get')) {
    fail(`${what} missing: install with \`sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}\` (Debian), then run npm test again`);
  }
  say(`installing ${pkgs.join(' ')} with apt-get (${what} missing)...`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env: aptEnv });
  const install = update.status === 0
    ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env: aptEnv })
    : update;
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    fail(`apt-get could not install ${pkgs.join(' ')}: check the network and apt sources, then \`apt-get install -y ${pkgs.join(' ')}\``);
  }
}

async function ensureService({ name, port, host = '127.0.0.1', start, install }) {
  if (await portOpen(port, host)) return;
  const cmd = start();
  if (!cmd) fail(`${name} is not running on ${host}:${port} and not installed: ${install}`);
  say(`starting ${name} (${host}:${port} was closed)...`);
  const r = run(cmd[0], cmd.slice(1));
  if (!(await waitForPort(port, host))) {
    const why = (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`;
    fail(`${name} did not start on ${host}:${port} (${cmd.join(' ')}: ${why}); start it by hand or ${install}`);
  }
}

function startPostgres() {
  if (!which('pg_ctlcluster') || !existsSync('/etc/postgresql')) return undefined;
  const versions = readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) return undefined;
  return ['pg_ctlcluster', '--skip-systemctl-redirect', versions[0], 'main', 'start'];
}

function startRedis() {
  if (!which('redis-server')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'orcha-redis-'));
  return ['redis-server', '--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(REDIS_PORT), '--save', '',
    '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')];
}

function startMosquitto() {
  const bin = which('mosquitto');
  if (!bin) return undefined;
  if (MQTT_PORT === 1883 && existsSync('/etc/mosquitto/mosquitto.conf')) return [bin, '-d', '-c', '/etc/mosquitto/mosquitto.conf'];
  return [bin, '-d', '-p', String(MQTT_PORT)];
}

/** The tests' database: created when PostgreSQL runs without it (a fresh cluster only has `postgres`). */
async function ensureTestDatabase(url) {
  const { default: pg } = await import('pg');
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const tryConnect = async (u) => {
    const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return { client };
    } catch (err) {
      return { err };
    }
  };
  const first = await tryConnect(target);
  if (first.client) return void (await first.client.end());
  if (first.err?.code !== '3D000') {
    fail(`cannot connect to PostgreSQL at ${target.host} as ${target.username || 'postgres'} (${first.err?.message}); allow it in pg_hba.conf or set ORCHA_TEST_PG_URL`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const second = await tryConnect(admin);
  if (!second.client) fail(`PostgreSQL has no database "${database}" and cannot create it (${second.err?.message}); run createdb ${database}`);
  say(`creating PostgreSQL database "${database}"...`);
  await second.client.query(`create database "${database.replaceAll('"', '""')}"`);
  await second.client.end();
}

if (env.ORCHA_SKIP_PREFLIGHT === '1') process.exit(0);
ensurePackages();
const pgUrl = new URL(PG_URL);
await ensureService({
  name: 'PostgreSQL',
  host: pgUrl.hostname || '127.0.0.1',
  port: Number(pgUrl.port || 5432),
  start: startPostgres,
  install: '`sudo apt-get install -y postgresql` (or set ORCHA_TEST_PG_URL to a running server)',
});
await ensureTestDatabase(PG_URL);
await ensureService({ name: 'Redis', port: REDIS_PORT, start: startRedis, install: '`sudo apt-get install -y redis-server`' });
await ensureService({ name: 'Mosquitto', port: MQTT_PORT, start: startMosquitto, install: '`sudo apt-get install -y mosquitto`' });
