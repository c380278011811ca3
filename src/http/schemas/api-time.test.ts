import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { apiSchema, toApi } from './api-time.js';

describe('apiSchema', () => {
  const Domain = Type.Object({
    createdAt: Type.Number(),
    name: Type.String(),
    extra: Type.Optional(Type.Object({ from: Type.Number(), value: Type.Number() })),
  });
  const api = apiSchema(Domain) as unknown as {
    required: string[];
    properties: Record<string, { type: string; format?: string; required?: string[]; properties?: Record<string, { format?: string }> }>;
  };

  it('turns time fields into ISO strings, in nested objects too', () => {
    expect(api.properties.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(api.properties.extra?.properties?.from).toMatchObject({ format: 'date-time' });
    expect(toApi({ createdAt: 0, name: 'a' })).toEqual({ createdAt: '1970-01-01T00:00:00.000Z', name: 'a' });
  });

  it('keeps optional properties optional and required ones required', () => {
    expect(api.required.sort()).toEqual(['createdAt', 'name']);
    expect(api.properties.extra?.required?.sort()).toEqual(['from', 'value']);
  });
});
