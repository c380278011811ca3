/**
 * Power meters: MQTT meters listen to a broker (the `mqtt` package, loaded only when one is configured), HTTP meters
 * are read when due. Each keeps its last reading and its last error; `state()` says whether it can be believed.
 */
import type { Clock } from '../lib/clock.js';
import { createDeadline } from '../lib/deadline.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { type MeterReading, parseMeterPayload } from './payloads.js';
import type { EnergyConfig, MeterConfig } from './schema.js';

export type MeterStatus = 'ok' | 'waiting' | 'silent' | 'failing';

export interface MeterState {
  name: string;
  type: 'mqtt' | 'http';
  format: MeterConfig['format'];
  protocol: string | null;
  /** ok: a fresh reading; waiting: none yet (just started); silent: none within staleAfter; failing: the last read failed. */
  status: MeterStatus;
  watts: number | null;
  energyKwh: number | null;
  lastReadingAt: number | null;
  error: string | null;
}

export interface Meter {
  readonly config: MeterConfig;
  /** HTTP: read now if the interval has passed (never two reads at once). MQTT: nothing (readings arrive). */
  poll(now: number): Promise<void>;
  state(now: number, staleAfterMs: number): MeterState;
  close(): Promise<void>;
}

/** Largest payload read from a meter: a plug's status is well under 4 KB. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

function baseState(config: MeterConfig) {
  let reading: MeterReading | null = null;
  let readingAt: number | null = null;
  let error: string | null = null;
  let errorAt: number | null = null;
  let startedAt: number | null = null;
  return {
    started(now: number) {
      startedAt ??= now;
    },
    ok(r: MeterReading, now: number) {
      reading = r;
      readingAt = now;
      error = null;
      errorAt = null;
    },
    failed(message: string, now: number) {
      error = message;
      errorAt = now;
    },
    state(now: number, staleAfterMs: number): MeterState {
      let status: MeterStatus;
      if (errorAt !== null && (readingAt === null || errorAt >= readingAt)) status = 'failing';
      else if (readingAt !== null && now - readingAt <= staleAfterMs) status = 'ok';
      else if (readingAt === null && startedAt !== null && now - startedAt <= staleAfterMs) status = 'waiting';
      else status = 'silent';
      return {
        name: config.name,
        type: config.type,
        format: config.format,
        protocol: config.protocol ?? null,
        status,
        watts: reading?.watts ?? null,
        energyKwh: reading?.energyKwh ?? null,
        lastReadingAt: readingAt,
        error: status === 'silent' && !error ? `no reading for ${Math.round(staleAfterMs / 1000)} s` : error,
      };
    },
  };
}

/** The URL an HTTP meter reads, per the device's documented API. */
export function httpMeterUrl(config: MeterConfig): string {
  const base = config.url.replace(/\/+$/, '');
  if (config.format === 'shelly') return `${base}/rpc/Switch.GetStatus?id=0`;
  if (config.format === 'tasmota') return `${base}/cm?cmnd=Status%208`;
  return config.url;
}

/** The topic an MQTT meter subscribes to, per the device's documented topics. */
export function mqttMeterTopic(config: MeterConfig): string {
  const topic = config.topic ?? '';
  if (config.format === 'tasmota') return `tele/${topic}/SENSOR`;
  if (config.format === 'shelly') return `${topic}/status/switch:0`;
  return topic;
}

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_PAYLOAD_BYTES) {
      await reader.cancel();
      throw new Error(`answer larger than ${MAX_PAYLOAD_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createHttpMeter(config: MeterConfig, deps: { fetch?: typeof fetch } = {}): Meter {
  const state = baseState(config);
  const url = httpMeterUrl(config);
  const doFetch = deps.fetch ?? fetch;
  let lastAttempt = -Infinity;
  let inFlight: Promise<void> | null = null;
  const controller = new AbortController();

  async function read(now: () => number): Promise<void> {
    const deadline = createDeadline(config.timeout * 1000, { parent: controller.signal });
    const { signal } = deadline;
    try {
      const res = await doFetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      state.ok(parseMeterPayload(await readBounded(res), config), now());
    } catch (err) {
      if (controller.signal.aborted) return;
      const message = signal.aborted ? `no answer within ${config.timeout} s` : errorMessage(err);
      state.failed(`${config.name}: ${message}`, now());
    } finally {
      deadline.clear();
    }
  }

  return {
    config,
    async poll(now) {
      state.started(now);
      if (inFlight || now - lastAttempt < config.interval * 1000) return inFlight ?? undefined;
      lastAttempt = now;
      // The answer is stamped with the time it was asked for: the engine clock may be virtual.
      inFlight = read(() => now).finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    state: (now, staleAfterMs) => state.state(now, staleAfterMs),
    async close() {
      controller.abort();
      await inFlight;
    },
  };
}

interface MqttClientLike {
  on(event: 'message', fn: (topic: string, payload: Buffer) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'connect' | 'offline' | 'close', fn: () => void): unknown;
  subscribe(topic: string, opts: { qos: 0 | 1 }, cb?: (err: Error | null) => void): unknown;
  endAsync(force?: boolean): Promise<void>;
}

export function createMqttMeter(
  config: MeterConfig,
  deps: { clock: Clock; log: Logger; password?: string; connect: (url: string, opts: Record<string, unknown>) => MqttClientLike },
): Meter {
  const state = baseState(config);
  const topic = mqttMeterTopic(config);
  const client = deps.connect(config.url, {
    username: config.username,
    password: deps.password,
    clientId: `orcha-${config.name}-${Math.random().toString(16).slice(2, 10)}`,
    reconnectPeriod: 5000,
    connectTimeout: 10_000,
    clean: true,
  });
  client.on('connect', () => {
    client.subscribe(topic, { qos: 0 }, (err) => {
      if (err) state.failed(`${config.name}: cannot subscribe to ${topic}: ${err.message}`, deps.clock.now());
    });
  });
  client.on('message', (t, payload) => {
    if (t !== topic) return;
    if (payload.byteLength > MAX_PAYLOAD_BYTES) {
      state.failed(`${config.name}: message on ${topic} larger than ${MAX_PAYLOAD_BYTES} bytes`, deps.clock.now());
      return;
    }
    try {
      state.ok(parseMeterPayload(payload, config), deps.clock.now());
    } catch (err) {
      state.failed(`${config.name}: ${errorMessage(err)}`, deps.clock.now());
    }
  });
  client.on('error', (err) => {
    state.failed(`${config.name}: broker ${redactUrl(config.url)}: ${err.message}`, deps.clock.now());
  });
  client.on('offline', () => deps.log.debug({ meter: config.name }, 'meter broker offline'));
  return {
    config,
    async poll(now) {
      state.started(now);
    },
    state: (now, staleAfterMs) => state.state(now, staleAfterMs),
    async close() {
      await client.endAsync(true).catch(() => undefined);
    },
  };
}

/** A broker URL without credentials, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** `energy.meters`, with the deprecated single `energy.meter` read as a json meter named "meter" when no list is given. */
export function configuredMeters(energy: EnergyConfig): MeterConfig[] {
  if (energy.meters.length > 0 || !energy.meter) return energy.meters;
  const m = energy.meter;
  return [{ name: 'meter', type: m.type, url: m.url, topic: m.topic, format: 'json', path: m.field, interval: 10, timeout: 3 }];
}
