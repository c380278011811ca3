import { Type } from '@sinclair/typebox';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../auth/passwords.js';

export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], {
  description: 'viewer: read; operator: also reallocate, acknowledge, policies; admin: also config, users, keys.',
});

export const UsernameSchema = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'Letters, digits, . _ -' });
export const NewPasswordSchema = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });

export const TokenPairSchema = Type.Object({
  accessToken: Type.String({ description: 'JWT; send as `Authorization: Bearer <accessToken>`.' }),
  refreshToken: Type.String({ description: 'Opaque, single use: trade it at auth/refresh for a new pair.' }),
  expiresIn: Type.Integer({ description: 'Access token lifetime, seconds.' }),
});

export const LoginBodySchema = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
);

export const RefreshBodySchema = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

export const PrincipalSchema = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('apikey')]),
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
});

export const IdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const IsoTime = Type.String({ format: 'date-time' });
export const iso = (ms: number): string => new Date(ms).toISOString();
