import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Small JSON documents the engine keeps across restarts, by key; the caller validates what it reads back. */
export interface EngineStateRepository {
  get(key: string): Promise<unknown | null>;
  put(key: string, value: unknown, at: number): Promise<void>;
}

export function createEngineStateRepository(db: Kysely<Database>): EngineStateRepository {
  return {
    async get(key) {
      const row = await db.selectFrom('engine_state').select('value_json').where('key', '=', key).executeTakeFirst();
      if (!row) return null;
      try {
        return JSON.parse(row.value_json) as unknown;
      } catch {
        return null;
      }
    },
    async put(key, value, at) {
      const valueJson = JSON.stringify(value);
      await db
        .insertInto('engine_state')
        .values({ key, value_json: valueJson, updated_at: at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value_json: valueJson, updated_at: at }))
        .execute();
    },
  };
}
