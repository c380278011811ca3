import { describe, expect, it } from 'vitest';
import { PayloadError, parseMeterPayload, parseShelly, parseTasmota } from './payloads.js';

// Payloads in the shapes the devices' documentation gives (see payloads.ts for the sources).
const TASMOTA_SENSOR = JSON.stringify({
  Time: '2022-01-11T21:57:38',
  ENERGY: { TotalStartTime: '2020-10-21T22:15:00', Total: 3.705, Yesterday: 0.028, Today: 0.026, Period: 1, Power: 5, ApparentPower: 5, ReactivePower: 0, Factor: 1.0, Voltage: 233, Current: 0.021 },
});
const TASMOTA_STATUS8 = JSON.stringify({
  StatusSNS: { Time: '2022-01-11T21:57:38', ENERGY: { TotalStartTime: '2020-10-21T22:15:00', Total: 12.5, Yesterday: 0.4, Today: 0.3, Power: 61, Voltage: 231, Current: 0.3 } },
});
const SHELLY_STATUS = JSON.stringify({
  id: 0, source: 'init', output: true, apower: 8.9, voltage: 237.5, current: 0.068,
  aenergy: { total: 6532.1, by_minute: [45.199, 47.141, 88.397], minute_ts: 1654511972 }, temperature: { tC: 23.5, tF: 74.4 },
});

describe('power meter payloads', () => {
  it('reads Tasmota ENERGY from tele/<topic>/SENSOR and from Status 8', () => {
    expect(parseMeterPayload(TASMOTA_SENSOR, { format: 'tasmota' })).toEqual({ watts: 5, energyKwh: 3.705 });
    expect(parseMeterPayload(TASMOTA_STATUS8, { format: 'tasmota' })).toEqual({ watts: 61, energyKwh: 12.5 });
  });

  it('adds the channels of a multi-channel Tasmota device', () => {
    expect(parseTasmota({ ENERGY: { Power: [10, 15.5], Total: 1 } }).watts).toBe(25.5);
  });

  it('reads Shelly Gen2 apower in W and aenergy.total in Wh as kWh', () => {
    const r = parseMeterPayload(SHELLY_STATUS, { format: 'shelly' });
    expect(r.watts).toBe(8.9);
    expect(r.energyKwh).toBeCloseTo(6.5321, 6);
    expect(parseShelly({ result: JSON.parse(SHELLY_STATUS) }).watts).toBe(8.9);
  });

  it('reads a generic JSON path, numbers as strings included', () => {
    expect(parseMeterPayload('{"data":{"power":"45.5","kwh":2}}', { format: 'json', path: 'data.power', energyPath: 'data.kwh' })).toEqual({
      watts: 45.5,
      energyKwh: 2,
    });
    expect(parseMeterPayload('{"meters":[{"power":12}]}', { format: 'json', path: 'meters.0.power' }).watts).toBe(12);
  });

  it('names the field when a payload is not what the device documents', () => {
    expect(() => parseMeterPayload('{"ENERGY":{"Total":1}}', { format: 'tasmota' })).toThrow(/ENERGY\.Power is missing/);
    expect(() => parseMeterPayload('{"Time":"x"}', { format: 'tasmota' })).toThrow(/ENERGY is missing/);
    expect(() => parseMeterPayload('{"id":0,"output":true}', { format: 'shelly' })).toThrow(/apower is missing/);
    expect(() => parseMeterPayload('{"apower":"lots"}', { format: 'shelly' })).toThrow(/apower is not a number/);
    expect(() => parseMeterPayload('{"data":{}}', { format: 'json', path: 'data.power' })).toThrow(/data\.power is missing/);
    expect(() => parseMeterPayload('not json', { format: 'shelly' })).toThrow(PayloadError);
    expect(() => parseMeterPayload('{"apower":-5}', { format: 'shelly' })).toThrow(/outside/);
  });
});
