// Cosine annealing, warm restarts (SGDR, Loshchilov & Hutter 2017), cyclical LR (Smith 2017) and
// one-cycle (Smith & Topin) — rules §3.3–3.5. All are stepped every iteration (interval 'step').
import type { Suggestion } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { fmtNum, pyNum, sig } from '../format';
import { configureOptimizersCode, optimizersYaml, sampleLr } from './templates';

export interface WarmRestartOptions {
  /** first cycle length in iterations (LaMa: the validation interval) */
  t0: number;
  tMult: number;
  etaMinFactor: number;
  /** the schedule starts here (resume from the checkpoint at this step); default: the first step */
  startStep?: number;
  /** the LRs each cycle starts from (default: the context's) */
  base?: LrPair;
  title?: string;
  reason: string;
}

/** η_t = η_min + ½(η_max − η_min)(1 + cos(π T_cur / T_i)), T_i = T_0·T_multⁱ. */
export function sgdrLr(s: number, base: number, etaMin: number, t0: number, tMult: number): number {
  let start = 0;
  let len = t0;
  while (s >= start + len) {
    start += len;
    len *= tMult;
  }
  return etaMin + 0.5 * (base - etaMin) * (1 + Math.cos((Math.PI * (s - start)) / len));
}

export function cosineWarmRestarts(ctx: SuggestionContext, o: WarmRestartOptions): Suggestion {
  const t0 = Math.max(1, Math.round(o.t0));
  const base = o.base?.genLr ?? ctx.genLr;
  const discBase = o.base ? o.base.discLr : ctx.discLr;
  const etaMin = base * o.etaMinFactor;
  const etaMinD = discBase !== null ? discBase * o.etaMinFactor : null;
  const from = o.startStep ?? ctx.firstStep;
  const restarts: number[] = [];
  for (let st = from + t0, len = t0 * o.tMult; st <= ctx.lastStep; st += len, len *= o.tMult) restarts.push(st);
  const params: Record<string, unknown> = {
    T_0: t0,
    T_mult: o.tMult,
    eta_min: sig(etaMin),
    discEtaMin: sig(etaMinD),
    genLr: sig(base),
    discLr: sig(discBase),
    previousGenLr: sig(ctx.genLr),
    startStep: from,
    restartsAtSteps: restarts,
    interval: 'step',
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  const sched = (em: number) => ({ kind: 'CosineAnnealingWarmRestarts', T_0: t0, T_mult: o.tMult, eta_min: em, interval: 'step' });
  const config = optimizersYaml(ctx, 'lrscope_sgdr', base, discBase, { generator: sched(etaMin), ...(etaMinD !== null ? { discriminator: sched(etaMinD) } : {}) }, `${o.reason}; cosine from lr to ${fmtNum(o.etaMinFactor)}·lr, restarting after ${t0} iterations, cycles × ${o.tMult}`);
  const expr = (em: number) => `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts({opt}, T_0=${t0}, T_mult=${o.tMult}, eta_min=${pyNum(em)})`;
  let code = configureOptimizersCode(ctx, { expr: expr(etaMin), interval: 'step' }, etaMinD !== null ? { expr: expr(etaMinD), interval: 'step' } : null, `stepped every iteration, so T_0 counts iterations: first restart after ${t0}`);
  if (o.startStep != null && o.startStep > ctx.firstStep) code += `# Resume from the checkpoint at step ${o.startStep} (trainer.kwargs.resume_from_checkpoint=<that .ckpt>); the schedule counts from the resume.\n`;
  const fn = (s: number) => (s < from ? ctx.lrAt(s) : sgdrLr(s - from, base, etaMin, t0, o.tMult));
  return {
    title: o.title ?? `CosineAnnealingWarmRestarts(T_0=${t0}, T_mult=${o.tMult}, eta_min=${pyNum(etaMin)})`,
    scheduler: 'CosineAnnealingWarmRestarts',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, [from, ...restarts]),
  };
}

export interface CosineOptions {
  /** anneal over this many iterations from startStep */
  tMax: number;
  etaMinFactor: number;
  /** multiply the starting LR (e.g. 0.5 to also lower it) */
  lrFactor?: number;
  /** or start from these LRs (eta_min is relative to them) */
  base?: LrPair;
  startStep?: number;
  title?: string;
  reason: string;
}

