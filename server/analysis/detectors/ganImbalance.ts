// GAN imbalance (docs/diagnosis.md §GAN imbalance), LaMa's adversarial pair. The discriminator wins:
//   G1 (a fall after warm-up) its loss (train_discr_adv) falls (window medians: last ≤ 0.8× first)
//      while the generator's adversarial loss (train_gen_adv) rises (last ≥ 1.3× first), one of the two
//      trends beyond noise (Mann–Kendall |z| ≥ 2.5 on 16 window medians);
//   G2 (won from the start) its loss sits below half the balance value (½·ln 2 ≈ 0.35: the binary
//      cross-entropy of a discriminator that cannot tell real from fake is ln 2 per term) from some point
//      to the end, over ≥ 25% of the run, while the generator's adversarial loss is not improving (it ends
//      ≥ 1.1× its lowest window median; healthy runs end at their lowest, D-winning ones at 1.2–2.3×). Healthy LaMa runs settle D at 0.45–0.75 within the first epochs; D-winning runs sit at
//      0.16–0.30 (a D that wins within the warm-up shows no fall after it: G1 misses it).
// Onset: where D's loss went below 0.2 for good (softplus margin > 1.5 logits: D separates real and
// fake with confidence), else where G's loss had made half of its rise.
import type { AnalysisInput, Finding, Signal } from '../types';
import { fmtNum } from '../format';
import { blockCurve, pickSignals, smooth, trendZ, windowMedians } from '../signals';
import { median } from '../robust';

export const GAN = {
  genRise: 1.3,
  discFall: 0.8,
  z: 2.5,
  confidentDiscLoss: 0.2,
  warmShare: 0.1,
  minBlocks: 16,
  /** G2: D's smoothed loss below this (½·ln 2) … */
  lowDiscLoss: Math.LN2 / 2,
  /** … from some point to the end, over at least this share of the run … */
  lowShare: 0.25,
  /** … while G's adversarial loss ends at ≥ this × its lowest window median (not improving) */
  genAboveLow: 1.1,
};

/** G2: the start of the final stretch where D's smoothed loss stays below ½·ln 2, if long enough. */
function lowStretch(steps: number[], y: number[], span: number, lastStep: number): number | null {
  const ys = smooth(y, 2 * Math.floor(y.length / 100) + 3);
  let i = ys.length;
  while (i > 0 && ys[i - 1] < GAN.lowDiscLoss && ys[i - 1] > 0) i--;
  if (i >= ys.length) return null;
  return lastStep - steps[i] >= GAN.lowShare * span ? steps[i] : null;
}

