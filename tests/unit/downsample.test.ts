import { describe, it, expect } from 'vitest';
import { minMaxDownsample } from '../../server/analysis/downsample';

describe('minMaxDownsample', () => {
  it('returns short series untouched', () => {
    expect(minMaxDownsample([1, 2, 3], [4, 5, 6], 10)).toEqual({ x: [1, 2, 3], y: [4, 5, 6] });
  });

  it('keeps first, last and every spike within the budget', () => {
    const n = 200_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.exp(-i / 50_000) + 0.001 * Math.sin(i));
    y[123_457] = 42; // one spike
    y[77_777] = -5; // one dip
    const d = minMaxDownsample(x, y, 2000);
    expect(d.x.length).toBeLessThanOrEqual(2000);
    expect(d.x.length).toBeGreaterThan(1500);
    expect(d.x[0]).toBe(0);
    expect(d.x.at(-1)).toBe(n - 1);
    expect(d.y).toContain(42);
    expect(d.y).toContain(-5);
    expect(d.x[d.x.indexOf(123_457)]).toBe(123_457);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]).toBeGreaterThan(d.x[i - 1]);
    const max = (a: number[]) => a.reduce((m, v) => (v > m ? v : m), -Infinity);
    const min = (a: number[]) => a.reduce((m, v) => (v < m ? v : m), Infinity);
    expect(max(d.y)).toBe(max(y));
    expect(min(d.y)).toBe(min(y));
  });

  it('handles uneven x spacing (restart gaps) without losing the ends of each cluster', () => {
    const x = [...Array.from({ length: 5000 }, (_, i) => i), ...Array.from({ length: 5000 }, (_, i) => 1e6 + i)];
    const y = x.map((v) => (v < 1e6 ? 1 : 2));
    const d = minMaxDownsample(x, y, 100);
    expect(d.x.length).toBeLessThanOrEqual(100);
    expect(d.y).toContain(1);
    expect(d.y).toContain(2);
  });
});