export function cosineAnnealing(ctx: SuggestionContext, o: CosineOptions): Suggestion {
  const tMax = Math.max(1, Math.round(o.tMax));
  const f = o.base ? o.base.genLr / ctx.genLr : o.lrFactor ?? 1;
  const base = o.base?.genLr ?? ctx.genLr * f;
  const discBase = o.base ? o.base.discLr : ctx.discLr !== null ? ctx.discLr * f : null;
  const etaMin = base * o.etaMinFactor;
  const etaMinD = discBase !== null ? discBase * o.etaMinFactor : null;
  const from = o.startStep ?? ctx.firstStep;
  const params: Record<string, unknown> = {
    T_max: tMax,
    eta_min: sig(etaMin),
    discEtaMin: sig(etaMinD),
    genLr: sig(base),
    discLr: sig(discBase),
    lrFactor: sig(f),
    previousGenLr: sig(ctx.genLr),
    startStep: from,
    endStep: from + tMax,
    interval: 'step',
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  const sched = (em: number) => ({ kind: 'CosineAnnealingLR', T_max: tMax, eta_min: em, interval: 'step' });
  const config = optimizersYaml(ctx, 'lrscope_cosine', base, discBase, { generator: sched(etaMin), ...(etaMinD !== null ? { discriminator: sched(etaMinD) } : {}) }, `${o.reason}; cosine decay from G lr ${fmtNum(base)} to ${fmtNum(etaMin)} over ${tMax} iterations`);
  const expr = (em: number) => `torch.optim.lr_scheduler.CosineAnnealingLR({opt}, T_max=${tMax}, eta_min=${pyNum(em)})`;
  let code = configureOptimizersCode(ctx, { expr: expr(etaMin), interval: 'step' }, etaMinD !== null ? { expr: expr(etaMinD), interval: 'step' } : null, `stepped every iteration: reaches eta_min after ${tMax} iterations`);
  if (from > ctx.firstStep) code += `# Resume from the checkpoint at step ${from} (trainer.kwargs.resume_from_checkpoint=<that .ckpt>); T_max counts from the resume.\n`;
  const fn = (s: number) => (s < from ? ctx.lrAt(s) : etaMin + 0.5 * (base - etaMin) * (1 + Math.cos((Math.PI * Math.min(s - from, tMax)) / tMax)));
  return {
    title: o.title ?? `CosineAnnealingLR(T_max=${tMax}, eta_min=${pyNum(etaMin)})${from > ctx.firstStep ? ` from step ${from}` : ''}`,
    scheduler: 'CosineAnnealingLR',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, [from]),
  };
}

export interface CyclicOptions {
  baseLr: number;
  maxLr: number;
  stepSizeUp: number;
  mode: 'triangular' | 'triangular2';
  title?: string;
  reason: string;
}

export function cyclicLrValue(s: number, lo: number, hi: number, up: number, mode: 'triangular' | 'triangular2'): number {
  const cycle = Math.floor(s / (2 * up));
  const x = Math.abs(s / up - 2 * cycle - 1);
  const amp = (hi - lo) * Math.max(0, 1 - x) * (mode === 'triangular2' ? Math.pow(0.5, cycle) : 1);
  return lo + amp;
}

export function cyclicLr(ctx: SuggestionContext, o: CyclicOptions): Suggestion {
  const up = Math.max(1, Math.round(o.stepSizeUp));
  const ratio = ctx.discLr !== null ? ctx.discLr / ctx.genLr : null;
  const params: Record<string, unknown> = {
    base_lr: o.baseLr,
    max_lr: sig(o.maxLr),
    step_size_up: up,
    mode: o.mode,
    cycle_momentum: false,
    discBaseLr: ratio !== null ? o.baseLr * ratio : null,
    discMaxLr: ratio !== null ? o.maxLr * ratio : null,
    interval: 'step',
    reason: o.reason,
  };
  const sched = (lo: number, hi: number) => ({ kind: 'CyclicLR', base_lr: lo, max_lr: hi, step_size_up: up, mode: o.mode, cycle_momentum: false, interval: 'step' });
  const config = optimizersYaml(ctx, 'lrscope_cyclic', o.baseLr, ratio !== null ? o.baseLr * ratio : null, { generator: sched(o.baseLr, o.maxLr), ...(ratio !== null ? { discriminator: sched(o.baseLr * ratio, o.maxLr * ratio) } : {}) }, `${o.reason}; max_lr/base_lr = ${fmtNum(o.maxLr / o.baseLr)} (Smith: ≤ 4), cycle_momentum off (Adam would cycle β₁)`);
  const expr = (lo: number, hi: number) => `torch.optim.lr_scheduler.CyclicLR({opt}, base_lr=${pyNum(lo)}, max_lr=${pyNum(hi)}, step_size_up=${up}, mode='${o.mode}', cycle_momentum=False)`;
  const code = configureOptimizersCode(ctx, { expr: expr(o.baseLr, o.maxLr), interval: 'step' }, ratio !== null ? { expr: expr(o.baseLr * ratio, o.maxLr * ratio), interval: 'step' } : null, `half-cycle of ${up} iterations, stepped every iteration`);
  const fn = (s: number) => cyclicLrValue(Math.max(0, s - ctx.firstStep), o.baseLr, o.maxLr, up, o.mode);
  // peaks and troughs are the change points the preview must keep
  const peaks: number[] = [];
  for (let s = ctx.firstStep + up; s <= ctx.lastStep && peaks.length < 150; s += up) peaks.push(s);
  return {
    title: o.title ?? `CyclicLR(${o.mode}, ${pyNum(o.baseLr)}–${pyNum(o.maxLr)}, step_size_up=${up})`,
    scheduler: 'CyclicLR',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, peaks),
  };
}

