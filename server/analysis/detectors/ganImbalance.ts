// GAN imbalance (rules §5.5), on LaMa's adversarial tags: L_D = train_discr_adv, L_G = train_gen_adv,
// logit gap Δ = train_adv_discr_real_out − train_adv_discr_fake_out, and val FID / SSIM / L1.
//   G1 D winning: median L_D < 0.2 (≈ ≥ 90% confident) over the last ≥ 2 validation intervals (both
//      halves), down to ≤ ½ of its early level or Δ up by ≥ 1, and L_G up ≥ 15% or FID > 5% above best;
//   G3 D not learning: L_D within ±5% of 2·ln 2 = 1.386 with robust CV < 1% over ≥ 5 000 steps / 20
//      blocks (both halves), and |Δ| < 0.1 when the logits are logged;
//   G2 D collapse: L_D back within ±10% of chance (both halves of the recent window) and ≥ 15% above
//      its early level while L_G fell ≥ 30% — the generator fools D;
//   G2/G5 degradation: val FID > 5% above its (3-point median) best at each of the last three
//      validations, while val SSIM / L1 do not worsen by more than 0.5% / 2% —
//      "G fooling D" when L_G also falls significantly (MK z < −2.33), else "degradation".
// G4 (variance / spiking) is not used: noisy but healthy adversarial losses must not alarm.
import { mad, mannKendall, median, runningMedian } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum, pct } from '../format';

export const GAN = {
  winningLd: 0.2,
  chance: 2 * Math.LN2,
  chanceTol: 0.05,
  chanceCv: 0.01,
  gapFlat: 0.1,
  lgRise: 1.15,
  fidRise: 1.05,
  ssimFlat: 0.005,
  l1Flat: 0.02,
  lgFallZ: -2.33,
};

const byRole = (input: AnalysisInput, role: string) => input.train.find((s) => s.info.role === role) ?? null;

function range(s: PreparedSeries, from: number, to: number): Float64Array {
  const { step, med } = s.blocks;
  let i0 = step.findIndex((st) => st >= from);
  if (i0 < 0) i0 = s.blocks.n;
  let i1 = step.findIndex((st) => st > to);
  if (i1 < 0) i1 = s.blocks.n;
  return med.subarray(i0, i1);
}

function gapSeries(real: PreparedSeries, fake: PreparedSeries, from: number, to: number): number | null {
  const a = range(real, from, to);
  const b = range(fake, from, to);
  if (!a.length || !b.length) return null;
  return median(a) - median(b);
}

interface FidState {
  tag: string;
  best: number;
  bestStep: number;
  now: number;
  rise: number;
  riseZ: number;
  after: number;
  /** values of the other quality metrics at the FID best and now */
  ssimChange: number | null;
  l1Change: number | null;
}

function fidState(input: AnalysisInput): FidState | null {
  const fid = input.val.find((s) => /(^|_)fid(_total)?(_mean)?$/.test(s.info.base) || s.info.base === 'fid_total_mean');
  if (!fid || fid.steps.length < 5) return null;
  const n = fid.steps.length;
  const start = Math.max(0, fid.steps.findIndex((st) => st >= input.budget.warmEnd));
  if (n - start < 5) return null;
  const sm = runningMedian(fid.values.subarray(start), 3);
  let bi = 0;
  for (let i = 1; i < sm.length; i++) if (sm[i] < sm[bi]) bi = i;
  const best = sm[bi];
  const bestIdx = start + bi;
  const now = fid.values[n - 1];
  // the last three validations all above the best
  const rise = Math.min(fid.values[n - 1], fid.values[n - 2], fid.values[n - 3]) / best;
  const after = n - 1 - bestIdx;
  const riseZ = after >= 2 ? mannKendall(fid.values.subarray(bestIdx), 'none').z : 0;
  const relChange = (s: PreparedSeries | undefined) => {
    if (!s) return null;
    const i = s.steps.findIndex((st) => st >= fid.steps[bestIdx]);
    if (i < 0) return null;
    const a = median(s.values, Math.max(0, i - 1), i + 2);
    const b = median(s.values, s.steps.length - 2, s.steps.length);
    const d = (b - a) / Math.abs(a);
    return s.info.direction === 'max' ? -d : d; // positive = worse
  };
  const ssim = input.val.find((s) => s.info.base === 'ssim_total_mean' || s.info.base === 'ssim');
  const l1 = input.val.find((s) => s.info.base === 'gen_l1' || s.info.base === 'l1');
  return { tag: fid.tag, best, bestStep: fid.steps[bestIdx], now, rise, riseZ, after, ssimChange: relChange(ssim), l1Change: relChange(l1) };
}

