/**
 * Protocol name <-> small integer id, so each protocol row carries a 1-byte key instead of a name. Names are cached
 * for the ingest path; reads reload the (tiny) table so another process's new protocols are seen, or, on the history
 * path, reuse the cache while the table's largest id shows nothing new (rows are only ever inserted, with growing ids).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface ProtocolInfo {
  id: number;
  name: string;
  type: string;
  token: string;
}

export interface ProtocolIds {
  /** Ids for these protocols, inserting unknown names and refreshing a changed type or token. */
  resolve(protocols: { name: string; type: string; token: string }[]): Promise<Map<string, number>>;
  /** All protocols by id (fresh from the database). */
  all(): Promise<Map<number, ProtocolInfo>>;
  /**
   * All protocols by id, from memory when `maxId` (the table's current largest id) shows no new row since the last
   * load. Ids and names never change once written; type and token may lag another process's update.
   */
  known(maxId: number | null): Promise<Map<number, ProtocolInfo>>;
  /** Id of one protocol name, or null when it was never recorded. */
  idOf(name: string): Promise<number | null>;
}

export function createProtocolIds(db: Kysely<Database>): ProtocolIds {
  const byName = new Map<string, ProtocolInfo>();
  let loaded: { maxId: number | null; byId: Map<number, ProtocolInfo> } | null = null;

  async function reload(): Promise<Map<number, ProtocolInfo>> {
    const rows = await db.selectFrom('protocols').select(['id', 'name', 'type', 'token']).execute();
    const byId = new Map<number, ProtocolInfo>();
    let maxId: number | null = null;
    for (const row of rows) {
      const info = { id: Number(row.id), name: row.name, type: row.type, token: row.token };
      byName.set(info.name, info);
      byId.set(info.id, info);
      maxId = Math.max(maxId ?? info.id, info.id);
    }
    loaded = { maxId, byId };
    return new Map(byId);
  }

  return {
    async resolve(protocols) {
      const ids = new Map<string, number>();
      let reloaded = false;
      for (const p of protocols) {
        let known = byName.get(p.name);
        if (!known && !reloaded) {
          await reload();
          reloaded = true;
          known = byName.get(p.name);
        }
        if (!known) {
          // ON CONFLICT: another process may insert the same name between our read and our write.
          await db
            .insertInto('protocols')
            .values({ name: p.name, type: p.type, token: p.token })
            .onConflict((oc) => oc.column('name').doNothing())
            .execute();
          await reload();
          known = byName.get(p.name);
          if (!known) throw new Error(`protocol ${p.name} could not be registered`);
        }
        if (known.type !== p.type || known.token !== p.token) {
          await db.updateTable('protocols').set({ type: p.type, token: p.token }).where('id', '=', known.id).execute();
          known.type = p.type;
          known.token = p.token;
        }
        ids.set(p.name, known.id);
      }
      return ids;
    },
    all: reload,
    async known(maxId) {
      if (loaded && loaded.maxId === maxId) return new Map(loaded.byId);
      return reload();
    },
    async idOf(name) {
      const row = await db.selectFrom('protocols').select('id').where('name', '=', name).executeTakeFirst();
      return row ? Number(row.id) : null;
    },
  };
}
