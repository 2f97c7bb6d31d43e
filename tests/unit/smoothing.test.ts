import { describe, it, expect } from 'vitest';
import { debiasedEma, percentileRange } from '../../server/analysis/smoothing';

describe('debiasedEma', () => {
  it('starts at the first value (debiased), converges to a constant, and is the identity at weight 0', () => {
    expect(debiasedEma([5, 5, 5], 0.6)).toEqual([5, 5, 5].map(() => expect.closeTo(5, 12)));
    expect(debiasedEma([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = debiasedEma([0, 10], 0.5);
    expect(s[0]).toBe(0);
    // last = 0.5*0 + 0.5*10 = 5 (after 0: 0) → 5 / (1 - 0.25) = 6.666…
    expect(s[1]).toBeCloseTo(20 / 3, 12);
  });

  it('lets NaN/Inf through without poisoning later values', () => {
    const s = debiasedEma([1, NaN, 1, Infinity, 1], 0.9);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[3]).toBe(Infinity);
    expect(s[4]).toBeCloseTo(1, 12);
  });
});

describe('percentileRange', () => {
  it('cuts the tails', () => {
    const v = Array.from({ length: 101 }, (_, i) => i);
    v.push(1e9);
    const r = percentileRange(v)!;
    expect(r.max).toBeLessThan(100);
    expect(r.min).toBeGreaterThan(0);
    expect(percentileRange([NaN])).toBeNull();
  });
});
