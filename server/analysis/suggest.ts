// Suggestions per finding: the scheduler change, with parameters computed from the run (rules §5,
// decision table §5.7). Pure: a finding and the prepared run in, suggestions out.
//
// Sanity rules (issue "Suggestions must be sane"): every LR is computed from the LR in force before the
// finding's onset (never the last logged LR), pulled into the reference table's range for the batch size
// with D at LaMa's G/10 (suggestions/anchor.ts); after a divergence or oscillation no LR goes above the
// one before onset; what drove the LR up is named; the data set picks the decay family
// (suggestions/decay.ts); the run's own config name and settings are used, and nothing already
// configured is suggested again.
import { median } from './robust';
import { fmtNum } from './format';
import type { AnalysisInput, Finding, Suggestion } from './types';
import type { LrPair, SuggestionContext } from './suggestions/templates';
import { linearWarmup, warmupLength } from './suggestions/warmup';
import { reduceOnPlateau } from './suggestions/reduceOnPlateau';
import { cosineWarmRestarts, oneCycle } from './suggestions/cosine';
import { batchLrFactor, lrScaling, referenceLrRange } from './suggestions/lrScaling';
import { gradientClipping } from './suggestions/gradientClipping';
import { gdRatio } from './suggestions/gdRatio';
import { anchorAt, band, kept, lowered, raised, runSchedulerOf, withinTable, LAMA_D_LR, LAMA_G_LR, LAMA_RATIO, type Anchor, type AnchoredLr } from './suggestions/anchor';
import { decayFamily, decaySchedule } from './suggestions/decay';

