// Plateau (docs/diagnosis.md §Plateau). A person calls a run "stuck" when its validation curve stops
// improving for most of the run — not when it flattens in its last third (that is convergence):
//   P1 from some validation on, the smoothed validation signal never improves by more than 10% of its
//      level again (LaMa: val_gen_l1; with SSIM, its error 1 − SSIM must be flat too);
//   P2 that flat stretch covers ≥ 70% of the run and ≥ 5 validations (real plateaus: 75–100%; healthy
//      runs that converge: ≤ 50%; an LR that MultiStep took to 3% of its base: 57%);
//   P3 (reported, not a gate) the training loss's change over the stretch: a training loss that keeps
//      falling while validation is stuck means the model memorises without generalising — still a
//      plateau of what matters (validation); it is overfitting only once validation worsens (≥ GL5);
//   and ≥ 10 validations in all (fewer give no verdict: a warm-restart run's first cycles look flat).
// When the validation curve is too noisy to call flat (or absent): the training loss's window medians
// flat the same way, with the smoothed validation signal improving ≤ 15% or without a significant trend
// (Mann–Kendall z > −2) over the stretch.
import { argMin, median } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries, Signal } from '../types';
import { fmtNum, pct } from '../format';
import { blockCurve, errorCurve, pickSignals, relChange, runSpan, smooth, smoothWidth, trendZ, windowMedians } from '../signals';

export const PLATEAU = {
  /** improvement that ends a plateau, relative to the level at its start */
  flatGain: 0.1,
  /** share of the run the flat stretch must cover */
  coverage: 0.7,
  minPoints: 5,
  /** no verdict on fewer points (validations, or training windows) than this */
  minCurve: 10,
  /** training-loss improvement over the stretch reported as "memorising" (validation stuck meanwhile) */
  trainGain: 0.15,
  /** training-loss curve when no validation is logged: window medians */
  trainWindows: 40,
  /** the reported start: the first point after which the curve never improves by more than this */
  stallGain: 0.03,
  /** a significant improving validation trend (Mann–Kendall z ≤ this) over the stretch's last two thirds … */
  stillImprovingZ: -2,
  /** … gaining at least this there, at an LR not decayed below decayedLr of its start, is slow, not stuck */
  stillGain: 0.01,
  decayedLr: 0.1,
  /** training-loss route: the (smoothed) validation signal improves by at most this over the stretch */
  valGain: 0.15,
  /** … or shows no significant trend (Mann–Kendall z above this) */
  valZ: -2,
};

/** Earliest index from which the smoothed curve never improves by more than `limit` (default flatGain). */
export function flatFrom(y: number[], limit = PLATEAU.flatGain): { idx: number; gain: number } | null {
  const n = y.length;
  // suffix minimum: the best level reached from i on
  const sufMin = new Array<number>(n);
  let m = Infinity;
  for (let i = n - 1; i >= 0; i--) {
    if (y[i] < m) m = y[i];
    sufMin[i] = m;
  }
  for (let i = 0; i < n; i++) {
    const gain = -relChange(y[i], sufMin[i]);
    if (gain <= limit) return { idx: i, gain };
  }
  return null;
}

function curveOf(s: PreparedSeries, isVal: boolean): { steps: number[]; y: number[] } {
  if (isVal) {
    const c = errorCurve(s);
    return { steps: c.steps, y: smooth(c.y, smoothWidth(c.y.length)) };
  }
  const c = blockCurve(s);
  const k = Math.min(PLATEAU.trainWindows, c.y.length);
  const y = windowMedians(c.y, k);
  const steps = windowMedians(c.steps, k);
  return { steps, y };
}

/** Relative improvement of a training loss between two steps (window medians at both ends; −: improved). */
export function trainChange(s: PreparedSeries, from: number, to = Infinity): number | null {
  const c = blockCurve(s, from, to);
  if (c.y.length < 8) return null;
  const q = Math.max(2, Math.floor(c.y.length / 5));
  const a = median(Float64Array.from(c.y.slice(0, q)));
  const b = median(Float64Array.from(c.y.slice(c.y.length - q)));
  return relChange(a, b);
}

