// Robust statistics for curve diagnosis (docs/diagnosis-rules.md §2): block medians, MAD noise scale,
// Mann–Kendall with autocorrelation-corrected variance, Theil–Sen slope, turning-point test, lag-1
// autocorrelation, periodogram peaks. Pure functions over numeric arrays; non-finite values are skipped
// where a statistic cannot use them.
import type { Blocks } from './types';

type Num = ArrayLike<number>;

const scratch = { buf: new Float64Array(1024) };
function buffer(n: number): Float64Array {
  if (scratch.buf.length < n) scratch.buf = new Float64Array(Math.max(n, scratch.buf.length * 2));
  return scratch.buf;
}

/** Median of the finite values in a[from, to). NaN when there are none. */
export function median(a: Num, from = 0, to = a.length): number {
  const b = buffer(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (Number.isFinite(v)) b[n++] = v;
  }
  if (n === 0) return NaN;
  const s = b.subarray(0, n).sort();
  return n % 2 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/** Median of buf[0, n) (n ≥ 1), sorting that prefix in place: insertion sort, for the small blocks of the hot loops. */
function smallMedianInPlace(buf: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const v = buf[i];
    let j = i - 1;
    while (j >= 0 && buf[j] > v) {
      buf[j + 1] = buf[j];
      j--;
    }
    buf[j + 1] = v;
  }
  return n % 2 ? buf[(n - 1) >> 1] : 0.5 * (buf[n / 2 - 1] + buf[n / 2]);
}