/** The run facts the suggestion builders need (current LRs, epoch length, monitor…). */
export function suggestionContext(input: AnalysisInput): SuggestionContext {
  const { run, budget, events, train, val } = input;
  const c = run.context;
  const lama = budget.discLr !== null || train.some((s) => s.info.role === 'disc_adv' || s.info.role === 'gen_adv');
  const lastLr = events.lrAt(budget.lastStep);
  const assumed = budget.genLr === null && (lastLr === null || events.lrSource === 'unknown');
  const genLr = lastLr ?? budget.genLr ?? LAMA_G_LR;
  const cfgRatio = budget.genLr && budget.discLr ? budget.discLr / budget.genLr : 1 / LAMA_RATIO;
  const discLr = lama ? (budget.discLr !== null && budget.genLr ? genLr * cfgRatio : budget.discLr ?? (assumed ? LAMA_D_LR : genLr / LAMA_RATIO)) : null;
  const mon = val.find((s) => s.info.monitor && s.info.role === 'val_quality') ?? val.find((s) => s.info.monitor) ?? null;
  const rs = runSchedulerOf(c.scheduler);
  return {
    lama,
    genLr,
    discLr,
    assumedLr: assumed,
    optimizer: c.genOptimizer ?? 'adam',
    batchSize: c.batchSize,
    firstStep: budget.firstStep,
    lastStep: budget.lastStep,
    endStep: Math.max(budget.planned ?? budget.lastStep, budget.lastStep),
    epochSteps: budget.epochSteps,
    valInterval: budget.valInterval,
    gradientClipVal: c.gradientClipVal,
    monitor: mon ? { tag: mon.tag, mode: mon.info.direction, steps: Array.from(mon.steps), values: Array.from(mon.values) } : null,
    lrAt: (s: number) => events.lrAt(s) ?? genLr,
    configName: c.configName ?? null,
    dataset: c.dataset ?? null,
    numWorkers: c.numWorkers ?? null,
    gpCoef: c.gpCoef ?? null,
    runScheduler: rs ? { path: rs.path, text: rs.text } : null,
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

/** Step-decay milestones from `from` to `end`: the next epoch boundary, and one halfway through the rest. */
function milestonesFrom(input: AnalysisInput, from: number, end: number): number[] {
  const first = nextEpochStart(input, from);
  const second = nextEpochStart(input, from + (end - from) / 2);
  return second > first && second < end ? [first, second] : [first];
}

/** The context as of a finding: "previous" LRs are the ones in force before its onset. */
function before(ctx: SuggestionContext, a: Anchor): SuggestionContext {
  return { ...ctx, genLr: a.before.genLr, discLr: a.before.discLr };
}

const withNote = (title: string, ...notes: string[]) => {
  const n = notes.filter(Boolean);
  return n.length ? `${title} — ${n.join('; ')}` : title;
};
const causeText = (a: Anchor) => (a.causes.length ? `cause: ${a.causes.join('; ')}` : '');
const lrText = (lr: LrPair) => `G ${fmtNum(lr.genLr)}${lr.discLr !== null ? `, D ${fmtNum(lr.discLr)}` : ''}`;
const pair = (lr: AnchoredLr): LrPair => ({ genLr: lr.genLr, discLr: lr.discLr });

export function suggestFor(f: Finding, input: AnalysisInput): Suggestion[] {
  const out = suggestionsFor(f, input);
  return out.filter((s): s is Suggestion => s !== null);
}

function suggestionsFor(f: Finding, input: AnalysisInput): (Suggestion | null)[] {
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
  // a divergence's LRs and rollback come from before its climb began, not from where it was already 10× up
  const from = f.kind === 'divergence' && typeof ev.climbStart === 'number' ? ev.climbStart : f.startStep;
  const a = anchorAt(input, ctx, from);
  const pctx = before(ctx, a);
  const choice = decayFamily(ctx.dataset);
  switch (f.kind) {
    case 'divergence': {
      const ckpt = checkpointBefore(input, from);
      const lr = lowered(a, 0.5);
      const what = lr.note ? `warm up to ${lrText(lr)}` : `halve the LRs of step ${a.onset - 1} (${lrText(lr)}) and warm up`;
      return [
        linearWarmup(pctx, {
          warmupSteps: warmupLength(budget.epochSteps, blockSteps),
          target: pair(lr),
          resumeStep: ckpt,
          title: withNote(`Roll back${ckpt !== null ? ` to the checkpoint at step ${ckpt}` : ''}, ${what}`, lr.note, causeText(a)),
          reason: `diverged from step ${f.startStep}${a.causes.length ? ` (${a.causes.join('; ')})` : ''}`,
        }),
        gradientClipping(pctx, { maxNorm: 1, genLr: lr.genLr, resumeStep: ckpt, reason: 'keep the global gradient norm bounded, with the LRs of the rollback' }),
      ];
    }
    case 'oscillation': {
      const players = (ev.players as string[] | undefined) ?? ['generator'];
      const player = players.length > 1 ? 'both' : (players[0] as 'generator' | 'discriminator');
      const both = lowered(a, 0.5);
      // only D oscillates and G is where it should be: slow D alone (below G/10, and the title says so)
      const dOnly = player === 'discriminator' && a.before.discLr !== null && !both.note && withinTable(a, a.before.genLr);
      const target: LrPair = dOnly ? { genLr: a.before.genLr, discLr: a.before.discLr! * 0.5 } : pair(both);
      const scale = lrScaling(pctx, {
        target,
        player: dOnly ? 'discriminator' : 'both',
        title: dOnly
          ? `Discriminator LR × 0.5 (D ${fmtNum(a.before.discLr!)} → ${fmtNum(target.discLr!)}, G stays ${fmtNum(target.genLr)}; D below G/10 because only D oscillates)`
          : withNote(both.note ? `Lower the LRs: ${lrText(target)}` : `Halve the LRs of step ${a.onset - 1}: ${lrText(target)}`, both.note, causeText(a)),
        reason: `${f.metrics[0]} oscillates from step ${f.startStep}: the ${player === 'both' ? '' : `${player} `}step is too large`,
      });
      const start = checkpointBefore(input, f.startStep) ?? ctx.firstStep;
      const decay = decaySchedule(pctx, choice, {
        base: pair(both),
        startStep: start,
        endStep: Math.max(ctx.endStep, start + 1),
        milestones: milestonesFrom(input, start, ctx.endStep),
        note: both.note,
        reason: 'damp the oscillation as training proceeds',
      });
      const clip = gradientClipping(pctx, { maxNorm: 1, genLr: target.genLr, reason: 'bound the update size' });
      // the data set's decay goes first (it starts from the lowered LRs too); else the LR cut first
      return choice.why ? [decay, scale, clip] : [scale, decay, clip];
    }
    case 'plateau': {
      const early = ev.early === true;
      const base = kept(a);
      const rop = reduceOnPlateau(pctx, {
        factor: 0.5,
        patience,
        cooldown: 1,
        base: pair(base),
        reason: `plateau from step ${f.startStep}, ${remainingValidations ?? '?'} validations left`,
      });
      if (base.note) rop.title = withNote(rop.title, base.note);
      if (early) {
        const t0 = Math.max(1, Math.round(budget.valInterval ?? budget.epochSteps ?? 2000));
        const sgdr = cosineWarmRestarts(pctx, {
          t0,
          tMult: 2,
          etaMinFactor: 0.01,
          base: pair(base),
          startStep: checkpointBefore(input, f.startStep) ?? undefined,
          reason: `early plateau from step ${f.startStep}: restart exploration`,
        });
        // an early plateau wants exploration, not a decay, whatever the data set
        if (base.note) sgdr.title = withNote(sgdr.title, base.note);
        return [sgdr, rop];
      }
      const fam = decayFamily(ctx.dataset, 'multistep');
      // the data set's decay resumes from the checkpoint before the plateau; the default one decays now
      const start = fam.why ? checkpointBefore(input, f.startStep) ?? ctx.firstStep : ctx.firstStep;
      const decay = decaySchedule(pctx, fam, {
        base: pair(base),
        startStep: start,
        endStep: Math.max(ctx.endStep, start + 1),
        milestones: fam.why ? milestonesFrom(input, start, ctx.endStep) : [nextEpochStart(input, budget.lastStep)],
        lead: fam.why ? '' : 'decay now: ',
        note: base.note,
        reason: `late plateau from step ${f.startStep}: decay ${fam.family === 'cosine' ? 'to the end of the budget' : 'now'}`,
      });
      return fam.why ? [decay, rop] : [rop, decay];
    }
    case 'overfitting': {
      const best = Number(ev.bestStep ?? f.startStep);
      const base = kept(anchorAt(input, ctx, best + 1));
      const start = checkpointBefore(input, best) ?? ctx.firstStep;
      const opts = {
        base: pair(base),
        endStep: Math.max(ctx.endStep, start + 1),
        note: base.note,
        reason: `validation best at step ${best}, worse since`,
      };
      const step = decaySchedule(pctx, { family: 'multistep', why: choice.family === 'multistep' ? choice.why : null }, {
        ...opts,
        startStep: ctx.firstStep,
        milestones: choice.why ? milestonesFrom(input, best, ctx.endStep) : [nextEpochStart(input, best)],
        lead: `Keep the checkpoint of step ${best} (or stop: EarlyStopping(patience=3)); `,
      });
      const cos = decaySchedule(pctx, { family: 'cosine', why: choice.family === 'cosine' ? choice.why : null }, {
        ...opts,
        startStep: start,
        milestones: [],
        lead: `Keep the checkpoint of step ${best}; `,
      });
      return choice.why && choice.family === 'cosine' ? [cos, step] : [step, cos];
    }
    case 'gan_imbalance':
      return ganSuggestions(f, input, ctx, a, blockSteps);
    case 'slow_convergence': {
      const lr = raised(a, 3);
      const ckpt = checkpointBefore(input, budget.lastStep);
      const startFactor = Math.min(1, Math.max(0.01, a.before.genLr / lr.genLr));
      const out: (Suggestion | null)[] = [
        linearWarmup(pctx, {
          warmupSteps: Math.min(2000, warmupLength(budget.epochSteps, blockSteps)),
          target: pair(lr),
          startFactor,
          resumeStep: ckpt,
          title: withNote(`Raise the LRs × ${fmtNum(lr.genLr / a.before.genLr)} to ${lrText(lr)} with a short warm-up — check with an LR range test first`, lr.note),
          reason: `still improving linearly at G lr ${fmtNum(a.before.genLr)}`,
        }),
      ];
      const cycle = { maxLr: lr.genLr, discMaxLr: lr.discLr };
      // a cycle needs room: a finished (or nearly finished) run gets one over a rerun of its length
      const span = Math.max(2, budget.lastStep - budget.firstStep);
      const total = remaining >= Math.max(10 * blockSteps, 0.1 * span) ? remaining : span;
      out.push(
        oneCycle(pctx, {
          ...cycle,
          totalSteps: total,
          startStep: total === remaining ? ckpt ?? budget.lastStep : undefined,
          title: withNote(`OneCycleLR(max_lr=${fmtNum(lr.genLr)}, total_steps=${total})${total === remaining ? '' : ' over a rerun of the same length'}`, lr.note),
          reason: total === remaining ? 'one cycle over the remaining iterations' : 'one cycle over a rerun of the same length',
        }),
      );
      // only a G below the table is pointed at its range: lowering an LR that converges slowly is no fix
      if (a.ref && a.before.genLr < band(a.ref.range)[0]) {
        const [lo, hi] = a.ref.range;
        const g = lo;
        out.push(
          lrScaling(pctx, {
            target: { genLr: g, discLr: a.before.discLr !== null ? g / LAMA_RATIO : null },
            title: `Batch ${a.ref.batch}: the reference range is ${fmtNum(lo)}–${fmtNum(hi)} (row ${a.ref.row}): G ${fmtNum(g)}${a.before.discLr !== null ? `, D ${fmtNum(g / LAMA_RATIO)} (G/10)` : ''}, no schedule`,
            reason: `G lr ${fmtNum(a.before.genLr)} is outside the reference range for batch ${a.ref.batch}`,
          }),
        );
      }
      return out;
    }
    case 'gpu_underutilization':
      return [gpuSuggestion(ev, ctx, pctx, a)];
  }
  return [];
}

/** GAN imbalance (rules §5.5): change the G:D ratio deliberately, from G within the table's range. */
function ganSuggestions(f: Finding, input: AnalysisInput, ctx: SuggestionContext, a: Anchor, blockSteps: number): (Suggestion | null)[] {
  const pctx = before(ctx, a);
  const sub = String((f.evidence as Record<string, unknown>).subtype ?? '');
  const g0 = a.before.genLr;
  const d0 = a.before.discLr ?? g0 / LAMA_RATIO;
  const gOk = withinTable(a, g0);
  const base = kept(a);
  const g = gOk ? g0 : base.genLr;
  const ckpt = checkpointBefore(input, f.startStep);
  // R1 weight × 10 (rules §5.5: × 2–10), from the run's own gp_coef (LaMa: 0.001)
  const gp = (ctx.gpCoef ?? 0.001) * 10;
  const gpWas = ctx.gpCoef !== null ? ` (was ${fmtNum(ctx.gpCoef)})` : " (LaMa's 0.001 × 10)";
  // G first back into the table's range, D at LaMa's G/10: the ratio is then changed from there
  const reset = gOk
    ? null
    : gdRatio(pctx, {
        genLr: g,
        discLr: g / LAMA_RATIO,
        resumeStep: ckpt,
        title: withNote(`G:D back to LaMa's 10:1: G ${fmtNum(g)}, D ${fmtNum(g / LAMA_RATIO)}`, base.note),
        reason: `G ${fmtNum(g0)} is outside the table's range${a.ref ? ` for batch ${a.ref.batch}` : ''} and D runs at G/${fmtNum(g0 / d0, 3)}`,
      });
  const d = gOk ? d0 : g / LAMA_RATIO;
  // without a table row the LRs are the run's own before onset: say so
  const own = a.ref ? '' : base.note;
  if (sub === 'd_winning') {
    const out: (Suggestion | null)[] = [
      reset,
      gdRatio(pctx, {
        genLr: g,
        discLr: d * 0.5,
        gpCoef: gp,
        resumeStep: ckpt,
        title: withNote(`${reset ? 'Then, if D still wins: ' : ''}G:D LR ${fmtNum(g)} : ${fmtNum(d * 0.5)} (D × 0.5), R1 gp_coef ${fmtNum(gp)}${gpWas}`, own),
        reason: `the discriminator wins from step ${f.startStep}: slow it down, stronger R1`,
      }),
    ];
    // D far faster than LaMa's ratio: LaMa's own 10:1 is the obvious alternative
    if (gOk && d0 > (2 * g0) / LAMA_RATIO)
      out.push(gdRatio(pctx, { genLr: g, discLr: g / LAMA_RATIO, resumeStep: ckpt, title: withNote(`Or back to LaMa's G:D 10:1: D ${fmtNum(d0)} → ${fmtNum(g / LAMA_RATIO)} (G ${fmtNum(g)})`, own), reason: 'LaMa trains D at G/10' }));
    // raising G only while it stays within the table's band
    const gUp = g * 1.5;
    if (gOk && (!a.ref || gUp <= band(a.ref.range)[1]))
      out.push(gdRatio(pctx, { genLr: gUp, discLr: d, resumeStep: ckpt, title: withNote(`Or raise the generator LR × 1.5 (G ${fmtNum(gUp)}, D stays ${fmtNum(d)})`, own), reason: 'let the generator keep up' }));
    return out;
  }
  if ((sub === 'd_not_learning' || sub === 'g_fooling_d') && d < g / 5)
    return [
      reset,
      gdRatio(pctx, {
        genLr: g,
        discLr: g / 5,
        resumeStep: ckpt,
        title: withNote(`${reset ? 'Then: ' : ''}a faster D, η_D = η_G/5 (toward TTUR practice): G ${fmtNum(g)}, D ${fmtNum(g / 5)}`, own),
        reason: `the discriminator ${sub === 'd_not_learning' ? 'does not learn' : 'is fooled'} from step ${f.startStep}`,
      }),
    ];
  if (sub === 'instability') {
    // G4: adversarial instability → both LRs × 0.5 with a warm-up (never above the LRs before onset)
    const lr = lowered(a, 0.5);
    return [
      linearWarmup(pctx, {
        warmupSteps: warmupLength(input.budget.epochSteps, blockSteps),
        target: pair(lr),
        resumeStep: ckpt,
        title: withNote(`Roll back${ckpt !== null ? ` to the checkpoint at step ${ckpt}` : ''} and warm up to ${lrText(lr)}`, lr.note, causeText(a)),
        reason: `adversarial instability from step ${f.startStep}`,
      }),
    ];
  }
  // degradation (G5), or a D already fast enough: revert to the checkpoint before it and decay both LRs
  const start = ckpt ?? ctx.firstStep;
  return [
    reset,
    decaySchedule(pctx, decayFamily(ctx.dataset), {
      base: { genLr: g, discLr: a.before.discLr !== null ? d : null },
      startStep: start,
      endStep: Math.max(ctx.endStep, start + 1),
      milestones: milestonesFrom(input, start, ctx.endStep),
      lead: `Revert to the checkpoint at step ${ckpt ?? f.startStep} and decay both LRs: `,
      note: own,
      reason: `${sub === 'degradation' ? 'FID degrades' : `GAN imbalance (${sub || 'unknown'})`} from step ${f.startStep}`,
    }),
  ];
}

/**
 * An idle GPU (rules §5.7): more data-loader workers when the input pipeline is the bottleneck, and a
 * larger batch with √κ LR scaling, the LR kept within the table's range for the new batch size.
 */
function gpuSuggestion(ev: Record<string, unknown>, ctx: SuggestionContext, pctx: SuggestionContext, a: Anchor): Suggestion {
  const gappy = ev.pattern === 'gappy';
  const b = ctx.batchSize;
  const workers = ctx.numWorkers;
  // 0–1 workers load every batch in (or next to) the training process: the pipeline is the first suspect
  const starved = gappy || (workers !== null && workers < 2);
  const newWorkers = starved ? (workers === null ? 8 : Math.max(4, workers * 2)) : undefined;
  const feed = newWorkers !== undefined ? `data.num_workers ${workers ?? '?'} → ${newWorkers}` : '';
  const base = kept(a);
  if (!b) {
    return lrScaling(pctx, {
      target: pair(base),
      numWorkers: newWorkers,
      title: withNote(feed ? `Feed the GPU: ${feed}` : 'Use the idle GPU: a larger batch with √κ LR scaling (batch size unknown)', base.note),
      reason: starved ? 'the input pipeline starves the GPU' : 'the GPU is under-used',
    });
  }
  const nb = b * 2;
  const ruleLr = base.genLr * batchLrFactor(ctx.optimizer, nb / b).factor;
  let g = ruleLr;
  let capped = '';
  if (ctx.lama) {
    // the new batch size's row: the √κ LR is kept inside it (the title cites that range)
    const [lo, hi] = referenceLrRange(nb).range;
    g = Math.min(Math.max(ruleLr, lo), hi);
    capped = `table range for batch ${nb}: ${fmtNum(lo)}–${fmtNum(hi)}${g !== ruleLr ? `; √κ gives ${fmtNum(ruleLr)}, kept within it` : ''}`;
  }
  const discLr = a.before.discLr !== null ? g / LAMA_RATIO : null;
  return lrScaling(pctx, {
    newBatch: nb,
    target: { genLr: g, discLr },
    numWorkers: newWorkers,
    title: withNote(
      `${feed ? `Feed the GPU: ${feed}, then batch` : 'Use the idle GPU: batch'} ${b} → ${nb} with √κ LR scaling (G ${fmtNum(base.genLr)} → ${fmtNum(g)}${discLr !== null ? `, D ${fmtNum(discLr)}` : ''})`,
      capped,
      base.note,
    ),
    reason: starved ? 'the input pipeline starves the GPU' : 'the GPU is under-used',
  });
}
