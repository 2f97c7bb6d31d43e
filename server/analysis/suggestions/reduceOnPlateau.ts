// ReduceLROnPlateau with PyTorch's exact semantics (rules §1.1), monitored on the run's validation
// metric (LaMa: val_ssim_fid100_f1_total_mean, mode 'max'), one per optimizer with the same factor so
// the G:D ratio is kept. The preview replays this run's validations through the scheduler.
import type { Suggestion } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { fmtNum, ordinal, pyNum, sig } from '../format';
import { configureOptimizersCode, optimizersYaml, sampleLr } from './templates';

export interface PlateauOptions {
  factor: number;
  patience: number;
  threshold?: number;
  cooldown?: number;
  /** min_lr = lr × this (1e-3: 1e-6 for G at 1e-3, 1e-7 for D at 1e-4) */
  minLrFactor?: number;
  /** the LRs the scheduler starts from (default: the context's) */
  base?: LrPair;
  title?: string;
  reason: string;
}

export interface PlateauReplay {
  /** steps at which the LR was reduced (the validation step; the new LR applies after it) */
  reductions: number[];
  lrAfter: number[];
}

/** torch.optim.lr_scheduler.ReduceLROnPlateau.step(metric) over a sequence of metric values. */
export function replayReduceOnPlateau(
  values: number[],
  steps: number[],
  lr0: number,
  o: { mode: 'min' | 'max'; factor: number; patience: number; threshold: number; thresholdMode: 'rel' | 'abs'; cooldown: number; minLr: number; eps?: number },
): PlateauReplay {
  const eps = o.eps ?? 1e-8;
  let best = o.mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  let cool = 0;
  let lr = lr0;
  const reductions: number[] = [];
  const lrAfter: number[] = [];
  const better = (a: number, b: number) => {
    if (o.mode === 'min') return o.thresholdMode === 'rel' ? a < b * (1 - o.threshold) : a < b - o.threshold;
    return o.thresholdMode === 'rel' ? a > b * (1 + o.threshold) : a > b + o.threshold;
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (better(v, best)) {
      best = v;
      bad = 0;
    } else bad++;
    if (cool > 0) {
      cool--;
      bad = 0;
    }
    if (bad > o.patience) {
      const nl = Math.max(lr * o.factor, o.minLr);
      if (lr - nl > eps) {
        lr = nl;
        reductions.push(steps[i]);
        lrAfter.push(lr);
      }
      cool = o.cooldown;
      bad = 0;
    }
  }
  return { reductions, lrAfter };
}

export function reduceOnPlateau(ctx: SuggestionContext, o: PlateauOptions): Suggestion {
  const threshold = o.threshold ?? 1e-3;
  const cooldown = o.cooldown ?? 1;
  const minF = o.minLrFactor ?? 1e-3;
  const mon = ctx.monitor ?? { tag: ctx.lama ? 'val_ssim_fid100_f1_total_mean' : 'val_loss', mode: ctx.lama ? ('max' as const) : ('min' as const), steps: [], values: [] };
  // rel mode is only safe for metrics of constant sign (rules §1.1 pitfall)
  const thresholdMode: 'rel' | 'abs' = mon.values.some((v) => v <= 0) ? 'abs' : 'rel';
  const genLr = o.base?.genLr ?? ctx.genLr;
  const discLr = o.base ? o.base.discLr : ctx.discLr;
  const minLrG = genLr * minF;
  const minLrD = discLr !== null ? discLr * minF : null;
  const replay = replayReduceOnPlateau(mon.values, mon.steps, genLr, { mode: mon.mode, factor: o.factor, patience: o.patience, threshold, thresholdMode, cooldown, minLr: minLrG });
  const remaining = ctx.valInterval ? Math.max(0, Math.floor((ctx.endStep - ctx.lastStep) / ctx.valInterval)) : null;
  const params: Record<string, unknown> = {
    monitor: mon.tag,
    mode: mon.mode,
    factor: o.factor,
    patience: o.patience,
    threshold,
    threshold_mode: thresholdMode,
    cooldown,
    min_lr: sig(minLrG),
    discMinLr: sig(minLrD),
    genLr: sig(genLr),
    discLr: sig(discLr),
    previousGenLr: sig(ctx.genLr),
    validationIntervalSteps: ctx.valInterval,
    validationsRemaining: remaining,
    replayedReductionsAtSteps: replay.reductions,
    interval: 'epoch',
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  const sched = (minLr: number) => ({ kind: 'ReduceLROnPlateau', monitor: mon.tag, mode: mon.mode, factor: o.factor, patience: o.patience, threshold, threshold_mode: thresholdMode, cooldown, min_lr: minLr, interval: 'epoch' });
  const config = optimizersYaml(ctx, 'lrscope_plateau', genLr, discLr, { generator: sched(minLrG), ...(minLrD !== null ? { discriminator: sched(minLrD) } : {}) }, `${o.reason}; LR × ${fmtNum(o.factor)} after ${o.patience + 1} validations without a ${thresholdMode === 'rel' ? `${fmtNum(threshold)} relative` : `${fmtNum(threshold)}`} gain of ${mon.tag}`);
  const expr = (minLr: number) => `torch.optim.lr_scheduler.ReduceLROnPlateau({opt}, mode='${mon.mode}', factor=${pyNum(o.factor)}, patience=${o.patience}, threshold=${pyNum(threshold)}, threshold_mode='${thresholdMode}', cooldown=${cooldown}, min_lr=${pyNum(minLr)})`;
  const code = configureOptimizersCode(
    ctx,
    { expr: expr(minLrG), interval: 'epoch', monitor: mon.tag },
    minLrD !== null ? { expr: expr(minLrD), interval: 'epoch', monitor: mon.tag } : null,
    `stepped once per validation on ${mon.tag}; with patience=${o.patience} the LR drops at the ${ordinal(o.patience + 1)} validation in a row without improvement`,
  );
  const fn = (s: number) => {
    let lr = genLr;
    for (let i = 0; i < replay.reductions.length; i++) if (s > replay.reductions[i]) lr = replay.lrAfter[i];
    return lr;
  };
  return {
    title: o.title ?? `ReduceLROnPlateau(mode='${mon.mode}', factor=${pyNum(o.factor)}, patience=${o.patience}, min_lr=${pyNum(minLrG)}) on ${mon.tag}`,
    scheduler: 'ReduceLROnPlateau',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, replay.reductions.map((s) => s + 1)),
  };
}
