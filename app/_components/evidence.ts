// Reading a stored finding's evidence for the diagnosis panel. Evidence is JSON from the database:
// `signals` is checked element by element (findings stored before it existed have none, and JSON
// turns a NaN or ±Infinity value into null), and the top-level scalars are the fallback summary.
import type { Signal } from '@/server/analysis/types';

/** A signal as it comes back from JSON: a non-finite value was written as null. */
export type StoredSignal = Omit<Signal, 'value'> & { value: number | string | null };

export type Scalar = number | string | boolean | null;

function isSignal(x: unknown): x is StoredSignal {
  if (!x || typeof x !== 'object') return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.signal === 'string' &&
    (typeof s.value === 'number' || typeof s.value === 'string' || s.value === null) &&
    typeof s.threshold === 'string' &&
    (typeof s.step === 'number' || s.step === null) &&
    typeof s.fired === 'boolean'
  );
}

/** The well-formed entries of `evidence.signals`; [] when there is no such list. */
export function readSignals(evidence: Record<string, unknown>): StoredSignal[] {
  const s = evidence.signals;
  return Array.isArray(s) ? s.filter(isSignal) : [];
}

/** Top-level fields holding a scalar, in stored order (objects and arrays are left to the raw view). */
export function scalarFields(evidence: Record<string, unknown>): [string, Scalar][] {
  const out: [string, Scalar][] = [];
  for (const [k, v] of Object.entries(evidence)) {
    if (k === 'signals') continue;
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out.push([k, v]);
  }
  return out;
}

/** A number with `digits` significant digits; integers below 10⁶ (steps, counts) as they are. */
export function fmtSig(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a >= 1e6 || a < 1e-3) {
    // 1.500e-4 → 1.5e-4
    const [m, e] = v.toExponential(digits - 1).split('e');
    return `${m.includes('.') ? m.replace(/\.?0+$/, '') : m}e${e.replace('+', '')}`;
  }
  return String(Number(v.toPrecision(digits)));
}

/** A signal's value: numbers to ~4 significant digits, strings as they are. */
export function fmtSignalValue(v: StoredSignal['value']): string {
  if (v === null) return 'NaN/∞';
  return typeof v === 'number' ? fmtSig(v) : v;
}

/** A scalar evidence field. */
export function fmtScalar(v: Scalar): string {
  if (v === null) return '—';
  if (typeof v === 'number') return fmtSig(v);
  return String(v);
}

/** A step with thousands separators, the same in every locale. */
export function fmtStep(step: number | null): string {
  return step === null ? '—' : step.toLocaleString('en-US');
}