/**
 * The validation signal's trend and gain over the last two thirds of the stretch from `from` (≥ 6 points:
 * fewer cannot show a significant Mann–Kendall trend).
 */
function stillImproving(v: PreparedSeries, from: number): { z: number; gain: number; at: number } | null {
  const e = errorCurve(v, from);
  const n = e.y.length;
  const h = Math.floor(n / 3);
  if (n - h < 6) return null;
  const ys = e.y.slice(h);
  const m = ys.length;
  const a = median(Float64Array.from(ys.slice(0, 2)));
  const b = median(Float64Array.from(ys.slice(m - 2)));
  return { z: trendZ(ys), gain: -relChange(a, b), at: e.steps[h] };
}

interface Stretch {
  base: PreparedSeries;
  /** the reported start (improvement under 3% from here) */
  start: number;
  gain: number;
  /** the coarse start (improvement under 10% from here) and the share of the run it covers */
  flatStart: number;
  flatGain: number;
  coverage: number;
  signals: Signal[];
  extra: PreparedSeries[];
}

/** P1–P3 on one curve (the validation signal, or the training loss). */
function stretchOf(input: AnalysisInput, base: PreparedSeries, isVal: boolean): Stretch | null {
  const sig = pickSignals(input);
  const c = curveOf(base, isVal);
  if (c.y.length < PLATEAU.minCurve) return null;
  const flat = flatFrom(c.y);
  if (!flat) return null;
  let start = c.steps[flat.idx];
  const signals: Signal[] = [];
  const points = c.y.length - flat.idx;
  // LaMa: SSIM must agree (its error 1 − SSIM flat from the same validation on)
  const ssim = isVal ? sig.valOthers.find((s) => /ssim_total_mean$/.test(s.info.base)) : undefined;
  let ssimGain: number | null = null;
  if (ssim) {
    const sc = curveOf(ssim, true);
    const from = sc.steps.findIndex((st) => st >= start);
    if (from >= 0) {
      const f = flatFrom(sc.y.slice(from));
      ssimGain = f ? f.gain : null;
      if (f && f.idx > 0) start = Math.max(start, sc.steps[from + f.idx]);
    }
  }
  const coverage = (input.budget.lastStep - start) / runSpan(input);
  signals.push({ signal: `${base.tag} improvement after step ${start}`, value: pct(flat.gain), threshold: `≤ ${pct(PLATEAU.flatGain, 0)}`, step: start, fired: true });
  if (ssim) signals.push({ signal: `${ssim.tag} flat from the same validation`, value: ssimGain === null ? 'no' : 'yes', threshold: `gain ≤ ${pct(PLATEAU.flatGain, 0)} of 1 − SSIM`, step: start, fired: ssimGain !== null });
  signals.push({ signal: 'share of the run without improvement', value: pct(coverage), threshold: `≥ ${pct(PLATEAU.coverage, 0)} and ≥ ${PLATEAU.minPoints} points`, step: start, fired: coverage >= PLATEAU.coverage && points >= PLATEAU.minPoints });
  // stuck, not slow: a validation curve still improving steadily over the last two thirds of the stretch
  // at an LR that has not decayed (a run at an LR 100× too low gains ~10% over the run, a little at every
  // validation) is slow convergence; with the LR decayed to a fraction of its start the same creep is the
  // tail of a vanished step size — a plateau, whose suggestion names the decay
  const v = isVal ? base : sig.val;
  const still = v ? stillImproving(v, start) : null;
  if (still && still.z <= PLATEAU.stillImprovingZ && still.gain >= PLATEAU.stillGain) {
    const lr0 = input.events.lrAt(input.budget.firstStep);
    const lr1 = input.events.lrAt(input.budget.lastStep);
    const decayed = lr0 !== null && lr1 !== null && lr0 > 0 && lr1 < PLATEAU.decayedLr * lr0;
    signals.push({ signal: `${v!.tag} still improving over the last two thirds of the stretch (trend z / gain), LR not decayed`, value: `${fmtNum(still.z, 3)} / ${pct(still.gain)}, LR ${lr1 === null ? '?' : fmtNum(lr1)}${lr0 !== null ? ` of ${fmtNum(lr0)}` : ''}`, threshold: `a decayed LR (< ${pct(PLATEAU.decayedLr, 0)} of its start) makes it a plateau; else slow, not stuck`, step: still.at, fired: decayed });
  }
  if (isVal && sig.train) {
    const trainGain = trainChange(sig.train, start);
    if (trainGain !== null) signals.push({ signal: `${sig.train.tag} change over the stretch (memorising when ≤ −${pct(PLATEAU.trainGain, 0)})`, value: pct(trainGain), threshold: 'reported', step: start, fired: trainGain <= -PLATEAU.trainGain });
  }
  if (!isVal && sig.val) {
    // a flat training loss with a validation signal that still improves clearly is fine (regularised
    // training); one that hovers in a noisy band (≤ 15% better at best) or has no trend is not
    const vc = curveOf(sig.val, true);
    const from = vc.steps.findIndex((x) => x >= start);
    const enough = from >= 0 && vc.y.length - from >= PLATEAU.minPoints;
    const vf = enough ? -relChange(vc.y[from], vc.y[argMin(vc.y, from)]) : NaN;
    const z = enough ? trendZ(errorCurve(sig.val, start).y) : NaN;
    signals.push({
      signal: `${sig.val.tag} over the stretch: improvement / trend z`,
      value: enough ? `${pct(vf)} / ${fmtNum(z, 3)}` : 'too few validations',
      threshold: `≤ ${pct(PLATEAU.valGain, 0)} or z > ${PLATEAU.valZ}`,
      step: start,
      fired: enough && (vf <= PLATEAU.valGain || z > PLATEAU.valZ),
    });
  }
  if (!signals.every((s) => s.fired || s.threshold === 'reported')) return null;
  // the curve may still creep (3–10%) for a while after the coarse start (an LR stepped to ~0 leaves a
  // slow tail): report where it stopped improving by more than 3%
  const fine = flatFrom(c.y, PLATEAU.stallGain);
  const stall = fine && fine.idx > flat.idx ? c.steps[fine.idx] : start;
  if (stall > start) signals.push({ signal: `${base.tag} improvement after step ${stall}`, value: pct(fine!.gain), threshold: `≤ ${pct(PLATEAU.stallGain, 0)} (the reported start)`, step: stall, fired: true });
  return { base, start: Math.max(start, stall), gain: stall > start ? fine!.gain : flat.gain, flatStart: start, flatGain: flat.gain, coverage, signals, extra: ssim ? [ssim] : [] };
}

