// Which decay a run gets when its finding calls for one (rules §5.2–5.5: plateau late, overfitting,
// oscillation, GAN degradation), picked by the data set. CelebA-HQ is small (30 000 faces) and trained
// for a fixed number of epochs, so a cosine decay to the end of that budget; Places2 has millions of
// images and long epochs, so a multi-stage step decay at epoch milestones (the ÷10 steps of Goyal et al.).
// Stock LaMa configures no scheduler for either (default_optimizers.yaml): this is our choice, not LaMa's.
import type { Suggestion } from '../types';
import type { LrPair, SuggestionContext } from './templates';
import { fmtNum } from '../format';
import { cosineAnnealing } from './cosine';
import { multiStep } from './multiStep';

export type DecayFamily = 'cosine' | 'multistep';

export interface DecayChoice {
  family: DecayFamily;
  /** the title's reason when the data set picked the family, else null (the finding's default order) */
  why: string | null;
}

/** The decay family for a data set, or `fallback` when the data set does not pick one. */
export function decayFamily(dataset: string | null, fallback: DecayFamily = 'cosine'): DecayChoice {
  if (dataset === 'celeba') return { family: 'cosine', why: 'CelebA-HQ: cosine annealing first (30k faces trained for a fixed budget: decay smoothly to its end)' };
  if (dataset === 'places') return { family: 'multistep', why: 'Places2: multi-stage step decay first (millions of images, long epochs: ×0.1 at epoch milestones)' };
  return { family: fallback, why: null };
}

export interface DecayOptions {
  base: LrPair;
  /** the schedule starts here (resume from the checkpoint at this step), else at the first step */
  startStep: number;
  endStep: number;
  /** MultiStep milestones (steps); the cosine ignores them */
  milestones: number[];
  /** what to do first, for the title ("Keep the checkpoint of step 22499; "), may be '' */
  lead?: string;
  /** why the LRs are where they are (anchor note), appended to the title */
  note?: string;
  reason: string;
}

/** The decay of the chosen family from `base`, titled with the data set's reason when it picked it. */
export function decaySchedule(ctx: SuggestionContext, choice: { family: DecayFamily; why: string | null }, o: DecayOptions): Suggestion {
  const prefix = choice.why ? `${choice.why} — ` : '';
  const note = o.note ? ` — ${o.note}` : '';
  const lead = o.lead ?? '';
  const startStep = o.startStep > ctx.firstStep ? o.startStep : undefined;
  if (choice.family === 'cosine') {
    const tMax = Math.max(1, o.endStep - o.startStep);
    return cosineAnnealing(ctx, {
      tMax,
      etaMinFactor: 0.01,
      base: o.base,
      startStep,
      title: `${prefix}${lead}cosine decay from G ${fmtNum(o.base.genLr)} to 0.01·lr over ${tMax} steps${startStep !== undefined ? ` from step ${startStep}` : ''}${note}`,
      reason: o.reason,
    });
  }
  const ms = [...new Set(o.milestones)].sort((a, b) => a - b);
  return multiStep(ctx, {
    milestones: ms,
    gamma: 0.1,
    base: o.base,
    startStep,
    title: `${prefix}${lead}MultiStepLR from G ${fmtNum(o.base.genLr)}, × 0.1 at step${ms.length > 1 ? 's' : ''} ${ms.join(', ')}${note}`,
    reason: o.reason,
  });
}