/** q-quantile (linear interpolation) of the finite values. */
export function quantile(a: Num, q: number, from = 0, to = a.length): number {
  const b = buffer(to - from);
  let n = 0;
  for (let i = from; i < to; i++) if (Number.isFinite(a[i])) b[n++] = a[i];
  if (n === 0) return NaN;
  const s = b.subarray(0, n).sort();
  const pos = Math.min(n - 1, Math.max(0, q * (n - 1)));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function mean(a: Num, from = 0, to = a.length): number {
  let s = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    if (Number.isFinite(a[i])) {
      s += a[i];
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Median absolute deviation (raw, not scaled). */
export function mad(a: Num, from = 0, to = a.length): number {
  const m = median(a, from, to);
  const d = new Float64Array(to - from);
  for (let i = from; i < to; i++) d[i - from] = Math.abs(a[i] - m);
  return median(d);
}

/** Robust s.d. of a series' noise: 1.4826 · MAD(Δx) / √2 (first differences, so a trend does not count). */
export function noiseScale(x: Num, from = 0, to = x.length): number {
  const n = to - from;
  if (n < 3) return NaN;
  const d = new Float64Array(n - 1);
  let k = 0;
  for (let i = from + 1; i < to; i++) {
    const v = x[i] - x[i - 1];
    if (Number.isFinite(v)) d[k++] = v;
  }
  if (k < 2) return NaN;
  return (1.4826 * mad(d.subarray(0, k))) / Math.SQRT2;
}

/**
 * Block statistics over k consecutive points (points must be sorted by step): median and max of the
 * finite values, the block's last step. This is the early down-sampling every detector works on.
 */
export function blockStats(steps: Num, values: Num, k: number, blockSteps: number): Blocks {
  const n = steps.length;
  const nb = Math.ceil(n / Math.max(1, k));
  const step = new Float64Array(nb);
  const med = new Float64Array(nb);
  const max = new Float64Array(nb);
  const tmp = new Float64Array(Math.max(1, k));
  for (let b = 0; b < nb; b++) {
    const from = b * k;
    const to = Math.min(n, from + k);
    let m = 0;
    let mx = -Infinity;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        tmp[m++] = v;
        if (v > mx) mx = v;
      }
    }
    step[b] = steps[to - 1];
    if (m === 0) {
      med[b] = NaN;
      max[b] = NaN;
      continue;
    }
    med[b] = smallMedianInPlace(tmp, m);
    max[b] = mx;
  }
  return { n: nb, step, med, max, blockSteps };
}

/**
 * Centred running median of width w (odd); windows shrink at the edges. A sorted sliding window
 * (binary-search insert / remove) keeps this O(n·w) without re-sorting. Non-finite values are skipped.
 */
export function runningMedian(x: Num, w: number): Float64Array {
  const n = x.length;
  const h = Math.max(0, Math.floor(w / 2));
  const out = new Float64Array(n);
  const win: number[] = [];
  const insert = (v: number) => {
    let lo = 0;
    let hi = win.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (win[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    win.splice(lo, 0, v);
  };
  const remove = (v: number) => {
    let lo = 0;
    let hi = win.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (win[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo < win.length && win[lo] === v) win.splice(lo, 1);
  };
  // window of i is [i − h, i + h]
  for (let j = 0; j <= Math.min(n - 1, h); j++) if (Number.isFinite(x[j])) insert(x[j]);
  for (let i = 0; i < n; i++) {
    const m = win.length;
    out[i] = m === 0 ? NaN : m % 2 ? win[(m - 1) >> 1] : 0.5 * (win[m / 2 - 1] + win[m / 2]);
    const add = i + h + 1;
    const drop = i - h;
    if (add < n && Number.isFinite(x[add])) insert(x[add]);
    if (drop >= 0 && Number.isFinite(x[drop])) remove(x[drop]);
  }
  return out;
}

/** Reduce to at most `max` points by block medians (for O(n²) statistics on long windows). */
export function compress(y: Num, max: number): Float64Array {
  const n = y.length;
  if (n <= max) return Float64Array.from(y as ArrayLike<number>);
  const k = Math.ceil(n / max);
  const m = Math.ceil(n / k);
  const out = new Float64Array(m);
  for (let b = 0; b < m; b++) out[b] = median(y, b * k, Math.min(n, (b + 1) * k));
  return out;
}

/** Theil–Sen slope per index step (median of pairwise slopes) and intercept (median of y − b·i). */
export function theilSen(y: Num): { slope: number; intercept: number } {
  const n = y.length;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) continue;
    for (let j = i + 1; j < n; j++) {
      if (!Number.isFinite(y[j])) continue;
      slopes.push((y[j] - y[i]) / (j - i));
    }
  }
  if (!slopes.length) return { slope: NaN, intercept: NaN };
  const slope = median(slopes);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = y[i] - slope * i;
  return { slope, intercept: median(r) };
}

/** Lag-1 autocorrelation of the finite values (mean removed). */
export function lag1(r: Num): number {
  const n = r.length;
  const m = mean(r);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(r[i])) continue;
    const d = r[i] - m;
    den += d * d;
    if (i > 0 && Number.isFinite(r[i - 1])) num += d * (r[i - 1] - m);
  }
  return den > 0 ? num / den : 0;
}

/** Standard normal CDF (Abramowitz–Stegun 26.2.17, |error| < 7.5e-8). */
export function normCdf(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 1 : 0;
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z > 0 ? 1 - p : p;
}

export interface MannKendall {
  n: number;
  s: number;
  varS: number;
  /** corrected for autocorrelation */
  z: number;
  tau: number;
  /** variance inflation factor applied (n/n*) */
  inflation: number;
  /** Theil–Sen slope per index */
  slope: number;
}

/**
 * Mann–Kendall trend test. Var(S) with the tie correction, then inflated for serial correlation:
 * 'ar1' (default) multiplies by (1+ρ̂₁)/(1−ρ̂₁), ρ̂₁ = lag-1 autocorrelation of the Sen-detrended
 * residuals clipped to [0, 0.95] (rules §2.3); 'hamed-rao' uses n/n* from the significant lag-k
 * autocorrelations of the ranks of the detrended series. z < 0 means decreasing.
 */
