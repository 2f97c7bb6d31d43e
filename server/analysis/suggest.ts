// Suggestions per finding: the scheduler change, with parameters computed from the run (rules §5,
// decision table §5.7). Pure: a finding and the prepared run in, suggestions out.
import { median } from './robust';
import { fmtNum } from './format';
import type { AnalysisInput, Finding, Suggestion } from './types';
import type { SuggestionContext } from './suggestions/templates';
import { linearWarmup, warmupLength } from './suggestions/warmup';
import { multiStep } from './suggestions/multiStep';
import { reduceOnPlateau } from './suggestions/reduceOnPlateau';
import { cosineAnnealing, cosineWarmRestarts, oneCycle } from './suggestions/cosine';
import { lrScaling, referenceLrRange } from './suggestions/lrScaling';
import { gradientClipping } from './suggestions/gradientClipping';
import { gdRatio } from './suggestions/gdRatio';


const LAMA_G_LR = 1e-3;
const LAMA_D_LR = 1e-4;

/** The run facts the suggestion builders need (current LRs, epoch length, monitor…). */
export function suggestionContext(input: AnalysisInput): SuggestionContext {
  const { run, budget, events, train, val } = input;
  const lama = budget.discLr !== null || train.some((s) => s.info.role === 'disc_adv' || s.info.role === 'gen_adv');
  const lastLr = events.lrAt(budget.lastStep);
  const assumed = budget.genLr === null && (lastLr === null || events.lrSource === 'unknown');
  const genLr = lastLr ?? budget.genLr ?? LAMA_G_LR;
  const cfgRatio = budget.genLr && budget.discLr ? budget.discLr / budget.genLr : 0.1;
  const discLr = lama ? (budget.discLr !== null && budget.genLr ? genLr * cfgRatio : budget.discLr ?? (assumed ? LAMA_D_LR : genLr * 0.1)) : null;
  const mon = val.find((s) => s.info.monitor && s.info.role === 'val_quality') ?? val.find((s) => s.info.monitor) ?? null;
  return {
    lama,
    genLr,
    discLr,
    assumedLr: assumed,
    optimizer: run.context.genOptimizer ?? 'adam',
    batchSize: run.context.batchSize,
    firstStep: budget.firstStep,
    lastStep: budget.lastStep,
    endStep: Math.max(budget.planned ?? budget.lastStep, budget.lastStep),
    epochSteps: budget.epochSteps,
    valInterval: budget.valInterval,
    gradientClipVal: run.context.gradientClipVal,
    monitor: mon ? { tag: mon.tag, mode: mon.info.direction, steps: Array.from(mon.steps), values: Array.from(mon.values) } : null,
    lrAt: (s: number) => events.lrAt(s) ?? genLr,
  };
}

/** The checkpoint LaMa saved last before a step (one per epoch, at the epoch's last step). */
function checkpointBefore(input: AnalysisInput, step: number): number | null {
  const ep = input.budget.epochSteps;
  if (!ep) return null;
  const k = Math.floor((step + 1) / ep);
  return k >= 1 ? k * ep - 1 : null;
}

/** Next epoch boundary (a MultiStep milestone) at or after a step. */
function nextEpochStart(input: AnalysisInput, step: number): number {
  const ep = input.budget.epochSteps;
  if (!ep) return Math.round(step);
  return Math.ceil((step + 1) / ep) * ep;
}

