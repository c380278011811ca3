/** Users, API keys and refresh tokens: everything authentication reads and writes. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { flag } from '../codec.js';
import type { ApiKeysTable, Database, RefreshTokensTable, UsersTable } from '../schema.js';
import type { ApiKeyRecord, RefreshTokenRecord, Role, UserRecord, UsersRepository } from '../types.js';

const num = (v: number | null) => (v == null ? null : Number(v));

function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role as Role,
    createdAt: Number(r.created_at),
    disabled: Number(r.disabled) === 1,
  };
}

function toApiKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    hash: r.hash,
    role: r.role as Role,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    lastUsedAt: num(r.last_used_at),
    revokedAt: num(r.revoked_at),
  };
}

function toRefreshToken(r: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: r.id,
    userId: r.user_id,
    hash: r.hash,
    expiresAt: Number(r.expires_at),
    createdAt: Number(r.created_at),
    usedAt: num(r.used_at),
    revokedAt: num(r.revoked_at),
  };
}

export function createUsersRepository(db: Kysely<Database>): UsersRepository {
  return {
    async create(u) {
      await db
        .insertInto('users')
        .values({
          id: u.id,
          username: u.username,
          password_hash: u.passwordHash,
          role: u.role,
          created_at: u.createdAt,
          disabled: flag(u.disabled),
        })
        .execute();
    },

    async findByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async findById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async list() {
      return (await db.selectFrom('users').selectAll().orderBy('created_at').orderBy('username').execute()).map(toUser);
    },

    async update(id, p) {
      const row: Updateable<UsersTable> = {};
      if (p.username !== undefined) row.username = p.username;
      if (p.passwordHash !== undefined) row.password_hash = p.passwordHash;
      if (p.role !== undefined) row.role = p.role;
      if (p.createdAt !== undefined) row.created_at = p.createdAt;
      if (p.disabled !== undefined) row.disabled = flag(p.disabled);
      if (Object.keys(row).length === 0) return;
      await db.updateTable('users').set(row).where('id', '=', id).execute();
    },

    async delete(id) {
      await db.deleteFrom('users').where('id', '=', id).execute();
    },

    async count() {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async createApiKey(k) {
      await db
        .insertInto('api_keys')
        .values({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          hash: k.hash,
          role: k.role,
          created_by: k.createdBy,
          created_at: k.createdAt,
          last_used_at: k.lastUsedAt,
          revoked_at: k.revokedAt,
        })
        .execute();
    },

    async findApiKeyByPrefix(prefix) {
      const row = await db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
      return row ? toApiKey(row) : null;
    },

    async listApiKeys() {
      return (await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(toApiKey);
    },

    async revokeApiKey(id, at) {
      const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async touchApiKey(id, at) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async createRefreshToken(t) {
      await db
        .insertInto('refresh_tokens')
        .values({
          id: t.id,
          user_id: t.userId,
          hash: t.hash,
          expires_at: t.expiresAt,
          created_at: t.createdAt,
          used_at: t.usedAt,
          revoked_at: t.revokedAt,
        })
        .execute();
    },

    async findRefreshToken(hash) {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? toRefreshToken(row) : null;
    },

    async consumeRefreshToken(id, at) {
      // One conditional UPDATE: of two concurrent refreshes with the same token exactly one changes the row.
      const r = await db
        .updateTable('refresh_tokens')
        .set({ used_at: at })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async revokeRefreshTokensOfUser(userId, at) {
      await db.updateTable('refresh_tokens').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    },
  };
}