export function detectGanImbalance(input: AnalysisInput): Finding[] {
  const ld = byRole(input, 'disc_adv');
  const lg = byRole(input, 'gen_adv');
  const real = byRole(input, 'real_out');
  const fake = byRole(input, 'fake_out');
  const { warmEnd, lastStep, valInterval } = input.budget;
  const out: Finding[] = [];
  const fid = fidState(input);
  const fidWorse = fid !== null && fid.rise > GAN.fidRise && fid.after >= 2;

  if (ld && ld.blocks.n >= 20) {
    const bs = ld.blocks.blockSteps;
    const elapsed = lastStep - warmEnd;
    const recentLen = Math.min(0.4 * elapsed, Math.max(2 * (valInterval ?? 0), 20 * bs, 5000));
    const refLen = Math.max(20 * bs, 0.15 * elapsed);
    const recent = range(ld, lastStep - recentLen, lastStep);
    const ref = range(ld, warmEnd, warmEnd + refLen);
    if (elapsed > 0 && recent.length >= 8 && ref.length >= 8 && lastStep - recentLen > warmEnd) {
      const half = recent.length >> 1;
      const ldNow = median(recent);
      const ldRef = median(ref);
      const halves = [median(recent, 0, half), median(recent, half, recent.length)];
      const gapNow = real && fake ? gapSeries(real, fake, lastStep - recentLen, lastStep) : null;
      const gapRef = real && fake ? gapSeries(real, fake, warmEnd, warmEnd + refLen) : null;
      // G1: D winning
      if (halves.every((h) => h < GAN.winningLd)) {
        const collapsed = ldNow <= 0.5 * ldRef || (gapNow !== null && gapRef !== null && gapNow - gapRef >= 1);
        const lgNow = lg ? median(range(lg, lastStep - recentLen, lastStep)) : NaN;
        const lgRef = lg ? median(range(lg, warmEnd, warmEnd + refLen)) : NaN;
        const lgUp = lg !== null && lgNow >= GAN.lgRise * lgRef;
        if (collapsed && (lgUp || fidWorse)) {
          const sm = runningMedian(ld.blocks.med, 5);
          const noise = 1.4826 * mad(ref);
          let k = ld.blocks.n - 1;
          while (k > 0 && sm[k] < ldRef - Math.max(3 * noise, 0.1 * ldRef)) k--;
          const onset = ld.blocks.step[Math.min(ld.blocks.n - 1, k + 1)];
          out.push({
            kind: 'gan_imbalance',
            severity: 'warning',
            metrics: [ld.tag, ...(lg ? [lg.tag] : []), ...(real ? [real.tag] : []), ...(fake ? [fake.tag] : []), ...(fidWorse ? [fid!.tag] : [])],
            startStep: onset,
            endStep: lastStep,
            summary: `The discriminator is winning: ${ld.tag} fell from ${fmtNum(ldRef)} to ${fmtNum(ldNow)} (< ${GAN.winningLd}, ≈ ≥ 90% confident) since step ${onset}${lgUp ? `, while ${lg!.tag} rose ${pct(lgNow / lgRef - 1, 0)}` : ''}${fidWorse ? `${lgUp ? ' and' : ', while'} FID is ${pct(fid!.rise - 1, 0)} above its best` : ''}.`,
            evidence: {
              rule: 'G1',
              subtype: 'd_winning',
              discLossNow: ldNow,
              discLossEarly: ldRef,
              logitGapNow: gapNow,
              logitGapEarly: gapRef,
              genAdvNow: lgNow,
              genAdvEarly: lgRef,
              fidRise: fid?.rise ?? null,
              windowSteps: [lastStep - recentLen, lastStep],
              thresholds: { discLoss: GAN.winningLd, genAdvRise: GAN.lgRise, fidRise: GAN.fidRise },
            },
            suggestions: [],
          });
          return out;
        }
      }
      // G2b: D collapse — the discriminator loss rose back to chance while the generator's adversarial
      // loss fell: G fools D
      if (lg) {
        const lgNow = median(range(lg, lastStep - recentLen, lastStep));
        const lgRef = median(range(lg, warmEnd, warmEnd + refLen));
        const nearChance = halves.every((h) => Math.abs(h / GAN.chance - 1) < 0.1);
        if (nearChance && ldNow >= 1.15 * ldRef && lgNow <= 0.7 * lgRef) {
          const sm = runningMedian(lg.blocks.med, 5);
          let k = lg.blocks.n - 1;
          while (k > 0 && sm[k] < lgRef - 0.5 * (lgRef - lgNow)) k--;
          const onset = lg.blocks.step[Math.min(lg.blocks.n - 1, k + 1)];
          out.push({
            kind: 'gan_imbalance',
            severity: 'warning',
            metrics: [lg.tag, ld.tag, ...(fidWorse ? [fid!.tag] : [])],
            startStep: onset,
            endStep: lastStep,
            summary: `The discriminator collapsed: ${ld.tag} rose from ${fmtNum(ldRef)} to ${fmtNum(ldNow)} (≈ 2·ln 2, chance) while ${lg.tag} fell ${pct(1 - lgNow / lgRef, 0)} from step ${onset} — the generator fools D${fidWorse ? ` and FID is ${pct(fid!.rise - 1, 0)} above its best` : ''}.`,
            evidence: {
              rule: 'G2',
              subtype: 'g_fooling_d',
              discLossNow: ldNow,
              discLossEarly: ldRef,
              genAdvNow: lgNow,
              genAdvEarly: lgRef,
              fidRise: fid?.rise ?? null,
              windowSteps: [lastStep - recentLen, lastStep],
              thresholds: { discLossRise: 1.15, chanceTolerance: 0.1, genAdvFall: 0.7 },
            },
            suggestions: [],
          });
          return out;
        }
      }
      // G3: D not learning
      const g3Len = Math.min(0.4 * elapsed, Math.max(20 * bs, 5000));
      const g3 = range(ld, lastStep - g3Len, lastStep);
      if (g3.length >= 16 && lastStep - g3Len > warmEnd) {
        const h = g3.length >> 1;
        const parts = [g3.subarray(0, h), g3.subarray(h)];
        const atChance = parts.every((p) => {
          const m = median(p);
          return Math.abs(m / GAN.chance - 1) < GAN.chanceTol && (1.4826 * mad(p)) / m < GAN.chanceCv;
        });
        const gap = real && fake ? gapSeries(real, fake, lastStep - g3Len, lastStep) : null;
        if (atChance && (gap === null || Math.abs(gap) < GAN.gapFlat)) {
          const sm = runningMedian(ld.blocks.med, 5);
          let k = ld.blocks.n - 1;
          while (k > 0 && Math.abs(sm[k] / GAN.chance - 1) < GAN.chanceTol) k--;
          const onset = Math.max(ld.blocks.step[Math.min(ld.blocks.n - 1, k + 1)], ld.blocks.step[0]);
          const m = median(g3);
          out.push({
            kind: 'gan_imbalance',
            severity: 'warning',
            metrics: [ld.tag, ...(real ? [real.tag] : []), ...(fake ? [fake.tag] : [])],
            startStep: onset,
            endStep: lastStep,
            summary: `The discriminator is not learning: ${ld.tag} sits at ${fmtNum(m, 4)} ≈ 2·ln 2 (chance) with a robust CV of ${pct((1.4826 * mad(g3)) / m, 2)} over the last ${Math.round(g3Len)} steps${gap !== null ? `, logit gap ${fmtNum(gap, 2)}` : ''}.`,
            evidence: {
              rule: 'G3',
              subtype: 'd_not_learning',
              discLoss: m,
              chance: GAN.chance,
              cv: (1.4826 * mad(g3)) / m,
              logitGap: gap,
              windowSteps: [lastStep - g3Len, lastStep],
              thresholds: { chanceTolerance: GAN.chanceTol, cv: GAN.chanceCv, logitGap: GAN.gapFlat },
            },
            suggestions: [],
          });
          return out;
        }
      }
    }
  }

  // G2 / G5: image quality degrades (FID) while reconstruction metrics hold
  if (fid && fidWorse && fid.after >= 3) {
    const ssimOk = fid.ssimChange === null || fid.ssimChange < GAN.ssimFlat;
    const l1Ok = fid.l1Change === null || fid.l1Change < GAN.l1Flat;
    if (ssimOk && l1Ok && (fid.ssimChange !== null || fid.l1Change !== null)) {
      let lgFall: { z: number; change: number } | null = null;
      if (lg) {
        const w = range(lg, fid.bestStep, lastStep);
        if (w.length >= 8) {
          const z = mannKendall(w).z;
          const q = Math.max(2, w.length >> 2);
          const change = median(w, w.length - q, w.length) / median(w, 0, q) - 1;
          if (z < GAN.lgFallZ && change < -0.05) lgFall = { z, change };
        }
      }
      out.push({
        kind: 'gan_imbalance',
        severity: 'warning',
        metrics: [fid.tag, ...(lgFall && lg ? [lg.tag] : [])],
        startStep: fid.bestStep,
        endStep: lastStep,
        summary: lgFall
          ? `The generator is fooling the discriminator with artifacts: ${lg!.tag} fell ${pct(-lgFall.change, 0)} (Mann–Kendall z = ${fmtNum(lgFall.z, 3)}) while ${fid.tag} rose ${pct(fid.rise - 1, 0)} above its best at step ${fid.bestStep}, with SSIM/L1 flat.`
          : `GAN degradation: ${fid.tag} is ${pct(fid.rise - 1, 0)} above its best (step ${fid.bestStep}, ${fid.after} validations ago) while SSIM/L1 stay flat.`,
        evidence: {
          rule: lgFall ? 'G2' : 'G5',
          subtype: lgFall ? 'g_fooling_d' : 'degradation',
          fidBest: fid.best,
          fidNow: fid.now,
          fidRise: fid.rise,
          fidRiseZ: fid.riseZ,
          ssimChange: fid.ssimChange,
          l1Change: fid.l1Change,
          genAdvFall: lgFall,
          thresholds: { fidRise: GAN.fidRise, ssimFlat: GAN.ssimFlat, l1Flat: GAN.l1Flat, genAdvFallZ: GAN.lgFallZ },
        },
        suggestions: [],
      });
    }
  }
  return out;
}
