// Server-side downsampling that keeps what matters on a training curve: the first and last points and
// every spike (per-bucket min and max, in x order). Non-finite values are never averaged away: the
// caller reports them separately.

export interface XY {
  x: number[];
  y: number[];
}

/**
 * Reduces (x, y) — sorted by x, finite y — to at most `maxPoints` points: the range is cut into
 * equal-width x buckets and each bucket keeps its min and its max (in their original order).
 */
export function minMaxDownsample(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): XY {
  const n = x.length;
  if (n <= maxPoints || maxPoints < 4) return { x: Array.from(x), y: Array.from(y) };
  const outX: number[] = [x[0]];
  const outY: number[] = [y[0]];
  const buckets = Math.floor((maxPoints - 2) / 2);
  const x0 = x[0];
  const span = x[n - 1] - x0;
  let i = 1;
  const last = n - 1;
  for (let b = 0; b < buckets && i < last; b++) {
    const edge = b === buckets - 1 ? Infinity : x0 + (span * (b + 1)) / buckets;
    let minI = -1;
    let maxI = -1;
    while (i < last && x[i] <= edge) {
      if (minI < 0 || y[i] < y[minI]) minI = i;
      if (maxI < 0 || y[i] > y[maxI]) maxI = i;
      i++;
    }
    if (minI < 0) continue;
    const a = Math.min(minI, maxI);
    const c = Math.max(minI, maxI);
    outX.push(x[a]);
    outY.push(y[a]);
    if (c !== a) {
      outX.push(x[c]);
      outY.push(y[c]);
    }
  }
  outX.push(x[last]);
  outY.push(y[last]);
  return { x: outX, y: outY };
}
