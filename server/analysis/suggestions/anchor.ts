// Where a suggestion's LRs come from (issue "Suggestions must be sane"). Never from the last logged LR:
// a run under an exploding schedule logs 1e12 there. From the LR in force before the finding's onset —
// what the run last trained with — pulled into the reference table's range for the batch size, with D at
// LaMa's G/10. The causes of an LR that was too high or still rising are named, so the title can say why.
import { fmtNum } from '../format';
import type { AnalysisInput } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { referenceLrRange } from './lrScaling';

export const LAMA_G_LR = 1e-3;
export const LAMA_D_LR = 1e-4;
/** LaMa's G:D LR ratio (default_optimizers.yaml: 1e-3 : 1e-4) */
export const LAMA_RATIO = 10;

export interface Anchor {
  onset: number;
  /** G / D LR in force just before the onset */
  before: LrPair;
  /** the reference row for the batch size (LaMa runs with a known batch size) */
  ref: { range: [number, number]; row: string; batch: number } | null;
  /** why there is no row, for the title ("batch size unknown") */
  noRef: string | null;
  lama: boolean;
  /** short phrases: why the LR was too high or still rising at the onset */
  causes: string[];
}

/** LRs a suggestion sets, with the words its title needs. */
export interface AnchoredLr extends LrPair {
  /** where the G LR comes from / why it is where it is ('' when it is simply the LR before onset × factor) */
  note: string;
  /** G is outside the table's band (range ÷ 2 … × 2); `note` says why */
  outside: boolean;
}

/** The acceptance band around a table row: the row's range, a factor of 2 either side. */
export function band(range: [number, number]): [number, number] {
  return [range[0] / 2, range[1] * 2];
}

const inBand = (lr: number, range: [number, number]) => lr >= band(range)[0] * (1 - 1e-9) && lr <= band(range)[1] * (1 + 1e-9);
const rangeText = (a: Anchor) => (a.ref ? `${fmtNum(a.ref.range[0])}–${fmtNum(a.ref.range[1])}` : '');

// ---------------------------------------------------------------------------------------------
// The run's configured scheduler, in words

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const specName = (o: Obj) => String(o.kind ?? o.name ?? o._target_ ?? o.type ?? o.class_path ?? '');

