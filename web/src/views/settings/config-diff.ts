/**
 * What an edit of the configuration changes, key by key, so the operator sees it before saving. Objects are
 * compared by key; arrays of named items (protocols, policies, channels) by their `name`, so removing the second of
 * three protocols reads as one removal, not as two changes; other arrays by position.
 */

export type DiffKind = 'added' | 'removed' | 'changed';

export interface DiffLine {
  /** Dot path, array items by name in brackets: `protocols[storj].timeout`, `intervals.poll`. */
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function named(list: unknown[]): Map<string, unknown> | null {
  const out = new Map<string, unknown>();
  for (const item of list) {
    if (!isObj(item) || typeof item.name !== 'string' || out.has(item.name)) return null;
    out.set(item.name, item);
  }
  return out;
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

function walk(before: unknown, after: unknown, path: string, out: DiffLine[]): void {
  if (Object.is(before, after)) return;
  if (isObj(before) && isObj(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = join(path, key);
      if (!(key in after)) out.push({ path: p, kind: 'removed', before: before[key] });
      else if (!(key in before)) out.push({ path: p, kind: 'added', after: after[key] });
      else walk(before[key], after[key], p, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = named(before);
    const b = named(after);
    if (a && b) {
      for (const [name, item] of a) {
        const p = `${path}[${name}]`;
        if (!b.has(name)) out.push({ path: p, kind: 'removed', before: item });
        else walk(item, b.get(name), p, out);
      }
      for (const [name, item] of b) if (!a.has(name)) out.push({ path: `${path}[${name}]`, kind: 'added', after: item });
      return;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ path: p, kind: 'removed', before: before[i] });
      else if (i >= before.length) out.push({ path: p, kind: 'added', after: after[i] });
      else walk(before[i], after[i], p, out);
    }
    return;
  }
  out.push({ path, kind: 'changed', before, after });
}

/** The changes from `before` to `after`, in document order (an empty list: nothing changes). */
export function configDiff(before: unknown, after: unknown): DiffLine[] {
  const out: DiffLine[] = [];
  walk(before, after, '', out);
  return out;
}

/** A value as one short line: JSON, cut at `max` characters. */
export function shortValue(value: unknown, max = 120): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
