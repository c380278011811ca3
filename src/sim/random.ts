/**
 * Deterministic randomness for the simulators. Values are pure functions of (seed, stream, index), so what a
 * simulator earns at a given simulated time never depends on how often it was asked.
 */

/** 32-bit integer hash (a murmur3 finalizer over a combined key). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Uniform in [0, 1). */
export function uniform(...parts: number[]): number {
  return hash32(...parts) / 4294967296;
}

/** Standard normal (Box-Muller over two hashed uniforms). */
export function gaussian(...parts: number[]): number {
  const u = Math.max(1e-12, uniform(...parts, 1));
  const v = uniform(...parts, 2);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** mulberry32: a small seeded PRNG for sequences (tokens, ids). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
