import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../domain/sample.js';
import { createEventBus } from './events.js';

const snapshot = (time: number) => ({ time, totalUsdPerHour: 1, host: {}, protocols: [] }) as unknown as Snapshot;

describe('app event bus', () => {
  it('delivers each event to every subscriber of its topic, in subscription order, and only to them', () => {
    const bus = createEventBus();
    const seen: string[] = [];
    bus.on('metrics', (s) => void seen.push(`a:${s.time}`));
    bus.on('metrics', (s) => void seen.push(`b:${s.time}`));
    bus.on('operations', () => void seen.push('operations'));
    bus.emit('metrics', snapshot(1));
    expect(seen).toEqual(['a:1', 'b:1']);
  });

  it('stops delivering after unsubscribe, also when a subscriber unsubscribes while an event is delivered', () => {
    const bus = createEventBus();
    const seen: number[] = [];
    const off = bus.on('metrics', (s) => {
      seen.push(s.time);
      off();
    });
    bus.on('metrics', (s) => void seen.push(s.time * 10));
    bus.emit('metrics', snapshot(1));
    bus.emit('metrics', snapshot(2));
    expect(seen).toEqual([1, 10, 20]);
    expect(bus.listenerCount('metrics')).toBe(1);
  });

  it('keeps delivering to the other subscribers when one throws or rejects, and logs the failure with its topic', async () => {
    const warnings: unknown[] = [];
    const bus = createEventBus({ log: { warn: (obj: unknown) => void warnings.push(obj) } as never });
    const seen: number[] = [];
    bus.on('metrics', () => {
      throw new Error('boom');
    });
    bus.on('metrics', async () => {
      throw new Error('async boom');
    });
    bus.on('metrics', (s) => void seen.push(s.time));
    expect(() => bus.emit('metrics', snapshot(3))).not.toThrow();
    expect(seen).toEqual([3]);
    await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual([
      { topic: 'metrics', err: 'boom' },
      { topic: 'metrics', err: 'async boom' },
    ]);
  });
});
