/** The energy section's rules the schema cannot express; each error names the field and says why. */
import type { Config } from '../config/schema.js';
import type { FieldError } from '../lib/errors.js';

export function energyConfigErrors(config: Config): FieldError[] {
  const errors: FieldError[] = [];
  const energy = config.energy;
  const names = new Map<string, number>();
  const protocols = new Set(config.protocols.map((p) => p.name));
  energy.meters.forEach((m, i) => {
    const at = `energy.meters[${i}]`;
    if (names.has(m.name)) errors.push({ path: `${at}.name`, message: `duplicates energy.meters[${names.get(m.name)}].name "${m.name}"` });
    else names.set(m.name, i);
    if (m.type === 'mqtt' && !/^mqtts?:\/\//.test(m.url)) errors.push({ path: `${at}.url`, message: 'must be an mqtt:// or mqtts:// URL for an mqtt meter' });
    if (m.type === 'http' && !/^https?:\/\//.test(m.url)) errors.push({ path: `${at}.url`, message: 'must be an http:// or https:// URL for an http meter' });
    if (m.type === 'mqtt' && !m.topic) errors.push({ path: `${at}.topic`, message: 'is required for an mqtt meter' });
    if (m.topic && /[#+]/.test(m.topic)) errors.push({ path: `${at}.topic`, message: 'must not contain MQTT wildcards (+ or #)' });
    if (m.format === 'json' && !m.path) errors.push({ path: `${at}.path`, message: 'is required for format json (dot path of the watts field)' });
    if (m.format !== 'json' && (m.path || m.energyPath)) errors.push({ path: `${at}.path`, message: `is only read for format json; ${m.format} payloads have a fixed shape` });
    if (m.protocol && protocols.size > 0 && !protocols.has(m.protocol))
      errors.push({ path: `${at}.protocol`, message: `names no configured protocol ("${m.protocol}")` });
  });
  if (energy.meters.length > 0 && energy.meter) errors.push({ path: 'energy.meter', message: 'is replaced by energy.meters: keep one of the two' });
  if (energy.currency !== 'USD' && config.prices.usd[energy.currency] === undefined)
    errors.push({ path: 'energy.currency', message: `prices.usd has no entry for ${energy.currency}: add one (USD per ${energy.currency})` });
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: energy.tariff.timezone });
  } catch {
    errors.push({ path: 'energy.tariff.timezone', message: 'must be an IANA time zone such as Europe/Berlin' });
  }
  if (energy.estimate.maxWatts < energy.estimate.idleWatts)
    errors.push({ path: 'energy.estimate.maxWatts', message: `is below idleWatts (${energy.estimate.idleWatts})` });
  for (const name of Object.keys(energy.estimate.protocols)) {
    if (protocols.size > 0 && !protocols.has(name)) errors.push({ path: `energy.estimate.protocols.${name}`, message: 'names no configured protocol' });
  }
  return errors;
}
