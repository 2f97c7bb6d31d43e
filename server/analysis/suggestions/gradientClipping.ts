// Gradient clipping (rules §5.1): Lightning clips the global gradient norm when gradient_clip_val is set;
// LaMa's any_gpu_large_ssim_ddp_final.yaml already sets 1. If clipping is active most of the time the
// LR is too high — lowering the LR is the fix, not tighter clipping. So a run that already clips at
// max_norm or tighter gets no clipping suggestion at all ("keep it at 1" changes nothing).
import type { Suggestion } from '../types';
import type { SuggestionContext } from './templates';
import { fmtNum } from '../format';
import { sampleLr } from './templates';

export interface ClippingOptions {
  maxNorm: number;
  /** the G LR the companion LR suggestion sets, held from `resumeStep` in the preview (default: the run's LR) */
  genLr?: number;
  resumeStep?: number | null;
  title?: string;
  reason: string;
}

/** Clip at max_norm, or null when the run already clips at max_norm or tighter (0 / null = off in Lightning). */
export function gradientClipping(ctx: SuggestionContext, o: ClippingOptions): Suggestion | null {
  const current = ctx.gradientClipVal;
  if (current !== null && current > 0 && current <= o.maxNorm) return null;
  const from = o.resumeStep ?? ctx.firstStep;
  const params: Record<string, unknown> = {
    gradient_clip_val: o.maxNorm,
    currentGradientClipVal: current,
    genLr: o.genLr ?? null,
    resumeFromStep: o.resumeStep ?? null,
    startStep: from,
    reason: o.reason,
  };
  const was = current !== null && current > 0 ? `was ${fmtNum(current)}` : 'was off';
  const config =
    (ctx.lama ? `# configs/training/trainer/<your trainer>.yaml (the trainer group of ${ctx.configName ?? 'your config'}, e.g. any_gpu_large_ssim_ddp_final.yaml)\n` : `# Trainer arguments\n`) +
    `# ${o.reason}; clip the global gradient norm at ${o.maxNorm} (${was})\n` +
    (ctx.lama ? `kwargs:\n  gradient_clip_val: ${o.maxNorm}\n` : `gradient_clip_val: ${o.maxNorm}\n`);
  const code = ctx.lama
    ? `# No change to configure_optimizers: Lightning clips before each optimizer step when\n# trainer.kwargs.gradient_clip_val is set (override: trainer.kwargs.gradient_clip_val=${o.maxNorm}).\n`
    : `# pl.Trainer(..., gradient_clip_val=${o.maxNorm})  # or torch.nn.utils.clip_grad_norm_(self.parameters(), ${o.maxNorm}) before optimizer.step()\n`;
  const lr = o.genLr;
  return {
    title: o.title ?? `Clip gradients at norm ${o.maxNorm} (${was})`,
    scheduler: 'gradient_clipping',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, (s) => (lr === undefined || s < from ? ctx.lrAt(s) : lr), [from]),
  };
}
