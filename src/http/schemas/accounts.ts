import { type Static, Type } from '@sinclair/typebox';
import { IsoTime, RoleSchema } from '../routes/auth/schemas.js';

/** Users and API keys as the API shows them (never a password hash or a key's secret, except once at creation). */

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: RoleSchema,
  disabled: Type.Boolean(),
  createdAt: IsoTime,
});
export type User = Static<typeof UserSchema>;

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'Visible start of the key, e.g. orcha_ab12cd34.' }),
  role: RoleSchema,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoTime,
  lastUsedAt: Type.Union([IsoTime, Type.Null()]),
  revokedAt: Type.Union([IsoTime, Type.Null()]),
});
export type ApiKey = Static<typeof ApiKeySchema>;

export const CreatedApiKeySchema = Type.Composite([ApiKeySchema, Type.Object({ key: Type.String({ description: 'The whole key. Shown once.' }) })]);
export type CreatedApiKey = Static<typeof CreatedApiKeySchema>;