export function detectPlateau(input: AnalysisInput): Finding[] {
  const sig = pickSignals(input);
  // the validation curve first; when it is too noisy to be flat, a flat training loss with a validation
  // signal that shows no significant improvement over the same stretch
  const st = (sig.val ? stretchOf(input, sig.val, true) : null) ?? (sig.train ? stretchOf(input, sig.train, false) : null);
  if (!st) return [];
  const { base, start, coverage } = st;
  const lr = input.events.lrAt(start);
  const lrNow = input.events.lrAt(input.budget.lastStep);
  const lrNote = lr !== null && lrNow !== null && input.events.lrSource === 'logged' && lrNow < 0.01 * lr ? ` while the LR decayed to ${fmtNum(lrNow)}` : lrNow !== null ? ` at LR ${fmtNum(lrNow)}` : '';
  return [
    {
      kind: 'plateau',
      severity: 'warning',
      metrics: [base.tag, ...st.extra.map((s) => s.tag)],
      startStep: start,
      endStep: input.budget.lastStep,
      summary:
        st.flatStart < start
          ? `${base.tag} has improved ${pct(st.flatGain)} at most since step ${st.flatStart} (${pct(coverage, 0)} of the run) and under ${pct(st.gain)} since step ${start}${lrNote}.`
          : `${base.tag} has not improved by more than ${pct(st.gain)} since step ${start} — ${pct(coverage, 0)} of the run${lrNote}.`,
      evidence: { early: start - input.budget.firstStep < 0.3 * runSpan(input), signals: st.signals, thresholds: { ...PLATEAU } },
      suggestions: [],
    },
  ];
}
