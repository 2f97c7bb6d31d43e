// TensorBoard's smoothing: an exponential moving average debiased for its zero start, restarted at
// each restart segment so a resumed job's curve does not inherit the old one's tail.

/** Debiased EMA of `y` with weight `w` in [0, 1); non-finite values pass through and do not pollute the average. */
export function debiasedEma(y: ArrayLike<number>, w: number): number[] {
  const out = new Array<number>(y.length);
  if (w <= 0) {
    for (let i = 0; i < y.length; i++) out[i] = y[i];
    return out;
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

/** 5th and 95th percentile of the finite values (TensorBoard's "ignore outliers in chart scaling"). */
export function percentileRange(values: number[], lo = 0.05, hi = 0.95): { min: number; max: number } | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
  return { min: at(lo), max: at(hi) };
}