export function detectGanImbalance(input: AnalysisInput): Finding[] {
  const sig = pickSignals(input);
  if (!sig.gan) return [];
  const from = input.budget.firstStep + GAN.warmShare * (input.budget.lastStep - input.budget.firstStep);
  const g = blockCurve(sig.genAdv!, from);
  const d = blockCurve(sig.discAdv!, from);
  if (g.y.length < GAN.minBlocks || d.y.length < GAN.minBlocks) return [];
  const wg = windowMedians(g.y, 8);
  const wd = windowMedians(d.y, 8);
  const rise = wg[0] > 0 ? wg[7] / wg[0] : 0;
  const fall = wd[0] > 0 ? wd[7] / wd[0] : Infinity;
  // trend on 16 window medians (no autocorrelation correction: the medians are far apart), so a rise
  // that happens in a few epochs and then holds counts as fully as a steady one
  const zg = trendZ(windowMedians(g.y, 16), 'none');
  const zd = trendZ(windowMedians(d.y, 16), 'none');
  const signals: Signal[] = [
    { signal: `${sig.genAdv!.tag} end ÷ start (after warm-up)`, value: rise, threshold: `≥ ${GAN.genRise}`, step: g.steps[0], fired: rise >= GAN.genRise },
    { signal: `${sig.discAdv!.tag} end ÷ start (after warm-up)`, value: fall, threshold: `≤ ${GAN.discFall}`, step: d.steps[0], fired: fall <= GAN.discFall },
    { signal: `${sig.genAdv!.tag} rising (Mann–Kendall z, 16 window medians)`, value: zg, threshold: `≥ ${GAN.z}, or D's fall below`, step: g.steps[0], fired: zg >= GAN.z },
    { signal: `${sig.discAdv!.tag} falling (Mann–Kendall z, 16 window medians)`, value: zd, threshold: `≤ −${GAN.z}, or G's rise above`, step: d.steps[0], fired: zd <= -GAN.z },
  ];
  // G1: both ratios, and at least one of the two trends beyond noise (D's loss is the noisier one)
  const g1 = signals[0].fired && signals[1].fired && (signals[2].fired || signals[3].fired);
  // G2: D below ½·ln 2 to the end over ≥ 25% of the run (the whole run counts: it may have won in warm-up)
  const span = Math.max(1, input.budget.lastStep - input.budget.firstStep);
  const dAll = blockCurve(sig.discAdv!);
  const gAll = blockCurve(sig.genAdv!);
  const lowFrom = dAll.y.length >= GAN.minBlocks ? lowStretch(dAll.steps, dAll.y, span, input.budget.lastStep) : null;
  const wgAll = windowMedians(gAll.y, 8);
  let gLow = Infinity;
  for (const x of wgAll) if (x < gLow) gLow = x;
  const gEnd = wgAll[wgAll.length - 1];
  const gUp = gLow > 0 ? gEnd / gLow : 0;
  signals.push({ signal: `${sig.discAdv!.tag} below ½·ln 2 to the end`, value: lowFrom === null ? 'no' : `from step ${lowFrom}`, threshold: `< ${fmtNum(GAN.lowDiscLoss, 3)} over ≥ ${GAN.lowShare * 100}% of the run`, step: lowFrom, fired: lowFrom !== null });
  signals.push({ signal: `${sig.genAdv!.tag} end ÷ its lowest level`, value: gUp, threshold: `≥ ${GAN.genAboveLow}`, step: null, fired: gUp >= GAN.genAboveLow });
  const g2 = lowFrom !== null && gUp >= GAN.genAboveLow;
  if (!g1 && !g2) return [];
  // onset (G1): D's loss below the confident level from here on, else G's half-rise; (G2 alone) where
  // D's loss went below ½·ln 2 for good
  let onset: number | null = g1 ? null : lowFrom;
  const ds = smooth(d.y, 2 * Math.floor(d.y.length / 200) + 5);
  if (onset === null) for (let i = ds.length - 1; i >= 0 && ds[i] < GAN.confidentDiscLoss; i--) onset = d.steps[i];
  if (onset === null) {
    const half = wg[0] + (wg[7] - wg[0]) / 2;
    const k = Math.max(0, wg.findIndex((v) => v >= half));
    onset = g.steps[Math.min(g.steps.length - 1, Math.floor((k * g.steps.length) / 8))];
  }
  const dEnd = g1 ? wd[7] : median(Float64Array.from(dAll.y.slice(Math.max(0, dAll.y.length - Math.ceil(dAll.y.length / 8)))));
  const how = g1
    ? `${sig.discAdv!.tag} fell to ${fmtNum(fall, 2)}× its level after warm-up (to ${fmtNum(wd[7], 3)}) while ${sig.genAdv!.tag} rose ${fmtNum(rise, 2)}× (to ${fmtNum(wg[7], 3)})`
    : `${sig.discAdv!.tag} has sat below ${fmtNum(GAN.lowDiscLoss, 2)} (½·ln 2, a confident discriminator) since step ${lowFrom} — ${fmtNum(dEnd, 3)} now — while ${sig.genAdv!.tag} rose to ${fmtNum(gUp, 2)}× its lowest level (${fmtNum(gEnd, 3)})`;
  return [
    {
      kind: 'gan_imbalance',
      severity: 'warning',
      metrics: [sig.discAdv!.tag, sig.genAdv!.tag],
      startStep: onset,
      endStep: input.budget.lastStep,
      summary: `The discriminator wins: ${how} — the generator cannot keep up${input.budget.genLr !== null && input.budget.discLr !== null ? ` (G lr ${fmtNum(input.budget.genLr)}, D lr ${fmtNum(input.budget.discLr)})` : ''}.`,
      evidence: { subtype: 'd_winning', signals, thresholds: { ...GAN } },
      suggestions: [],
    },
  ];
}
