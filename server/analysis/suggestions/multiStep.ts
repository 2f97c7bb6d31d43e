// MultiStepLR (step decay): LR × gamma at each milestone. Milestones are epochs for LaMa (the scheduler
// steps at each epoch end, i.e. after each 25 000-iteration validation), else iterations.
import type { Suggestion } from '../types';
import type { SuggestionContext } from './templates';
import { fmtNum, pyNum, sig } from '../format';
import { configureOptimizersCode, optimizersYaml, sampleLr } from './templates';

export interface MultiStepOptions {
  /** milestone steps (the LR changes from these steps on) */
  milestones: number[];
  gamma: number;
  title?: string;
  reason: string;
}

export function multiStep(ctx: SuggestionContext, o: MultiStepOptions): Suggestion {
  const ms = [...new Set(o.milestones.map((m) => Math.round(m)))].sort((a, b) => a - b);
  const ep = ctx.epochSteps;
  const inEpochs = ep !== null && ms.every((m) => m % ep === 0);
  const milestones = inEpochs ? ms.map((m) => m / ep!) : ms;
  const interval = inEpochs ? 'epoch' : 'step';
  const base = ctx.genLr;
  const params: Record<string, unknown> = {
    milestones,
    milestoneUnit: inEpochs ? 'epoch' : 'step',
    milestoneSteps: ms,
    gamma: o.gamma,
    genLr: sig(base),
    discLr: sig(ctx.discLr),
    genLrAfter: ms.map((_, i) => base * Math.pow(o.gamma, i + 1)),
    interval,
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  const sched = { kind: 'MultiStepLR', milestones, gamma: o.gamma, interval };
  const config = optimizersYaml(ctx, 'lrscope_multistep', base, ctx.discLr, { generator: sched, ...(ctx.discLr !== null ? { discriminator: sched } : {}) }, `${o.reason}; LR × ${fmtNum(o.gamma)} at ${inEpochs ? 'epoch' : 'step'}${milestones.length > 1 ? 's' : ''} ${milestones.join(', ')}`);
  const spec = { expr: `torch.optim.lr_scheduler.MultiStepLR({opt}, milestones=[${milestones.join(', ')}], gamma=${pyNum(o.gamma)})`, interval: interval as 'step' | 'epoch' };
  const code = configureOptimizersCode(ctx, spec, ctx.discLr !== null ? spec : null, `step decay × ${pyNum(o.gamma)} at ${inEpochs ? 'epochs' : 'iterations'} ${milestones.join(', ')} (steps ${ms.join(', ')})`);
  const fn = (s: number) => base * Math.pow(o.gamma, ms.filter((m) => s >= m).length);
  return {
    title: o.title ?? `MultiStepLR: × ${fmtNum(o.gamma)} at step${ms.length > 1 ? 's' : ''} ${ms.join(', ')}`,
    scheduler: 'MultiStepLR',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, ms),
  };
}
