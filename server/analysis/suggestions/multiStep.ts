// MultiStepLR (step decay): LR × gamma at each milestone. Milestones are epochs for LaMa (the scheduler
// steps at each epoch end, i.e. after each 25 000-iteration validation), else iterations.
import type { Suggestion } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { fmtNum, pyNum, sig } from '../format';
import { configureOptimizersCode, optimizersYaml, sampleLr } from './templates';

export interface MultiStepOptions {
  /** milestone steps (the LR changes from these steps on) */
  milestones: number[];
  gamma: number;
  /** the LRs before the first milestone (default: the context's) */
  base?: LrPair;
  /** resume from the checkpoint at this step (the run's own LR before it); default: a run from the start */
  startStep?: number;
  title?: string;
  reason: string;
}

export function multiStep(ctx: SuggestionContext, o: MultiStepOptions): Suggestion {
  const ms = [...new Set(o.milestones.map((m) => Math.round(m)))].sort((a, b) => a - b);
  const base = o.base?.genLr ?? ctx.genLr;
  const discBase = o.base ? o.base.discLr : ctx.discLr;
  const from = o.startStep ?? ctx.firstStep;
  // a scheduler new to a resumed run starts counting at the resume (the step after the checkpoint)
  const origin = from > ctx.firstStep ? from + 1 : 0;
  const ep = ctx.epochSteps;
  const inEpochs = ep !== null && ms.every((m) => (m - origin) % ep === 0);
  const milestones = inEpochs ? ms.map((m) => (m - origin) / ep!) : ms.map((m) => m - origin);
  const interval = inEpochs ? 'epoch' : 'step';
  const params: Record<string, unknown> = {
    milestones,
    milestoneUnit: inEpochs ? 'epoch' : 'step',
    milestoneSteps: ms,
    gamma: o.gamma,
    genLr: sig(base),
    discLr: sig(discBase),
    previousGenLr: sig(ctx.genLr),
    genLrAfter: ms.map((_, i) => sig(base * Math.pow(o.gamma, i + 1))),
    startStep: from,
    interval,
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  const sched = { kind: 'MultiStepLR', milestones, gamma: o.gamma, interval };
  const config = optimizersYaml(ctx, 'lrscope_multistep', base, discBase, { generator: sched, ...(discBase !== null ? { discriminator: sched } : {}) }, `${o.reason}; LR × ${fmtNum(o.gamma)} at ${inEpochs ? 'epoch' : 'step'}${milestones.length > 1 ? 's' : ''} ${milestones.join(', ')}`);
  const spec = { expr: `torch.optim.lr_scheduler.MultiStepLR({opt}, milestones=[${milestones.join(', ')}], gamma=${pyNum(o.gamma)})`, interval: interval as 'step' | 'epoch' };
  let code = configureOptimizersCode(ctx, spec, discBase !== null ? spec : null, `step decay × ${pyNum(o.gamma)} at ${inEpochs ? 'epochs' : 'iterations'} ${milestones.join(', ')} (steps ${ms.join(', ')})`);
  if (from > ctx.firstStep) code += `# Resume from the checkpoint at step ${from} (trainer.kwargs.resume_from_checkpoint=<that .ckpt>); the new scheduler counts from the resume, so its milestones are ${inEpochs ? 'epochs' : 'iterations'} after it.\n`;
  const fn = (s: number) => (s < from ? ctx.lrAt(s) : base * Math.pow(o.gamma, ms.filter((m) => s >= m).length));
  return {
    title: o.title ?? `MultiStepLR: × ${fmtNum(o.gamma)} at step${ms.length > 1 ? 's' : ''} ${ms.join(', ')}`,
    scheduler: 'MultiStepLR',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, fn, from > ctx.firstStep ? [from, ...ms] : ms),
  };
}