export function mannKendall(yIn: Num, correction: 'ar1' | 'hamed-rao' | 'none' = 'ar1', maxN = 200): MannKendall {
  const y = compress(yIn, maxN);
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const yi = y[i];
    if (!Number.isFinite(yi)) continue;
    for (let j = i + 1; j < n; j++) {
      const d = y[j] - yi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  // ties
  const sorted = Float64Array.from(y).filter(Number.isFinite).sort();
  let tieTerm = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  let varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const { slope } = theilSen(y);
  let inflation = 1;
  if (correction !== 'none' && n >= 6 && Number.isFinite(slope)) {
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = y[i] - slope * i;
    if (correction === 'ar1') {
      const rho = Math.min(0.95, Math.max(0, lag1(r)));
      inflation = (1 + rho) / (1 - rho);
    } else {
      inflation = hamedRaoFactor(r);
    }
  }
  varS *= inflation;
  const z = varS > 0 ? (s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0) : 0;
  return { n, s, varS, z, tau: n > 1 ? s / ((n * (n - 1)) / 2) : 0, inflation, slope };
}

/** Hamed & Rao (1998) n/n*: from the significant autocorrelations of the ranks of the detrended series. */
export function hamedRaoFactor(r: Num): number {
  const n = r.length;
  if (n < 4) return 1;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => r[a] - r[b]);
  const rank = new Float64Array(n);
  idx.forEach((i, k) => (rank[i] = k + 1));
  const m = (n + 1) / 2;
  let den = 0;
  for (let i = 0; i < n; i++) den += (rank[i] - m) ** 2;
  const crit = 1.96 / Math.sqrt(n);
  let sum = 0;
  for (let k = 1; k < n - 2; k++) {
    let num = 0;
    for (let i = k; i < n; i++) num += (rank[i] - m) * (rank[i - k] - m);
    const rho = num / den;
    if (Math.abs(rho) > crit) sum += (n - k) * (n - k - 1) * (n - k - 2) * rho;
  }
  const f = 1 + (2 / (n * (n - 1) * (n - 2))) * sum;
  return Math.max(1, f);
}

/** Turning-point test: T, its i.i.d. expectation 2(n−2)/3 and z = (T − E)/√((16n−29)/90). */
export function turningPoints(r: Num): { t: number; expected: number; z: number; rate: number } {
  const n = r.length;
  let t = 0;
  for (let i = 1; i < n - 1; i++) {
    const a = r[i - 1];
    const b = r[i];
    const c = r[i + 1];
    if ((b > a && b > c) || (b < a && b < c)) t++;
  }
  const expected = (2 * (n - 2)) / 3;
  const sd = Math.sqrt((16 * n - 29) / 90);
  return { t, expected, z: n > 3 ? (t - expected) / sd : 0, rate: n > 2 ? t / (n - 2) : 0 };
}

/** Least squares y = a + b·x (x defaults to the index), with R². */
export function ols(y: Num, x?: Num): { slope: number; intercept: number; r2: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const xi = x ? x[i] : i;
    if (!Number.isFinite(y[i]) || !Number.isFinite(xi)) continue;
    sx += xi;
    sy += y[i];
    n++;
  }
  if (n < 2) return { slope: NaN, intercept: NaN, r2: NaN };
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < y.length; i++) {
    const xi = x ? x[i] : i;
    if (!Number.isFinite(y[i]) || !Number.isFinite(xi)) continue;
    sxx += (xi - mx) ** 2;
    sxy += (xi - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 0 };
}

