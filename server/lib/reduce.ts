// Reductions over arrays that grow with the data. Never `Math.max(...xs)`: spreading 100k+ values into
// arguments overflows the call stack.

/** Largest value (NaN skipped); -Infinity for none. */
export function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
}

/** Smallest value (NaN skipped); Infinity for none. */
export function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m) m = xs[i];
  return m;
}
