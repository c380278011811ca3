/**
 * Power-meter payloads, in the shapes the devices' public documentation gives. Each parser takes the decoded JSON
 * and returns watts (and a cumulative kWh counter when the device has one), or throws saying which field was wrong:
 * a meter that changed its firmware must not be read as 0 W.
 */

export interface MeterReading {
  watts: number;
  /** Cumulative energy counter, kWh; null when the device does not report one. */
  energyKwh: number | null;
}

export type MeterFormat = 'tasmota' | 'shelly' | 'json';

export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** Upper bound on a sane reading: a meter answering more is broken (or not a plug). */
const MAX_WATTS = 1_000_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberAt(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (v === undefined) throw new PayloadError(`${where}.${key} is missing`);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PayloadError(`${where}.${key} is not a number (${JSON.stringify(v)?.slice(0, 40)})`);
  return v;
}

function checkWatts(w: number, where: string): number {
  if (w < 0 || w > MAX_WATTS) throw new PayloadError(`${where} = ${w} W is outside 0..${MAX_WATTS}`);
  return w;
}

/**
 * Tasmota energy monitoring. Over MQTT the device publishes `tele/<topic>/SENSOR` every TelePeriod:
 *   {"Time": "...", "ENERGY": {"TotalStartTime": "...", "Total": 3.705, "Yesterday": 0.028, "Today": 0.026,
 *    "Power": 5, "ApparentPower": 5, "ReactivePower": 0, "Factor": 1.00, "Voltage": 233, "Current": 0.021}}
 * and over HTTP `GET /cm?cmnd=Status%208` answers the same ENERGY object inside `StatusSNS`.
 * `Power` is active power in W, `Total` is kWh since TotalStartTime. On a multi-channel device `Power` is an array
 * (one value per channel): the channels add up.
 * Sources: https://tasmota.github.io/docs/Power-Monitoring/ , https://tasmota.github.io/docs/JSON-Status-Responses/ ,
 * https://tasmota.github.io/docs/Commands/#with-web-requests
 */
export function parseTasmota(body: unknown): MeterReading {
  if (!isRecord(body)) throw new PayloadError('tasmota: the payload is not a JSON object');
  const container = isRecord(body.StatusSNS) ? body.StatusSNS : body;
  const where = container === body ? 'ENERGY' : 'StatusSNS.ENERGY';
  const energy = container.ENERGY;
  if (!isRecord(energy)) throw new PayloadError(`tasmota: ${where} is missing (is power monitoring on this device?)`);
  const power = energy.Power;
  let watts: number;
  if (Array.isArray(power)) {
    if (power.length === 0 || power.some((p) => typeof p !== 'number' || !Number.isFinite(p))) {
      throw new PayloadError(`tasmota: ${where}.Power is not an array of numbers`);
    }
    watts = (power as number[]).reduce((s, p) => s + p, 0);
  } else {
    watts = numberAt(energy, 'Power', `tasmota: ${where}`);
  }
  const total = energy.Total;
  const energyKwh = typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : null;
  return { watts: checkWatts(watts, `tasmota: ${where}.Power`), energyKwh };
}

/**
 * Shelly Gen2 (Plus/Pro) Switch component status, the same object from `GET /rpc/Switch.GetStatus?id=0` and from
 * the MQTT topic `<device id>/status/switch:0` (generic status updates):
 *   {"id": 0, "source": "init", "output": true, "apower": 8.9, "voltage": 237.5, "current": 0.068,
 *    "aenergy": {"total": 6.532, "by_minute": [45.199, 47.141, 88.397], "minute_ts": 1654511972},
 *    "temperature": {"tC": 23.5, "tF": 74.4}}
 * `apower` is active power in W; `aenergy.total` is in watt-hours (not kWh).
 * Sources: https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Switch#status ,
 * https://shelly-api-docs.shelly.cloud/gen2/General/RPCChannels#mqtt
 */
export function parseShelly(body: unknown): MeterReading {
  if (!isRecord(body)) throw new PayloadError('shelly: the payload is not a JSON object');
  // An RPC reply over MQTT or a notification wraps the status: {"result": {...}} or {"params": {"switch:0": {...}}}.
  const status = isRecord(body.result) ? body.result : isRecord(body.params) && isRecord(body.params['switch:0']) ? body.params['switch:0'] : body;
  const watts = numberAt(status, 'apower', 'shelly: switch:0');
  const aenergy = status.aenergy;
  const totalWh = isRecord(aenergy) && typeof aenergy.total === 'number' && Number.isFinite(aenergy.total) && aenergy.total >= 0 ? aenergy.total : null;
  return { watts: checkWatts(watts, 'shelly: switch:0.apower'), energyKwh: totalWh === null ? null : totalWh / 1000 };
}

/** The value at a dot path (`data.power`, `meters.0.power`). */
export function valueAtPath(body: unknown, path: string): unknown {
  let cur: unknown = body;
  for (const key of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (isRecord(cur) && Object.hasOwn(cur, key)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function numberFromPath(body: unknown, path: string): number {
  const v = valueAtPath(body, path);
  if (v === undefined) throw new PayloadError(`json: ${path} is missing`);
  // Some gateways send numbers as strings ("45.2").
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new PayloadError(`json: ${path} is not a number (${JSON.stringify(v)?.slice(0, 40)})`);
  return n;
}

/** Any JSON payload: watts at `path`, an optional cumulative kWh counter at `energyPath`. */
export function parseJsonPath(body: unknown, path: string, energyPath?: string): MeterReading {
  const watts = checkWatts(numberFromPath(body, path), `json: ${path}`);
  let energyKwh: number | null = null;
  if (energyPath) {
    const e = numberFromPath(body, energyPath);
    if (e < 0) throw new PayloadError(`json: ${energyPath} is negative`);
    energyKwh = e;
  }
  return { watts, energyKwh };
}

export interface PayloadSpec {
  format: MeterFormat;
  path?: string;
  energyPath?: string;
}

/** Decode a raw payload (MQTT message or HTTP body) with the meter's format. */
export function parseMeterPayload(raw: string | Buffer, spec: PayloadSpec): MeterReading {
  let body: unknown;
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    throw new PayloadError(`${spec.format}: the payload is not JSON`);
  }
  if (spec.format === 'tasmota') return parseTasmota(body);
  if (spec.format === 'shelly') return parseShelly(body);
  if (!spec.path) throw new PayloadError('json: no path configured');
  return parseJsonPath(body, spec.path, spec.energyPath);
}
