import { describe, expect, it } from 'vitest';
import { demoRun, generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { suggestionContext } from '../../../server/analysis/suggest';
import { SCENARIOS } from '../../../server/demo/scenarios';
import { reduceOnPlateau, replayReduceOnPlateau } from '../../../server/analysis/suggestions/reduceOnPlateau';
import { multiStep } from '../../../server/analysis/suggestions/multiStep';
import { linearWarmup, warmupLength } from '../../../server/analysis/suggestions/warmup';
import { cosineAnnealing, cosineWarmRestarts, cyclicLr, oneCycle } from '../../../server/analysis/suggestions/cosine';
import { batchLrFactor, lrScaling, referenceLrRange } from '../../../server/analysis/suggestions/lrScaling';
import { gradientClipping } from '../../../server/analysis/suggestions/gradientClipping';
import { gdRatio } from '../../../server/analysis/suggestions/gdRatio';
import { type RunData, type Suggestion } from '../../../server/analysis/types';
import { previewSteps, yamlNum } from '../../../server/analysis/format';
import { type SuggestionContext } from '../../../server/analysis/suggestions/templates';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 81 });

const ctxOf = (run: RunData): SuggestionContext => suggestionContext(prepareRun(run));
const lrAt = (s: Suggestion, step: number) => {
  let v = s.previewLr[0][1];
  for (const [st, lr] of s.previewLr) if (st <= step) v = lr;
  return v;
};
const yamlHasNoExponent = (y: string) => !/\d[eE][-+]?\d/.test(y.replace(/#.*$/gm, ''));

describe('ReduceLROnPlateau replay (PyTorch semantics, rules §1.1)', () => {
  const o = { mode: 'min' as const, factor: 0.5, patience: 0, threshold: 1e-4, thresholdMode: 'rel' as const, cooldown: 0, minLr: 0 };
  it('patience = 0 reduces at the first worse value; the first value is always an improvement', () => {
    expect(replayReduceOnPlateau([1, 2], [10, 20], 1, o).reductions).toEqual([20]);
    expect(replayReduceOnPlateau([5], [10], 1, o).reductions).toEqual([]);
  });
  it('reduces at the (patience+1)-th bad value, then again after cooldown + patience + 1', () => {
    const v = [1, 1, 1, 1, 1, 1, 1, 1, 1];
    const steps = v.map((_, i) => i);
    expect(replayReduceOnPlateau(v, steps, 1, { ...o, patience: 2 }).reductions).toEqual([3, 6]);
    expect(replayReduceOnPlateau(v, steps, 1, { ...o, patience: 2, cooldown: 1 }).reductions).toEqual([3, 7]);
  });
  it('stops at min_lr (a change ≤ eps is skipped)', () => {
    const r = replayReduceOnPlateau(Array(20).fill(1), Array.from({ length: 20 }, (_, i) => i), 1e-3, { ...o, minLr: 2.5e-4 });
    expect(r.lrAfter).toEqual([5e-4, 2.5e-4]);
  });
  it("mode 'max' with a relative threshold", () => {
    expect(replayReduceOnPlateau([0.5, 0.50004, 0.6], [1, 2, 3], 1, { ...o, mode: 'max', threshold: 1e-3 }).reductions).toEqual([2]);
  });
});

describe('suggestions computed from the run', () => {
  const plateauRun = generateRun(spec({ plateau: { t0: 15000 } }));
  const ctx = ctxOf(plateauRun);

  it('reads the run: LaMa, LRs, epoch length, monitor', () => {
    expect(ctx.lama).toBe(true);
    expect(ctx.genLr).toBe(1e-3);
    expect(ctx.discLr).toBeCloseTo(1e-4, 12);
    expect(ctx.epochSteps).toBe(2500);
    expect(ctx.monitor?.tag).toBe('val_ssim_fid100_f1_total_mean');
    expect(ctx.monitor?.mode).toBe('max');
  });

  it("ReduceLROnPlateau(mode='max', factor=0.5, patience=3, min_lr=1e-6) on the checkpoint monitor, previewed on this run's validations", () => {
    const s = reduceOnPlateau(ctx, { factor: 0.5, patience: 3, cooldown: 1, reason: 'test' });
    expect(s.scheduler).toBe('ReduceLROnPlateau');
    expect(s.params).toMatchObject({ monitor: 'val_ssim_fid100_f1_total_mean', mode: 'max', factor: 0.5, patience: 3, min_lr: 1e-6, discMinLr: 1e-7, threshold_mode: 'rel' });
    expect(s.config).toMatch(/monitor: val_ssim_fid100_f1_total_mean/);
    expect(s.config).toMatch(/min_lr: 0\.000001\b/);
    expect(s.config).toMatch(/patience: 3/);
    expect(yamlHasNoExponent(s.config)).toBe(true);
    expect(s.code).toMatch(/saicinpainting\/training\/trainers\/base\.py/);
    expect(s.code).toMatch(/ReduceLROnPlateau\(opt_g, mode='max', factor=0\.5, patience=3/);
    expect(s.code).toMatch(/monitor='val_ssim_fid100_f1_total_mean'/);
    // the preview drops right after the validation where the replayed scheduler reduced
    const [first] = s.params.replayedReductionsAtSteps as number[];
    expect(first).toBeGreaterThan(15000);
    expect(lrAt(s, first)).toBe(1e-3);
    expect(lrAt(s, first + 1)).toBe(5e-4);
    expect(s.previewLr.length).toBeLessThanOrEqual(400);
  });

  it('MultiStepLR: milestones in epochs when they fall on epoch boundaries, the preview drops there', () => {
    const s = multiStep(ctx, { milestones: [25000, 40000], gamma: 0.1, reason: 'test' });
    expect(s.params.milestones).toEqual([10, 16]);
    expect(s.params.milestoneUnit).toBe('epoch');
    expect(s.config).toMatch(/milestones: \[10, 16\]/);
    expect(s.code).toMatch(/MultiStepLR\(opt_g, milestones=\[10, 16\], gamma=0\.1\)/);
    expect(lrAt(s, 24999)).toBe(1e-3);
    expect(lrAt(s, 25000)).toBeCloseTo(1e-4, 12);
    expect(lrAt(s, 40000)).toBeCloseTo(1e-5, 12);
  });

  it('linear warm-up after a rollback: current LR until the checkpoint, then a ramp to lr × factor', () => {
    const W = warmupLength(2500, 50);
    expect(W).toBe(375);
    const s = linearWarmup(ctx, { warmupSteps: W, lrFactor: 0.5, resumeStep: 19999, reason: 'test' });
    expect(s.params).toMatchObject({ genLr: 5e-4, discLr: 5e-5, warmupSteps: 375, resumeFromStep: 19999 });
    expect(s.config).toMatch(/lr: 0\.0005\b/);
    expect(s.code).toMatch(/LambdaLR\(opt_g, lambda step: min\(1\.0, 0\.01 \+ 0\.99 \* step \/ 375\)\)/);
    expect(s.code).toMatch(/resume from the checkpoint saved at step 19999/);
    expect(lrAt(s, 19998)).toBe(1e-3);
    expect(lrAt(s, 19999)).toBeCloseTo(5e-6, 12);
    const mid = s.previewLr.find(([st]) => st > 19999 && st < 19999 + 375)!;
    expect(mid[1]).toBeGreaterThan(5e-6);
    expect(mid[1]).toBeLessThan(5e-4);
    expect(lrAt(s, 30000)).toBeCloseTo(5e-4, 12);
  });

  it('cosine warm restarts: the preview restarts at T_0 and is periodic with T_mult = 1', () => {
    const s = cosineWarmRestarts(ctx, { t0: 2500, tMult: 1, etaMinFactor: 0.01, reason: 'test' });
    expect(s.params).toMatchObject({ T_0: 2500, T_mult: 1, eta_min: 1e-5 });
    expect(s.code).toMatch(/CosineAnnealingWarmRestarts\(opt_g, T_0=2500, T_mult=1, eta_min=1e-5\)/);
    const restarts = s.params.restartsAtSteps as number[];
    expect(restarts.slice(0, 3)).toEqual([2549, 5049, 7549]);
    for (const r of restarts.slice(0, 5)) expect(lrAt(s, r)).toBeCloseTo(1e-3, 9);
    // just before a restart the LR is near eta_min
    expect(lrAt(s, restarts[1] - 1)).toBeLessThan(5e-5);
  });

  it('cosine decay reaches eta_min at T_max', () => {
    const s = cosineAnnealing(ctx, { tMax: 30000, etaMinFactor: 0.01, startStep: 29999, reason: 'test' });
    expect(lrAt(s, 29998)).toBe(1e-3);
    expect(lrAt(s, 59999)).toBeCloseTo(1e-5, 8);
  });

  it('cyclic LR is periodic; triangular2 halves the amplitude every cycle; momentum cycling is off', () => {
    const s = cyclicLr(ctx, { baseLr: 2.5e-4, maxLr: 1e-3, stepSizeUp: 5000, mode: 'triangular2', reason: 'test' });
    expect(s.params.cycle_momentum).toBe(false);
    const at = (k: number) => lrAt(s, ctx.firstStep + k);
    expect(at(5000)).toBeCloseTo(1e-3, 9);
    expect(at(10000)).toBeCloseTo(2.5e-4, 9);
    expect(at(15000)).toBeCloseTo(2.5e-4 + 0.5 * 7.5e-4, 9);
  });

  it('one-cycle: up to max_lr at pct_start, from max_lr/25, down to max_lr/25/1e4', () => {
    const s = oneCycle(ctx, { maxLr: 3e-3, totalSteps: 50000, reason: 'test' });
    const lrs = s.previewLr.map(([, lr]) => lr);
    const peak = s.previewLr[lrs.indexOf(Math.max(...lrs))][0];
    expect(Math.abs(peak - (ctx.firstStep + 15000))).toBeLessThan(300);
    expect(lrs[0]).toBeCloseTo(3e-3 / 25, 9);
    expect(lrAt(s, ctx.firstStep + 49999)).toBeLessThan(1e-6);
  });

  it('LR scaling with batch size: √κ for Adam, κ for SGD, and the reference table', () => {
    expect(batchLrFactor('adam', 4)).toEqual({ factor: 2, rule: 'sqrt' });
    expect(batchLrFactor('sgd', 4)).toEqual({ factor: 4, rule: 'linear' });
    expect(referenceLrRange(12).range).toEqual([5e-4, 1e-3]);
    expect(referenceLrRange(64).range).toEqual([1e-3, 2e-3]);
    expect(referenceLrRange(256).range).toEqual([2e-3, 4e-3]);
    const s = lrScaling(ctx, { newBatch: 40, reason: 'test' });
    expect(s.params).toMatchObject({ rule: 'sqrt', kappa: 4, factor: 2, genLr: 2e-3, discLr: 2e-4, currentBatch: 10, newBatch: 40 });
    expect(s.params.referenceRange).toEqual([1e-3, 2e-3]);
    expect(s.params.genLrInReferenceRange).toBe(true);
    expect(s.config).toMatch(/batch_size: 40/);
    expect(s.previewLr.every(([, lr]) => lr === 2e-3)).toBe(true);
  });

  it('G:D ratio: a slower discriminator and a stronger R1 penalty, LaMa default quoted', () => {
    const s = gdRatio(ctx, { genLr: 1e-3, discLr: 5e-5, gpCoef: 0.01, reason: 'test' });
    expect(s.params).toMatchObject({ ratio: 20, previousRatio: 10, gpCoef: 0.01, lamaDefault: { genLr: 1e-3, discLr: 1e-4, ratio: 10 } });
    expect(s.config).toMatch(/discriminator:\n {2}kind: adam\n {2}lr: 0\.00005/);
    expect(s.config).toMatch(/gp_coef: 0\.01/);
    expect(s.code).toMatch(/optimizers=lrscope_gd_ratio losses\.adversarial\.gp_coef=0\.01/);
  });

  it('gradient clipping: nothing to suggest when the run already clips at 1 (or tighter); else clip at 1', () => {
    expect(gradientClipping(ctx, { maxNorm: 1, reason: 'test' })).toBeNull();
    expect(gradientClipping({ ...ctx, gradientClipVal: 0.5 }, { maxNorm: 1, reason: 'test' })).toBeNull();
    for (const off of [null, 0]) {
      const s = gradientClipping({ ...ctx, gradientClipVal: off }, { maxNorm: 1, reason: 'test' })!;
      expect(s.params.gradient_clip_val).toBe(1);
      expect(s.config).toMatch(/gradient_clip_val: 1/);
      expect(s.title).toMatch(/was off/);
    }
    expect(gradientClipping({ ...ctx, gradientClipVal: 5 }, { maxNorm: 1, reason: 'test' })!.title).toMatch(/was 5/);
  });

  it('a generic Lightning run gets generic code (one optimizer, your configure_optimizers)', () => {
    const steps = Array.from({ length: 400 }, (_, i) => i * 10 + 9);
    const run: RunData = {
      context: { genLr: 3e-4, discLr: null, genOptimizer: 'adamw', batchSize: 64, maxEpochs: 8, limitTrainBatches: 500, valCheckInterval: 500, logEveryNSteps: 10, gradientClipVal: null, scheduler: null, lastStep: 3999 },
      series: [
        { tag: 'train_loss', steps, values: steps.map((s) => 1 / (1 + s / 500)) },
        { tag: 'val_loss', steps: [499, 999, 1499, 1999, 2499, 2999, 3499, 3999], values: [0.6, 0.5, 0.45, 0.42, 0.41, 0.405, 0.404, 0.404] },
      ],
    };
    const g = ctxOf(run);
    expect(g.lama).toBe(false);
    expect(g.monitor).toMatchObject({ tag: 'val_loss', mode: 'min' });
    const s = reduceOnPlateau(g, { factor: 0.5, patience: 2, reason: 'test' });
    expect(s.code).toMatch(/Your LightningModule\.configure_optimizers/);
    expect(s.code).toMatch(/torch\.optim\.AdamW\(self\.parameters\(\), lr=3e-4\)/);
    expect(s.config).not.toMatch(/discriminator/);
  });
});

describe('every warning carries a usable suggestion', () => {
  it('on every demo scenario: ≥ 1 suggestion per warning / critical, previews ≤ 400 sorted points on the run’s steps', () => {
    for (const sc of SCENARIOS) {
      const { run } = demoRun(sc);
      for (const f of diagnoseRun(run)) {
        if (f.severity === 'info') continue;
        expect(f.suggestions.length, `${sc}/${f.kind}`).toBeGreaterThan(0);
        for (const s of f.suggestions) {
          expect(s.title.length).toBeGreaterThan(0);
          expect(s.config).toMatch(/\S/);
          expect(s.code).toMatch(/\S/);
          expect(yamlHasNoExponent(s.config), `${sc}/${s.scheduler} YAML`).toBe(true);
          expect(s.previewLr.length).toBeGreaterThan(1);
          expect(s.previewLr.length).toBeLessThanOrEqual(400);
          for (let i = 1; i < s.previewLr.length; i++) expect(s.previewLr[i][0]).toBeGreaterThan(s.previewLr[i - 1][0]);
          expect(s.previewLr[0][0]).toBeGreaterThanOrEqual(0);
          expect(s.previewLr[s.previewLr.length - 1][0]).toBeLessThanOrEqual(run.context.lastStep!);
          expect(s.previewLr.every(([, lr]) => Number.isFinite(lr) && lr > 0)).toBe(true);
        }
      }
    }
  });

  it('previews of a 1M-step run stay ≤ 400 points and keep the change points', () => {
    const steps = previewSteps(0, 1_000_000, [250_000, 500_000]);
    expect(steps.length).toBeLessThanOrEqual(400);
    expect(steps).toContain(249_999);
    expect(steps).toContain(250_000);
    expect(steps[0]).toBe(0);
    expect(steps[steps.length - 1]).toBe(1_000_000);
  });

  it('YAML numbers are plain decimals (PyYAML reads 1e-4 as a string)', () => {
    expect(yamlNum(1e-4)).toBe('0.0001');
    expect(yamlNum(1e-6)).toBe('0.000001');
    expect(yamlNum(2.5e-7)).toBe('0.00000025');
    expect(yamlNum(0.001)).toBe('0.001');
    expect(yamlNum(25000)).toBe('25000');
  });
});
