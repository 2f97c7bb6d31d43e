// Generator:discriminator LR ratio (rules §3.6, §5.5). LaMa's default is G 1e-3 : D 1e-4 (10:1, the
// reverse of TTUR's faster discriminator). D winning → slower D (× 0.5) and a stronger R1 penalty;
// D not learning / G fooling D → a faster D (η_D = η_G / 5).
import type { Suggestion } from '../types';
import type { SuggestionContext } from './templates';
import { fmtNum, pyNum, sig, yamlNum } from '../format';
import { optimizersYaml, sampleLr, trainingConfigFile } from './templates';

export interface GdRatioOptions {
  genLr: number;
  discLr: number;
  /** R1 gp_coef to set (LaMa: losses.adversarial.gp_coef, 0.001 in lama-fourier) */
  gpCoef?: number;
  resumeStep?: number | null;
  title?: string;
  reason: string;
}

export function gdRatio(ctx: SuggestionContext, o: GdRatioOptions): Suggestion {
  const from = o.resumeStep ?? ctx.firstStep;
  const params: Record<string, unknown> = {
    genLr: sig(o.genLr),
    discLr: sig(o.discLr),
    previousGenLr: sig(ctx.genLr),
    previousDiscLr: sig(ctx.discLr),
    ratio: o.genLr / o.discLr,
    previousRatio: ctx.discLr ? ctx.genLr / ctx.discLr : null,
    lamaDefault: { genLr: 1e-3, discLr: 1e-4, ratio: 10 },
    gpCoef: o.gpCoef ?? null,
    resumeFromStep: o.resumeStep ?? null,
    startStep: from,
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  let config = optimizersYaml(ctx, 'lrscope_gd_ratio', o.genLr, o.discLr, null, `${o.reason}; G:D = ${fmtNum(o.genLr / o.discLr)}:1 (was ${ctx.discLr ? fmtNum(ctx.genLr / ctx.discLr) : '?'}:1; LaMa default 10:1)`);
  if (o.gpCoef !== undefined) config += `# and in the training config (${trainingConfigFile(ctx)}):\nlosses:\n  adversarial:\n    gp_coef: ${yamlNum(o.gpCoef)}\n`;
  const code =
    `# No code change: configure_optimizers (saicinpainting/training/trainers/base.py) passes optimizers.generator /\n` +
    `# optimizers.discriminator to make_optimizer. Run with:\n` +
    `#   python bin/train.py -cn ${ctx.configName ?? '<config>'} optimizers=lrscope_gd_ratio${o.gpCoef !== undefined ? ` losses.adversarial.gp_coef=${pyNum(o.gpCoef)}` : ''}${o.resumeStep != null ? ` trainer.kwargs.resume_from_checkpoint=<checkpoint at step ${o.resumeStep}>` : ''}\n`;
  return {
    title: o.title ?? `G:D LR ${fmtNum(o.genLr)} : ${fmtNum(o.discLr)}${o.gpCoef !== undefined ? `, R1 gp_coef ${fmtNum(o.gpCoef)}` : ''}`,
    scheduler: 'gd_ratio',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, (s) => (s < from ? ctx.lrAt(s) : o.genLr), [from]),
  };
}
