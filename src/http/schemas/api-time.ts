import { Kind, OptionalKind, type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * Domain objects carry epoch milliseconds; the API speaks ISO 8601 UTC strings. These two functions make the
 * API schema and the API value from the domain ones, so the domain schemas stay the single source.
 */

/** Fields that hold a time: epoch ms in the domain, ISO 8601 UTC on the wire. */
export const TIME_KEY_NAMES = [
  'time',
  'createdAt',
  'updatedAt',
  'acknowledgedAt',
  'resolvedAt',
  'startedAt',
  'finishedAt',
  'appliedAt',
  'lastPollAt',
  'lastTickAt',
  'lastSuccessAt',
  'lastReadingAt',
  'nodeHealthAt',
  'generatedAt',
  'sentAt',
  'from',
  'to',
] as const;
export type TimeKey = (typeof TIME_KEY_NAMES)[number];
export const TIME_KEYS: ReadonlySet<string> = new Set<string>(TIME_KEY_NAMES);

/**
 * The type of `toApi(value)`: what the compiler checks a route's answer against. Time fields (by name) that hold a
 * number become ISO strings; everything else keeps its type, recursively.
 */
export type ApiValue<T> = T extends readonly (infer U)[]
  ? ApiValue<U>[]
  : T extends object
    ? { [K in keyof T]: K extends TimeKey ? ApiTime<T[K]> : ApiValue<T[K]> }
    : T;
type ApiTime<V> = V extends number ? string : ApiValue<V>;

const isoString = () => Type.String({ format: 'date-time' });

function isNumberSchema(s: TSchema): boolean {
  return s[Kind] === 'Number' || s[Kind] === 'Integer';
}

function convertTimeProperty(s: TSchema): TSchema | null {
  if (isNumberSchema(s)) return isoString();
  if (s[Kind] === 'Union' && Array.isArray(s.anyOf) && s.anyOf.some(isNumberSchema)) {
    return Type.Union((s.anyOf as TSchema[]).map((x) => (isNumberSchema(x) ? isoString() : x)));
  }
  return null;
}

/** The domain schema with every time field (by name, when it is a number) turned into an ISO date-time string. */
export function apiSchema<T extends TSchema>(schema: T): TUnsafe<ApiValue<Static<T>>> {
  const walk = (s: TSchema): TSchema => {
    switch (s[Kind]) {
      case 'Object': {
        const props: Record<string, TSchema> = {};
        for (const [key, value] of Object.entries(s.properties as Record<string, TSchema>)) {
          const converted = TIME_KEYS.has(key) ? convertTimeProperty(value) : null;
          const api = converted ?? walk(value);
          // An optional property stays optional (rebuilding it would otherwise make it required).
          props[key] = value[OptionalKind] === 'Optional' && api[OptionalKind] !== 'Optional' ? Type.Optional(api) : api;
        }
        const { properties: _p, required: _r, ...rest } = s as Record<string, unknown>;
        const options = Object.fromEntries(Object.entries(rest).filter(([k]) => typeof k === 'string' && k !== 'type'));
        const out = Type.Object(props, options);
        return out;
      }
      case 'Array':
        return Type.Array(walk(s.items as TSchema), { ...(s.minItems !== undefined ? { minItems: s.minItems } : {}) });
      case 'Union':
        return Type.Union((s.anyOf as TSchema[]).map(walk));
      case 'Record': {
        const values = Object.values(s.patternProperties as Record<string, TSchema>)[0];
        return Type.Record(Type.String(), walk(values));
      }
      default:
        return s;
    }
  };
  return walk(schema) as TUnsafe<ApiValue<Static<T>>>;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A copy of a domain value with epoch-ms time fields (by name) written as ISO 8601 strings. */
export function toApi<T>(value: T): ApiValue<T> {
  return toApiValue(value) as ApiValue<T>;
}

function toApiValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toApiValue);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = TIME_KEYS.has(k) && typeof v === 'number' && Number.isFinite(v) ? iso(v) : toApiValue(v);
    }
    return out;
  }
  return value;
}
