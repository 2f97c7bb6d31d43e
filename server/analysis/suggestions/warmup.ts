// Linear warm-up (Goyal et al. 2017, rules §3.1 / §5.1): ramp the LR from start_factor·lr to lr over
// W iterations. Written with LambdaLR so it runs on LaMa's torch 1.8 (LinearLR needs torch ≥ 1.10).
import type { Suggestion } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { fmtNum, pyNum, sig } from '../format';
import { configureOptimizersCode, optimizersYaml, sampleLr } from './templates';

export interface WarmupOptions {
  warmupSteps: number;
  /** multiply both LRs (keeps the G:D ratio): 0.5 after a divergence, 2–3 for a too-low LR */
  lrFactor?: number;
  /** or warm up to these LRs (the anchored LRs of suggest.ts) */
  target?: LrPair;
  startFactor?: number;
  /** resume from the checkpoint at this step (rollback); null = a fresh run from step 0 */
  resumeStep?: number | null;
  title?: string;
  reason: string;
}

/** Warm-up length from the run: ~0.15 epoch, within [2 000, 5 000] iterations for LaMa-size epochs. */
export function warmupLength(epochSteps: number | null, blockSteps: number): number {
  if (!epochSteps) return 2000;
  const w = Math.round(0.15 * epochSteps);
  if (epochSteps >= 13000) return Math.min(5000, Math.max(2000, w));
  return Math.max(5 * blockSteps, Math.min(5000, w));
}

export function linearWarmup(ctx: SuggestionContext, o: WarmupOptions): Suggestion {
  const start = o.startFactor ?? 0.01;
  const W = Math.max(1, Math.round(o.warmupSteps));
  const genLr = o.target ? o.target.genLr : ctx.genLr * (o.lrFactor ?? 1);
  const discLr = o.target ? o.target.discLr : ctx.discLr !== null ? ctx.discLr * (o.lrFactor ?? 1) : null;
  const lrFactor = genLr / ctx.genLr;
  const from = o.resumeStep ?? ctx.firstStep;
  const lam = `lambda step: min(1.0, ${pyNum(start)} + ${pyNum(1 - start)} * step / ${W})`;
  const params: Record<string, unknown> = {
    warmupSteps: W,
    startFactor: start,
    genLr: sig(genLr),
    discLr: sig(discLr),
    lrFactor: sig(lrFactor),
    previousGenLr: sig(ctx.genLr),
    previousDiscLr: sig(ctx.discLr),
    resumeFromStep: o.resumeStep ?? null,
    interval: 'step',
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  const config = optimizersYaml(ctx, 'lrscope_warmup', genLr, discLr, {
    generator: { kind: 'LambdaLR', warmup_steps: W, start_factor: start, interval: 'step' },
    ...(discLr !== null ? { discriminator: { kind: 'LambdaLR', warmup_steps: W, start_factor: start, interval: 'step' } } : {}),
  }, `${o.reason}; LRs × ${fmtNum(lrFactor)} (G ${fmtNum(genLr)}, D ${discLr !== null ? fmtNum(discLr) : '—'}), linear warm-up over ${W} iterations`);
  const spec = { expr: `torch.optim.lr_scheduler.LambdaLR({opt}, ${lam})`, interval: 'step' as const };
  let code = configureOptimizersCode(ctx, spec, discLr !== null ? spec : null, `warm-up from ${pyNum(start)}×lr to lr over ${W} iterations, stepped every iteration; torch ≥ 1.10 can use LinearLR(start_factor=${pyNum(start)}, total_iters=${W})`);
  if (o.resumeStep != null)
    code += `# Roll back: resume from the checkpoint saved at step ${o.resumeStep} (trainer.kwargs.resume_from_checkpoint=<that .ckpt>); the LambdaLR counts iterations from the resume.\n`;
  const ramp = (s: number) => (s < from ? ctx.lrAt(s) : genLr * Math.min(1, start + ((1 - start) * (s - from)) / W));
  return {
    title: o.title ?? `Linear warm-up over ${W} iterations to G lr ${fmtNum(genLr)}${o.resumeStep != null ? ` after rolling back to step ${o.resumeStep}` : ''}`,
    scheduler: 'LinearWarmup',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, ramp, [from, from + W]),
  };
}