export interface OneCycleOptions {
  maxLr: number;
  /** the discriminator's max_lr (default: maxLr at the context's D:G ratio) */
  discMaxLr?: number | null;
  totalSteps: number;
  startStep?: number;
  pctStart?: number;
  title?: string;
  reason: string;
}

export function oneCycleLrValue(i: number, maxLr: number, total: number, pctStart: number, div: number, finalDiv: number): number {
  const init = maxLr / div;
  const min = init / finalDiv;
  const up = pctStart * total - 1;
  const cosAnneal = (a: number, b: number, p: number) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * p));
  if (i <= up) return cosAnneal(init, maxLr, up > 0 ? i / up : 1);
  return cosAnneal(maxLr, min, Math.min(1, (i - up) / (total - 1 - up)));
}

export function oneCycle(ctx: SuggestionContext, o: OneCycleOptions): Suggestion {
  const total = Math.max(2, Math.round(o.totalSteps));
  const pct = o.pctStart ?? 0.3;
  const from = o.startStep ?? ctx.firstStep;
  const ratio = o.discMaxLr !== undefined ? (o.discMaxLr === null ? null : o.discMaxLr / o.maxLr) : ctx.discLr !== null ? ctx.discLr / ctx.genLr : null;
  const params: Record<string, unknown> = {
    max_lr: sig(o.maxLr),
    discMaxLr: ratio !== null ? sig(o.maxLr * ratio) : null,
    total_steps: total,
    pct_start: pct,
    div_factor: 25,
    final_div_factor: 1e4,
    cycle_momentum: false,
    startStep: from,
    previousGenLr: sig(ctx.genLr),
    interval: 'step',
    reason: o.reason,
  };
  const sched = (m: number) => ({ kind: 'OneCycleLR', max_lr: m, total_steps: total, pct_start: pct, div_factor: 25, final_div_factor: 10000, cycle_momentum: false, interval: 'step' });
  const config = optimizersYaml(ctx, 'lrscope_onecycle', o.maxLr / 25, ratio !== null ? (o.maxLr * ratio) / 25 : null, { generator: sched(o.maxLr), ...(ratio !== null ? { discriminator: sched(o.maxLr * ratio) } : {}) }, `${o.reason}; up to G max_lr ${fmtNum(o.maxLr)} over the first ${pct * 100}% of ${total} iterations, then cosine down`);
  const expr = (m: number) => `torch.optim.lr_scheduler.OneCycleLR({opt}, max_lr=${pyNum(m)}, total_steps=${total}, pct_start=${pyNum(pct)}, div_factor=25, final_div_factor=1e4, cycle_momentum=False)`;
  let code = configureOptimizersCode(ctx, { expr: expr(o.maxLr), interval: 'step' }, ratio !== null ? { expr: expr(o.maxLr * ratio), interval: 'step' } : null, `stepped every iteration; stepping past total_steps=${total} raises, so set it to the iterations left`);
  if (from > ctx.firstStep) code += `# Resume from the checkpoint at step ${from} (trainer.kwargs.resume_from_checkpoint=<that .ckpt>).\n`;
  const fn = (s: number) => (s < from ? ctx.lrAt(s) : oneCycleLrValue(Math.min(total - 1, s - from), o.maxLr, total, pct, 25, 1e4));
  return {
    title: o.title ?? `OneCycleLR(max_lr=${pyNum(o.maxLr)}, total_steps=${total})`,
    scheduler: 'OneCycleLR',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, [from, Math.round(from + pct * total)]),
  };
}