/** Residuals of a quadratic least-squares fit over the index. */
export function detrendQuadratic(y: Num): Float64Array {
  const n = y.length;
  // orthogonal polynomials on 0..n-1 keep this stable
  const t = new Float64Array(n);
  const m = (n - 1) / 2;
  for (let i = 0; i < n; i++) t[i] = i - m;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    s2 += t[i] ** 2;
    s3 += t[i] ** 3;
  }
  // p2 = t² − (s3/s2)·t − s2/n
  const c1 = s2 > 0 ? s3 / s2 : 0;
  const c0 = s2 / n;
  const p2 = new Float64Array(n);
  let s22 = 0;
  for (let i = 0; i < n; i++) {
    p2[i] = t[i] * t[i] - c1 * t[i] - c0;
    s22 += p2[i] ** 2;
  }
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  for (let i = 0; i < n; i++) {
    a0 += y[i];
    a1 += y[i] * t[i];
    a2 += y[i] * p2[i];
  }
  a0 /= n;
  a1 = s2 > 0 ? a1 / s2 : 0;
  a2 = s22 > 0 ? a2 / s22 : 0;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = y[i] - a0 - a1 * t[i] - a2 * p2[i];
  return r;
}

/** Clip to median ± c·(robust s.d.), so a single spike cannot dominate a spectrum or a correlation. */
export function winsorize(r: Num, c = 4): Float64Array {
  const m = median(r);
  const s = 1.4826 * mad(r);
  const out = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) {
    const v = Number.isFinite(r[i]) ? r[i] : m;
    out[i] = s > 0 ? Math.min(m + c * s, Math.max(m - c * s, v)) : v;
  }
  return out;
}

/** Periodogram I(f) = |Σ r_t e^{−2πift}|² / n at frequencies f (cycles per sample). Mean removed. */
export function periodogramAt(r: Num, freqs: Num): Float64Array {
  const n = r.length;
  const m = mean(r);
  const out = new Float64Array(freqs.length);
  for (let k = 0; k < freqs.length; k++) {
    const w = 2 * Math.PI * freqs[k];
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let c = 1;
    let s = 0;
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const v = r[t] - m;
      re += v * c;
      im -= v * s;
      const c2 = c * cw - s * sw;
      s = s * cw + c * sw;
      c = c2;
    }
    out[k] = (re * re + im * im) / n;
  }
  return out;
}

/** Periodogram at the Fourier frequencies k/n, k = 1..⌊(n−1)/2⌋ (0 and Nyquist excluded). */
export function periodogram(r: Num): Float64Array {
  const n = r.length;
  const m = Math.floor((n - 1) / 2);
  const f = new Float64Array(m);
  for (let k = 1; k <= m; k++) f[k - 1] = k / n;
  return periodogramAt(r, f);
}

/** Fisher's g = max I_k / Σ I_k with its exact p-value Σ_j (−1)^{j−1} C(m,j) (1 − j g)^{m−1}. */
export function fisherG(I: Num): { g: number; k: number; p: number } {
  const m = I.length;
  let sum = 0;
  let best = 0;
  let k = 0;
  for (let i = 0; i < m; i++) {
    sum += I[i];
    if (I[i] > best) {
      best = I[i];
      k = i;
    }
  }
  if (sum <= 0 || m < 2) return { g: 0, k, p: 1 };
  const g = best / sum;
  let p = 0;
  let logC = 0;
  for (let j = 1; j <= Math.floor(1 / g) && j <= m; j++) {
    logC += Math.log(m - j + 1) - Math.log(j);
    const base = 1 - j * g;
    if (base <= 0) break;
    p += (j % 2 ? 1 : -1) * Math.exp(logC + (m - 1) * Math.log(base));
  }
  return { g, k, p: Math.min(1, Math.max(0, p)) };
}

export interface SpectralPeak {
  /** period in samples of the strongest line */
  period: number;
  /** peak ordinate / local background mean (≈ Exp(1) under a smooth spectrum) */
  ratio: number;
  /** approximate p-value for the max over the band: min(1, m_eff·e^{−ratio}) */
  p: number;
  /** amplitude of the sinusoid that would produce the peak: 2·√(I/n) */
  amplitude: number;
}

/**
 * Strongest line component relative to a smooth background spectrum, over periods in
 * [minPeriod, maxPeriod] samples. The background at each frequency is the median of the Fourier
 * ordinates within ±halfWidth bins (the peak's own ±1 bins excluded), divided by ln 2 — a
 * nonparametric whitening that handles red (AR) noise. Peaks are searched on a 2× oversampled grid.
 */