export function suggestFor(f: Finding, input: AnalysisInput): Suggestion[] {
  const ctx = suggestionContext(input);
  const { budget } = input;
  const blockSteps = input.train.length ? median(input.train.map((s) => s.blocks.blockSteps)) : 1;
  const remaining = Math.max(0, ctx.endStep - budget.lastStep);
  const remainingValidations = budget.valInterval ? Math.floor(remaining / budget.valInterval) : null;
  // ReduceLROnPlateau patience from the run's validation budget (LaMa: 40 validations → 3); a run with
  // only a few validations left reacts faster
  const totalValidations = budget.valInterval ? Math.floor(ctx.endStep / budget.valInterval) : null;
  let patience = totalValidations === null ? 2 : totalValidations >= 24 ? 3 : totalValidations >= 10 ? 2 : 1;
  if (remainingValidations !== null && remainingValidations > 0 && remainingValidations < 2 * (patience + 1)) patience = 1;
  const ev = f.evidence as Record<string, unknown>;
  switch (f.kind) {
    case 'divergence': {
      const ckpt = checkpointBefore(input, f.startStep);
      return [
        linearWarmup(ctx, {
          warmupSteps: warmupLength(budget.epochSteps, blockSteps),
          lrFactor: 0.5,
          resumeStep: ckpt,
          title: `Roll back${ckpt !== null ? ` to the checkpoint at step ${ckpt}` : ''}, halve both LRs and warm up`,
          reason: `diverged from step ${f.startStep}`,
        }),
        gradientClipping(ctx, { maxNorm: 1, reason: 'keep the global gradient norm bounded' }),
      ];
    }
    case 'oscillation': {
      const players = (ev.players as string[] | undefined) ?? ['generator'];
      const player = players.length > 1 ? 'both' : (players[0] as 'generator' | 'discriminator');
      const out = [
        lrScaling(ctx, { factor: 0.5, player, reason: `${f.metrics[0]} oscillates from step ${f.startStep}: the ${player === 'both' ? '' : `${player} `}step is too large` }),
        cosineAnnealing(ctx, {
          tMax: Math.max(1, ctx.endStep - f.startStep),
          etaMinFactor: 0.01,
          startStep: checkpointBefore(input, f.startStep) ?? ctx.firstStep,
          title: `Cosine decay to 0.01·lr over the remaining ${Math.max(1, ctx.endStep - f.startStep)} steps`,
          reason: 'damp the oscillation as training proceeds',
        }),
      ];
      if (!(ctx.gradientClipVal && ctx.gradientClipVal > 0)) out.push(gradientClipping(ctx, { maxNorm: 1, reason: 'bound the update size' }));
      return out;
    }
    case 'plateau': {
      const early = ev.early === true;
      const rop = reduceOnPlateau(ctx, { factor: 0.5, patience, cooldown: 1, reason: `plateau from step ${f.startStep}, ${remainingValidations ?? '?'} validations left` });
      if (early) {
        const t0 = Math.max(1, Math.round(budget.valInterval ?? budget.epochSteps ?? 2000));
        return [
          cosineWarmRestarts(ctx, {
            t0,
            tMult: 2,
            etaMinFactor: 0.01,
            startStep: checkpointBefore(input, f.startStep) ?? undefined,
            reason: `early plateau from step ${f.startStep}: restart exploration`,
          }),
          rop,
        ];
      }
      const ms = nextEpochStart(input, budget.lastStep);
      return [rop, multiStep(ctx, { milestones: [ms], gamma: 0.1, reason: `late plateau from step ${f.startStep}: decay now` })];
    }
    case 'overfitting': {
      const best = Number(ev.bestStep ?? f.startStep);
      const ms = nextEpochStart(input, best);
      return [
        multiStep(ctx, {
          milestones: [ms],
          gamma: 0.1,
          title: `Keep the checkpoint of step ${best}; LR × 0.1 from step ${ms} (or stop: EarlyStopping(patience=3))`,
          reason: `validation best at step ${best}, worse since`,
        }),
        cosineAnnealing(ctx, {
          tMax: Math.max(1, ctx.endStep - best),
          etaMinFactor: 0.01,
          startStep: checkpointBefore(input, best) ?? ctx.firstStep,
          reason: `decay from the best checkpoint (step ${best}) to the end of the budget`,
        }),
      ];
    }
    case 'gan_imbalance': {
      const g = ctx.genLr;
      const d = ctx.discLr ?? g / 10;
      const sub = ev.subtype as string;
      if (sub === 'd_winning')
        return [
          gdRatio(ctx, { genLr: g, discLr: d * 0.5, gpCoef: 0.01, reason: `the discriminator wins from step ${f.startStep}: slow it down, stronger R1` }),
          gdRatio(ctx, { genLr: g * 1.5, discLr: d, title: `Or raise the generator LR × 1.5 (G ${fmtNum(g * 1.5)})`, reason: 'let the generator keep up' }),
        ];
      if (sub === 'd_not_learning' || sub === 'g_fooling_d')
        return [gdRatio(ctx, { genLr: g, discLr: g / 5, reason: `the discriminator ${sub === 'd_not_learning' ? 'does not learn' : 'is fooled'}: a faster D (η_D = η_G/5, toward TTUR practice)` })];
      return [
        cosineAnnealing(ctx, {
          tMax: Math.max(1, ctx.endStep - f.startStep),
          etaMinFactor: 0.01,
          startStep: checkpointBefore(input, f.startStep) ?? ctx.firstStep,
          title: `Revert to the checkpoint at step ${checkpointBefore(input, f.startStep) ?? f.startStep} and decay both LRs (cosine to 0.01·lr)`,
          reason: `FID degrades from step ${f.startStep}`,
        }),
      ];
    }
    case 'slow_convergence': {
      const ref = ctx.batchSize ? referenceLrRange(ctx.batchSize) : null;
      const target = ref && ctx.genLr < ref.range[0] ? ref.range[0] : ctx.genLr * 3;
      const factor = target / ctx.genLr;
      const ckpt = checkpointBefore(input, budget.lastStep);
      const out = [
        linearWarmup(ctx, {
          warmupSteps: Math.min(2000, warmupLength(budget.epochSteps, blockSteps)),
          lrFactor: factor,
          startFactor: 1 / factor,
          resumeStep: ckpt,
          title: `Raise both LRs × ${fmtNum(factor)} (G ${fmtNum(target)}) with a short warm-up — check with an LR range test first`,
          reason: `still improving linearly at G lr ${fmtNum(ctx.genLr)}`,
        }),
      ];
      if (remaining > 0)
        out.push(oneCycle(ctx, { maxLr: target, totalSteps: remaining, startStep: ckpt ?? budget.lastStep, reason: 'one cycle over the remaining iterations' }));
      else out.push(oneCycle(ctx, { maxLr: target, totalSteps: Math.max(2, budget.lastStep - budget.firstStep), reason: 'one cycle over a rerun of the same length' }));
      if (ref && ctx.batchSize && (ctx.genLr < ref.range[0] || ctx.genLr > ref.range[1]))
        out.push(lrScaling(ctx, { factor: ref.range[0] / ctx.genLr, title: `Batch ${ctx.batchSize}: the reference range is ${fmtNum(ref.range[0])}–${fmtNum(ref.range[1])} (row ${ref.row})`, reason: `G lr ${fmtNum(ctx.genLr)} is outside the reference range for batch ${ctx.batchSize}` }));
      return out;
    }
    case 'gpu_underutilization': {
      const gappy = ev.pattern === 'gappy';
      const b = ctx.batchSize;
      return [
        lrScaling(ctx, {
          newBatch: b ? b * 2 : undefined,
          factor: b ? undefined : 1,
          numWorkers: gappy ? 8 : undefined,
          title: gappy
            ? `Feed the GPU: more data-loader workers${b ? `, then batch ${b} → ${b * 2} with √κ LR scaling` : ''}`
            : b
              ? `Use the idle GPU: batch ${b} → ${b * 2} with √κ LR scaling`
              : 'Use the idle GPU: a larger batch with √κ LR scaling',
          reason: gappy ? 'the input pipeline starves the GPU' : 'the GPU is under-used',
        }),
      ];
    }
  }
  return [];
}
