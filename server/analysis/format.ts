// Small shared helpers for the diagnosis' sentences, YAML and previews.

/** A number for humans and YAML: 0.001, 1e-06 style kept short. */
export function fmtNum(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(digits)));
}

/** Python literal for a float (1e-06 → 1e-06, 0.0005 → 0.0005). */
export function pyNum(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const s = fmtNum(v, 4);
  return s;
}

/**
 * A number for YAML 1.1 (PyYAML / OmegaConf read `1e-4` as a string): plain decimal notation,
 * 6 significant digits, no exponent.
 */
export function yamlNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const p = Number(v.toPrecision(6));
  const a = Math.abs(p);
  if (a >= 1e-4 && a < 1e15) return String(p);
  const decimals = Math.min(20, Math.max(0, 5 - Math.floor(Math.log10(a))));
  return p.toFixed(decimals).replace(/0+$/, '').replace(/\.$/, '.0');
}

/** Round to 6 significant digits (LRs in suggestion params: 1e-7, not 1.0000000000000001e-7). */
export function sig<T extends number | null>(v: T): T {
  return (v !== null && Number.isFinite(v) ? Number(v.toPrecision(6)) : v) as T;
}

/** 1st, 2nd, 3rd, 4th… */
export function ordinal(n: number): string {
  const m = n % 100;
  const suffix = m >= 11 && m <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

export function pct(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)}%`;
}

/** Up to `max` integer steps spanning [from, to], always including both ends and the given extra steps. */
export function previewSteps(from: number, to: number, extra: number[] = [], max = 400): number[] {
  const lo = Math.max(0, Math.floor(from));
  const hi = Math.max(lo, Math.ceil(to));
  const out = new Set<number>();
  const room = Math.max(2, max - 2 * extra.length);
  const n = Math.min(room, hi - lo + 1);
  for (let i = 0; i < n; i++) out.add(Math.round(lo + ((hi - lo) * i) / Math.max(1, n - 1)));
  for (const e of extra) {
    if (e - 1 >= lo && e - 1 <= hi) out.add(Math.round(e - 1));
    if (e >= lo && e <= hi) out.add(Math.round(e));
  }
  const arr = [...out].sort((a, b) => a - b);
  if (arr.length <= max) return arr;
  // keep the extra points, thin the rest
  const keep = new Set(extra.flatMap((e) => [Math.round(e) - 1, Math.round(e)]));
  const others = arr.filter((s) => !keep.has(s));
  const want = max - (arr.length - others.length);
  const stride = others.length / Math.max(1, want);
  const thinned = new Set<number>();
  for (let i = 0; i < want; i++) thinned.add(others[Math.min(others.length - 1, Math.floor(i * stride))]);
  thinned.add(lo);
  thinned.add(hi);
  return [...new Set([...thinned, ...arr.filter((s) => keep.has(s))])].sort((a, b) => a - b).slice(0, max);
}