function specNum(o: Obj, key: string): number | null {
  for (const src of [o, o.kwargs, o.init_args]) {
    if (!isObj(src)) continue;
    const v = src[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return null;
}

export interface RunScheduler {
  path: string;
  text: string;
  name: string;
  gamma: number | null;
  perStep: boolean;
}

/** The first scheduler block in the run's config (stored keyed by its config path), described. */
export function runSchedulerOf(scheduler: unknown): RunScheduler | null {
  if (!isObj(scheduler)) return null;
  const entries: [string, Obj][] = specName(scheduler) ? [['scheduler', scheduler]] : Object.entries(scheduler).filter((e): e is [string, Obj] => isObj(e[1]));
  for (const [path, spec] of entries) {
    const full = specName(spec);
    if (!full) continue;
    const name = full.split('.').pop()!;
    const interval = String(spec.interval ?? (isObj(spec.kwargs) ? spec.kwargs.interval ?? '' : '')).toLowerCase();
    const perStep = interval === 'step';
    const args = ['gamma', 'step_size', 'milestones', 'T_max', 'T_0', 'T_mult', 'eta_min', 'total_iters', 'max_lr']
      .map((k) => {
        const src = [spec, spec.kwargs, spec.init_args].find((x) => isObj(x) && x[k] !== undefined) as Obj | undefined;
        const v = src?.[k];
        return v === undefined ? null : `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'number' ? fmtNum(v, 6) : String(v)}`;
      })
      .filter((x): x is string => x !== null);
    return { path, name, text: `${name}(${args.join(', ')})${interval ? `, stepped per ${perStep ? 'iteration' : interval}` : ''}`, gamma: specNum(spec, 'gamma'), perStep };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

/** Causes of an LR that is too high or still climbing at the onset, as short phrases for titles. */
function causesOf(input: AnalysisInput, ctx: SuggestionContext, onset: number, before: LrPair, ref: Anchor['ref']): string[] {
  const out: string[] = [];
  const rs = runSchedulerOf(input.run.context.scheduler);
  // a multiplicative schedule with gamma > 1 grows without bound
  if (rs && rs.gamma !== null && rs.gamma > 1) {
    const per = rs.perStep ? 'iteration' : 'epoch';
    out.push(`${rs.name}(gamma=${fmtNum(rs.gamma, 4)}) per ${per}: ×10 every ${Math.ceil(Math.log(10) / Math.log(rs.gamma))} ${per}s`);
  } else if (input.events.lrSource === 'logged' || input.events.lrSource === 'config') {
    const rising = risingLr(input, ctx, onset, input.events.lrSource === 'logged' ? 'logged' : 'configured');
    if (rising) out.push(rising);
  }
  if (ctx.lama) {
    // far above LaMa's defaults: beyond the band of the table row, or 10× the default without a batch size
    const gLimit = ref ? band(ref.range)[1] : 10 * LAMA_G_LR;
    if (before.genLr > gLimit) out.push(`G LR ${fmtNum(before.genLr)} is ${fmtNum(before.genLr / LAMA_G_LR)}× LaMa's default ${fmtNum(LAMA_G_LR)}`);
    if (before.discLr !== null && before.discLr > gLimit / LAMA_RATIO) out.push(`D LR ${fmtNum(before.discLr)} is ${fmtNum(before.discLr / LAMA_D_LR)}× LaMa's default ${fmtNum(LAMA_D_LR)}`);
    if (before.discLr !== null && before.discLr > before.genLr) out.push(`D LR above G's (${fmtNum(before.discLr / before.genLr)}× G; LaMa trains D at G/10)`);
  }
  return out;
}

/**
 * A logged (or configured) LR that is still climbing at the onset (≥ 2× its first value, never falling):
 * geometric growth is a schedule with gamma > 1, slower growth a warm-up that never ends.
 */
function risingLr(input: AnalysisInput, ctx: SuggestionContext, onset: number, source: 'logged' | 'configured'): string | null {
  const first = input.budget.firstStep;
  const lr0 = ctx.lrAt(first);
  const lr1 = ctx.lrAt(onset - 1);
  if (!(lr0 > 0) || !(lr1 >= 2 * lr0) || onset - first < 3) return null;
  // never falling on the way (a restart or a cyclic schedule is not a warm-up)
  const n = 16;
  let prev = lr0;
  for (let i = 1; i <= n; i++) {
    const v = ctx.lrAt(first + ((onset - 1 - first) * i) / n);
    if (v < prev * 0.999) return null;
    prev = v;
  }
  // equal log growth in both halves → exponential; a linear ramp's log growth shrinks
  const half = ctx.lrAt(first + (onset - 1 - first) / 2);
  const g1 = Math.log(half / lr0);
  const g2 = Math.log(lr1 / half);
  if (g1 > 0 && g2 > 0.6 * g1) {
    const perStep = Math.exp((g1 + g2) / Math.max(1, onset - 1 - first));
    return `an LR schedule with gamma > 1 (the ${source} LR grows ×${fmtNum(perStep, 4)} per step: ${fmtNum(lr0)} → ${fmtNum(lr1)} by step ${onset - 1})`;
  }
  return `a warm-up that never ends (the ${source} LR still rises at step ${onset - 1}: ${fmtNum(lr0)} → ${fmtNum(lr1)})`;
}

/**
 * The G LR in force at a step: logged or recognised from the config by the schedule events; an
 * ExponentialLR the events do not model is replayed here (LR × gamma per step or per epoch), so a run
 * that logs no LR under an exploding schedule is not taken to train at its configured LR.
 */
function lrAtStep(input: AnalysisInput, ctx: SuggestionContext, step: number): number {
  const src = input.events.lrSource;
  const rs = runSchedulerOf(input.run.context.scheduler);
  const base = input.budget.genLr;
  if (src === 'logged' || src === 'config' || !rs || !/^exponentiallr$/i.test(rs.name) || rs.gamma === null || base === null) return ctx.lrAt(step);
  const ep = input.budget.epochSteps;
  const n = rs.perStep ? step + 1 : ep ? Math.floor((step + 1) / ep) : 0;
  return base * Math.pow(rs.gamma, n);
}

/** The LRs the run trained with just before `onset`, its table row and what drove the LR up. */
export function anchorAt(input: AnalysisInput, ctx: SuggestionContext, onset: number): Anchor {
  const genLr = lrAtStep(input, ctx, Math.max(input.budget.firstStep, onset - 1));
  // D follows G's schedule (one schedule shape for both) at the configured ratio
  const discLr = ctx.discLr !== null ? genLr * (ctx.discLr / ctx.genLr) : null;
  const before = { genLr, discLr };
  const batch = ctx.batchSize;
  // the table is for LaMa-style GANs trained with Adam; a generic run is anchored on its own LR
  const ref = ctx.lama && batch && batch > 0 ? { ...referenceLrRange(batch), batch } : null;
  const noRef = ref ? null : !ctx.lama ? 'no batch table for non-LaMa runs' : 'batch size unknown';
  return { onset, before, ref, noRef, lama: ctx.lama, causes: causesOf(input, ctx, onset, before, ref) };
}

/**
 * D at LaMa's G/10 — never above the D the run trained with when `capAtBefore` (after a divergence) —
 * and the words for it when that changes the run's own G:D ratio.
 */
function discFor(a: Anchor, genLr: number, capAtBefore: boolean): { discLr: number | null; note: string } {
  const d0 = a.before.discLr;
  if (d0 === null) return { discLr: null, note: '' };
  const d = genLr / LAMA_RATIO;
  if (capAtBefore && d > d0 * (1 + 1e-9)) return { discLr: d0, note: `D stays at ${fmtNum(d0)} (below G/10: not raised)` };
  const sameRatio = Math.abs(a.before.genLr / d0 - LAMA_RATIO) < 1e-6 * LAMA_RATIO;
  const was = d0 > a.before.genLr ? `${fmtNum(d0 / a.before.genLr, 3)}× G` : `G/${fmtNum(a.before.genLr / d0, 3)}`;
  return { discLr: d, note: sameRatio ? '' : `D at G/10 (was ${fmtNum(d0)}, ${was})` };
}

const join = (...parts: string[]) => parts.filter(Boolean).join('; ');

/**
 * Lower the LR after a divergence / oscillation: the LR before onset × factor, never above it, pulled back
 * into the table's range when it is far above it. An LR already below the range is not lowered further
 * (and never raised: the note says so).
 */
export function lowered(a: Anchor, factor: number): AnchoredLr {
  const g0 = a.before.genLr;
  let g = g0 * factor;
  let note = '';
  let outside = false;
  if (a.ref) {
    const [blo, bhi] = band(a.ref.range);
    if (g > bhi) {
      g = Math.min(a.ref.range[1], g0);
      note = `back into the table's range for batch ${a.ref.batch} (${rangeText(a)})`;
    } else if (g < blo && g0 >= blo) {
      g = blo;
      note = `G ${fmtNum(g)}, the bottom of the band around the batch-${a.ref.batch} range (${rangeText(a)}): the LR is not the likely cause`;
    } else if (g < blo) {
      g = g0;
      outside = true;
      note = `G stays at ${fmtNum(g0)}, below the table's range for batch ${a.ref.batch} (${rangeText(a)}): not raised after this finding`;
    }
  } else if (a.lama && g > 10 * LAMA_G_LR) {
    g = Math.min(LAMA_G_LR, g0);
    note = `back to LaMa's default G ${fmtNum(LAMA_G_LR)} (batch size unknown)`;
  } else note = `from the LR before step ${a.onset} (G ${fmtNum(g0)}; ${a.noRef})`;
  const d = discFor(a, g, true);
  return { genLr: g, discLr: d.discLr, note: join(note, d.note), outside };
}

/** Keep the LR before onset when it is within the table's band, else bring it back into the range. */
export function kept(a: Anchor): AnchoredLr {
  const g0 = a.before.genLr;
  let g = g0;
  let note = '';
  if (a.ref && !inBand(g0, a.ref.range)) {
    g = g0 > a.ref.range[1] ? a.ref.range[1] : a.ref.range[0];
    note = `G ${fmtNum(g0)} → ${fmtNum(g)}: back into the table's range for batch ${a.ref.batch} (${rangeText(a)})`;
  } else if (!a.ref) note = `from the LR before step ${a.onset} (G ${fmtNum(g0)}; ${a.noRef})`;
  const d = discFor(a, g, false);
  return { genLr: g, discLr: d.discLr, note: join(note, d.note), outside: false };
}

/**
 * Raise the LR for slow convergence: × factor, at least to the bottom of the table's range, at most its
 * top — unless the LR is already at or above the top (then × 2 within the band, or × 1.5 beyond it, said why).
 */
export function raised(a: Anchor, factor: number): AnchoredLr {
  const g0 = a.before.genLr;
  let g = g0 * factor;
  let note = '';
  let outside = false;
  if (a.ref) {
    const [lo, hi] = a.ref.range;
    if (g0 < hi) g = Math.min(Math.max(g, lo), hi);
    else if (g0 * 2 <= band(a.ref.range)[1]) g = g0 * 2;
    else {
      g = g0 * 1.5;
      outside = true;
      note = `above the table's range for batch ${a.ref.batch} (${rangeText(a)}): G ${fmtNum(g0)} already exceeds it and still converges slowly`;
    }
    if (g0 < lo) note = `into the table's range for batch ${a.ref.batch} (${rangeText(a)})`;
  } else note = `from the LR before step ${a.onset} (G ${fmtNum(g0)}; ${a.noRef})`;
  const d = discFor(a, g, false);
  return { genLr: g, discLr: d.discLr, note: join(note, d.note), outside };
}

/** Whether a G LR lies in the table's band for the anchor's batch size (true when there is no table row). */
export function withinTable(a: Anchor, genLr: number): boolean {
  return !a.ref || inBand(genLr, a.ref.range);
}
