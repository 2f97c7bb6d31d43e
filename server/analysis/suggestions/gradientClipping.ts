// Gradient clipping (rules §5.1): Lightning clips the global gradient norm when gradient_clip_val is set;
// LaMa's any_gpu_large_ssim_ddp_final.yaml already sets 1. If clipping is active most of the time the
// LR is too high — lowering the LR is the fix, not tighter clipping.
import type { Suggestion } from '../types';
import type { SuggestionContext } from './templates';
import { sampleLr } from './templates';

export function gradientClipping(ctx: SuggestionContext, o: { maxNorm: number; reason: string }): Suggestion {
  const current = ctx.gradientClipVal;
  const already = current !== null && current > 0 && current <= o.maxNorm;
  const params: Record<string, unknown> = {
    gradient_clip_val: already ? current : o.maxNorm,
    currentGradientClipVal: current,
    alreadyClipping: already,
    reason: o.reason,
  };
  const config =
    (ctx.lama ? `# configs/training/trainer/<your trainer>.yaml (e.g. any_gpu_large_ssim_ddp_final.yaml)\n` : `# Trainer arguments\n`) +
    `# ${already ? `already clipping at ${current}: keep it; if clipping is active most of the time, lower the LR instead` : `${o.reason}; clip the global gradient norm at ${o.maxNorm}`}\n` +
    (ctx.lama ? `kwargs:\n  gradient_clip_val: ${already ? current : o.maxNorm}\n` : `gradient_clip_val: ${already ? current : o.maxNorm}\n`);
  const code = ctx.lama
    ? `# No change to configure_optimizers: Lightning clips before each optimizer step when\n# trainer.kwargs.gradient_clip_val is set (override: trainer.kwargs.gradient_clip_val=${already ? current : o.maxNorm}).\n`
    : `# pl.Trainer(..., gradient_clip_val=${already ? current : o.maxNorm})  # or torch.nn.utils.clip_grad_norm_(self.parameters(), ${already ? current : o.maxNorm}) before optimizer.step()\n`;
  return {
    title: already ? `Keep gradient clipping at ${current} (fix the LR, not the clip)` : `Clip gradients at norm ${o.maxNorm}`,
    scheduler: 'gradient_clipping',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, (s) => ctx.lrAt(s)),
  };
}
