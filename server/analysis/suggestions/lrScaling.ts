// LR scaling: with the batch size (linear rule, Goyal et al.; square-root rule for Adam/RMSprop,
// Malladi et al. 2022 — rules §3.1–3.2) against the reference table for this kind of model, or by a
// plain factor for one player (an LR that is too large for the oscillating player). Both LRs move
// together unless one player is named, so LaMa's 10:1 G:D ratio is kept.
import type { Suggestion } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { fmtNum, pyNum, sig } from '../format';
import { optimizersYaml, sampleLr, trainingConfigFile } from './templates';

/**
 * Reference LR range for a batch size: 8–16 → 5e-4–1e-3, 32–64 → 1e-3–2e-3, 128+ → 2e-3–4e-3. A batch
 * between two rows may use either row's LRs, so it gets the span of both.
 */
export function referenceLrRange(batch: number): { range: [number, number]; row: string } {
  if (batch >= 128) return { range: [2e-3, 4e-3], row: '128+' };
  if (batch > 64) return { range: [1e-3, 4e-3], row: '65–127 (between the 32–64 and 128+ rows)' };
  if (batch >= 32) return { range: [1e-3, 2e-3], row: '32–64' };
  if (batch > 16) return { range: [5e-4, 2e-3], row: '17–31 (between the 8–16 and 32–64 rows)' };
  if (batch >= 8) return { range: [5e-4, 1e-3], row: '8–16' };
  const f = Math.sqrt(batch / 8);
  return { range: [5e-4 * f, 1e-3 * f], row: '< 8 (8–16 row scaled by √(batch/8))' };
}

/** The LR factor for a batch-size change: √κ for adaptive optimizers (Adam, AdamW, RMSprop), κ otherwise. */
export function batchLrFactor(optimizer: string, kappa: number): { factor: number; rule: 'sqrt' | 'linear' } {
  return /adam|rmsprop|adagrad/i.test(optimizer) ? { factor: Math.sqrt(kappa), rule: 'sqrt' } : { factor: kappa, rule: 'linear' };
}

export interface LrScalingOptions {
  /** change the batch size to this (LR scaled by the rule) */
  newBatch?: number;
  /** or multiply the LR(s) by this */
  factor?: number;
  /** or set these LRs (the batch rule's LR pulled into the table's range by suggest.ts) */
  target?: LrPair;
  player?: 'generator' | 'discriminator' | 'both';
  /** also raise the data-loader workers (LaMa: data.num_workers, 3 by default) */
  numWorkers?: number;
  title?: string;
  reason: string;
}

export function lrScaling(ctx: SuggestionContext, o: LrScalingOptions): Suggestion {
  const player = o.player ?? 'both';
  let factor = o.factor ?? 1;
  let rule: 'sqrt' | 'linear' | 'factor' = 'factor';
  let kappa: number | null = null;
  if (o.newBatch && ctx.batchSize) {
    kappa = o.newBatch / ctx.batchSize;
    const r = batchLrFactor(ctx.optimizer, kappa);
    factor = r.factor;
    rule = r.rule;
  }
  const ruleGenLr = ctx.genLr * factor;
  const genLr = o.target ? o.target.genLr : player === 'discriminator' ? ctx.genLr : ruleGenLr;
  const discLr = o.target ? o.target.discLr : ctx.discLr === null ? null : player === 'generator' ? ctx.discLr : ctx.discLr * factor;
  const batch = o.newBatch ?? ctx.batchSize;
  const ref = batch ? referenceLrRange(batch) : null;
  const params: Record<string, unknown> = {
    rule,
    factor: sig(o.target ? genLr / ctx.genLr : factor),
    player,
    currentBatch: ctx.batchSize,
    newBatch: o.newBatch ?? null,
    kappa,
    previousGenLr: sig(ctx.genLr),
    previousDiscLr: sig(ctx.discLr),
    genLr: sig(genLr),
    discLr: sig(discLr),
    ...(o.target && rule !== 'factor' ? { ruleGenLr: sig(ruleGenLr) } : {}),
    referenceRange: ref?.range ?? null,
    referenceRow: ref?.row ?? null,
    genLrInReferenceRange: ref ? genLr >= ref.range[0] * 0.999 && genLr <= ref.range[1] * 1.001 : null,
    numWorkers: o.numWorkers ?? ctx.numWorkers,
    previousNumWorkers: ctx.numWorkers,
    reason: o.reason,
  };
  if (ctx.assumedLr) params.assumedLaMaDefaults = true;
  let config = optimizersYaml(ctx, 'lrscope_scaled', genLr, discLr, null, `${o.reason}; ${o.target ? `G ${fmtNum(ctx.genLr)} → ${fmtNum(genLr)}${discLr !== null ? `, D ${ctx.discLr !== null ? fmtNum(ctx.discLr) : '—'} → ${fmtNum(discLr)}` : ''}` : rule === 'factor' ? `${player === 'both' ? 'both LRs' : `the ${player} LR`} × ${fmtNum(factor)}` : `batch ${ctx.batchSize} → ${o.newBatch}: κ = ${fmtNum(kappa!)}, LR × ${rule === 'sqrt' ? '√κ' : 'κ'} = ${fmtNum(factor)}`}${ref ? `; reference range for batch ${batch}: ${fmtNum(ref.range[0])}–${fmtNum(ref.range[1])}` : ''}`);
  if (o.newBatch || o.numWorkers) {
    config += `# and in the training config (${trainingConfigFile(ctx)}, or its data group):\ndata:\n${o.newBatch ? `  batch_size: ${o.newBatch}\n` : ''}${o.numWorkers ? `  num_workers: ${o.numWorkers}${ctx.numWorkers !== null ? `  # was ${ctx.numWorkers}` : ''}\n` : ''}`;
  }
  const code = ctx.lama
    ? `# No code change: LaMa's configure_optimizers (saicinpainting/training/trainers/base.py) reads\n# optimizers.generator.lr / optimizers.discriminator.lr, so the YAML above is enough:\n#   python bin/train.py -cn ${ctx.configName ?? '<config>'} optimizers=lrscope_scaled${o.newBatch ? ` data.batch_size=${o.newBatch}` : ''}${o.numWorkers ? ` data.num_workers=${o.numWorkers}` : ''}\n# (G lr ${pyNum(genLr)}, D lr ${discLr !== null ? pyNum(discLr) : '-'}${o.newBatch ? `; with Adam the √κ rule also suggests (1-β₁), (1-β₂) × κ and ε ÷ √κ` : ''})\n`
    : `# In configure_optimizers: torch.optim.${ctx.optimizer}(self.parameters(), lr=${pyNum(genLr)})${o.newBatch ? ` and the DataLoader batch_size=${o.newBatch}` : ''}\n`;
  return {
    title:
      o.title ??
      (o.target
        ? `G ${fmtNum(genLr)}, D ${discLr !== null ? fmtNum(discLr) : '—'}`
        : rule === 'factor'
        ? `${player === 'both' ? 'Both LRs' : `${player[0].toUpperCase()}${player.slice(1)} LR`} × ${fmtNum(factor)} (G ${fmtNum(genLr)}, D ${discLr !== null ? fmtNum(discLr) : '—'})`
        : `Batch ${ctx.batchSize} → ${o.newBatch} with ${rule === 'sqrt' ? '√κ' : 'linear'} LR scaling (G ${fmtNum(genLr)})`),
    scheduler: 'lr_scaling',
    params,
    config,
    code,
    previewLr: sampleLr(ctx, () => genLr),
  };
}