export function spectralPeak(r: Num, minPeriod: number, maxPeriod: number, halfWidth = 10): SpectralPeak | null {
  const n = r.length;
  const kMax = Math.floor((n - 1) / 2);
  if (kMax < 6) return null;
  const fLo = 1 / maxPeriod;
  const fHi = Math.min(1 / minPeriod, (kMax + 0.25) / n);
  // 2× oversampled periodogram: h/(2n), h = 1..2kMax (even h are the Fourier frequencies k/n)
  let I2: Float64Array;
  if ((n & (n - 1)) === 0) I2 = oversampledPeriodogram(r);
  else {
    const f = Float64Array.from({ length: 2 * kMax + 1 }, (_, h) => h / (2 * n));
    I2 = periodogramAt(r, f);
  }
  const fourier = (k: number) => I2[2 * k];
  // background at each Fourier bin: median of the ordinates within ±halfWidth, the bin's ±1 excluded
  const bgK = new Float64Array(kMax + 2).fill(NaN);
  const buf = new Float64Array(2 * halfWidth + 2);
  const kLo = Math.max(1, Math.floor(fLo * n) - 1);
  const kHi = Math.min(kMax, Math.ceil(fHi * n) + 1);
  for (let k = kLo; k <= kHi; k++) {
    let c = 0;
    for (let j = Math.max(1, k - halfWidth); j <= Math.min(kMax, k + halfWidth); j++) if (Math.abs(j - k) > 1) buf[c++] = fourier(j);
    if (c < 6) continue;
    bgK[k] = smallMedianInPlace(buf, c) / Math.LN2;
  }
  let best: SpectralPeak | null = null;
  let inBand = 0;
  for (let h = 2; h <= 2 * kMax; h++) {
    const f = h / (2 * n);
    if (f < fLo - 1e-12 || f > fHi + 1e-12) continue;
    inBand++;
    // between two Fourier bins, the larger of their backgrounds (conservative)
    const b = h % 2 === 0 ? bgK[h / 2] : Math.max(bgK[(h - 1) / 2], bgK[(h + 1) / 2]);
    if (!(b > 0)) continue;
    const ratio = I2[h] / b;
    if (!best || ratio > best.ratio) best = { period: 1 / f, ratio, p: 1, amplitude: 2 * Math.sqrt(I2[h] / n) };
  }
  if (best) best.p = Math.min(1, 1.5 * (inBand / 2) * Math.exp(-best.ratio));
  return best;
}

/**
 * Periodogram of a power-of-two-length series at h/(2n), h = 0..n, by a radix-2 FFT of the mean-removed
 * series zero-padded to 2n: I(h/(2n)) = |X_h|² / n.
 */
export function oversampledPeriodogram(r: Num): Float64Array {
  const n = r.length;
  const N = 2 * n;
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  const m = mean(r);
  for (let i = 0; i < n; i++) re[i] = Number.isFinite(r[i]) ? r[i] - m : 0;
  // bit reversal
  for (let i = 1, j = 0; i < N; i++) {
    let bit = N >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const t = re[i];
      re[i] = re[j];
      re[j] = t;
    }
  }
  for (let len = 2; len <= N; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < N; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
  const out = new Float64Array(n + 1);
  for (let h = 0; h <= n; h++) out[h] = (re[h] * re[h] + im[h] * im[h]) / n;
  return out;
}

/** Index of the minimum finite value in [from, to), or -1. */
export function argMin(a: Num, from = 0, to = a.length): number {
  let k = -1;
  for (let i = from; i < to; i++) if (Number.isFinite(a[i]) && (k < 0 || a[i] < a[k])) k = i;
  return k;
}

/** First index with step ≥ s in a sorted step array (binary search). */
export function lowerBound(steps: Num, s: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
