import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRateLimitStore } from '@/lib/rate-limit/memory';

/** The fixed-window counters of one instance (RateLimitStore in lib/rate-limit/store.ts). */

const T0 = 1_700_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => vi.useRealTimers());

describe('MemoryRateLimitStore', () => {
  it('counts hits in a window that ends windowSeconds after the first', async () => {
    const store = new MemoryRateLimitStore();
    expect(await store.hit('k', 60)).toEqual({ count: 1, resetAt: T0 + 60_000 });
    vi.setSystemTime(T0 + 59_999);
    // Later hits do not move the end of the window (fixed, not sliding).
    expect(await store.hit('k', 60)).toEqual({ count: 2, resetAt: T0 + 60_000 });
  });

  it('starts a new window at the exact end of the old one', async () => {
    const store = new MemoryRateLimitStore();
    await store.hit('k', 60);
    await store.hit('k', 60);
    vi.setSystemTime(T0 + 60_000);
    expect(await store.hit('k', 60)).toEqual({ count: 1, resetAt: T0 + 120_000 });
  });

  it('keeps keys apart', async () => {
    const store = new MemoryRateLimitStore();
    await store.hit('login:ip:1', 60);
    await store.hit('login:ip:1', 60);
    expect((await store.hit('login:ip:2', 60)).count).toBe(1);
    expect((await store.hit('login:email:1', 60)).count).toBe(1);
  });

  it('hands out copies: changing an answer changes no counter', async () => {
    const store = new MemoryRateLimitStore();
    const first = await store.hit('k', 60);
    first.count = 0;
    first.resetAt = 0;
    expect(await store.peek('k')).toEqual({ count: 1, resetAt: T0 + 60_000 });
    const peeked = (await store.peek('k'))!;
    peeked.count = 99;
    expect((await store.hit('k', 60)).count).toBe(2);
  });

  it('peeks without counting, and sees nothing before the first hit or after the window', async () => {
    const store = new MemoryRateLimitStore();
    expect(await store.peek('k')).toBeNull();
    await store.hit('k', 60);
    expect(await store.peek('k')).toEqual({ count: 1, resetAt: T0 + 60_000 });
    expect(await store.peek('k')).toEqual({ count: 1, resetAt: T0 + 60_000 });
    vi.setSystemTime(T0 + 60_000);
    expect(await store.peek('k')).toBeNull();
  });

  it('gives back one hit, never below zero', async () => {
    const store = new MemoryRateLimitStore();
    await store.hit('k', 60);
    await store.hit('k', 60);
    await store.giveBack('k');
    expect((await store.peek('k'))!.count).toBe(1);
    await store.giveBack('k');
    await store.giveBack('k');
    expect((await store.peek('k'))!.count).toBe(0);
    expect((await store.hit('k', 60)).count).toBe(1);
  });

  it('gives nothing back to an unknown key or to an ended window', async () => {
    const store = new MemoryRateLimitStore();
    await store.giveBack('never');
    expect(await store.peek('never')).toBeNull();
    await store.hit('k', 60);
    vi.setSystemTime(T0 + 60_000);
    await store.giveBack('k');
    // The next window starts from one, not from zero minus a stale give-back.
    expect((await store.hit('k', 60)).count).toBe(1);
  });

  it('drops ended windows once it holds more than 10,000 keys, and keeps live ones', async () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i <= 10_000; i += 1) await store.hit(`old:${i}`, 1);
    await store.hit('live', 3600);
    await store.hit('live', 3600);
    const windows = (store as unknown as { windows: Map<string, unknown> }).windows;
    expect(windows.size).toBe(10_002);
    vi.setSystemTime(T0 + 1_000);
    await store.hit('new', 60);
    expect(windows.size).toBe(2);
    expect((await store.peek('live'))!.count).toBe(2);
  });
});
