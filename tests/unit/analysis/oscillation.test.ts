import { describe, expect, it } from 'vitest';
import { generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectOscillation } from '../../../server/analysis/detectors/oscillation';
import type { RunData } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 23 });

const osc = (run: RunData) => detectOscillation(prepareRun(run));

describe('oscillation detector', () => {
  it('finds a step-to-step alternation from its onset (turning points + negative lag-1 autocorrelation)', () => {
    const run = generateRun(spec({ oscillation: { t0: 20000, type: 'alternation', periodBlocks: 2, amp: 0.04 } }));
    const [f] = osc(run);
    expect(f.kind).toBe('oscillation');
    expect(f.severity).toBe('warning');
    expect(f.evidence.type).toBe('alternation');
    expect(f.startStep).toBeGreaterThanOrEqual(20000 - 2500);
    expect(f.metrics).toContain('train_gen_l1');
    expect(Number((f.evidence.perTag as { rho1: number }[])[0].rho1)).toBeLessThan(-0.3);
  });

  it('finds a periodic wiggle and reports its period in steps', () => {
    const run = generateRun(spec({ oscillation: { t0: 15000, type: 'sine', periodBlocks: 8, amp: 0.05 } }));
    const [f] = osc(run);
    expect(f.evidence.type).toBe('periodic');
    expect(Number(f.evidence.periodSteps)).toBeGreaterThan(8 * 50 * 0.9);
    expect(Number(f.evidence.periodSteps)).toBeLessThan(8 * 50 * 1.1);
  });

  it('ignores an epoch-periodic ripple (period = limit_train_batches)', () => {
    const run = generateRun(spec({ epochSteps: 1000, maxEpochs: 60, ripple: { amp: 0.04, harmonic2: 0.01 } }));
    expect(osc(run)).toEqual([]);
  });

  it('ignores the saw-tooth of warm restarts, logged or recognised from the curve', () => {
    for (const logged of [true, false]) {
      const run = generateRun(spec({ epochSteps: 1000, maxEpochs: 50, schedule: { kind: 'sgdr', t0: 1000, tMult: 1, kappa: 0.15, logged } }));
      expect(osc(run)).toEqual([]);
    }
  });

  it('reads a warm-restart schedule from the run config (the lr_schedulers block lrscope suggests)', () => {
    const run = generateRun(spec({ epochSteps: 1000, maxEpochs: 50, schedule: { kind: 'sgdr', t0: 1000, tMult: 1, kappa: 0.03, logged: false } }));
    run.context.scheduler = { 'optimizers.lr_schedulers': { generator: { kind: 'CosineAnnealingWarmRestarts', T_0: 1000, T_mult: 1, eta_min: 1e-5, interval: 'step' } } };
    const input = prepareRun(run);
    expect(input.events.lrSource).toBe('config');
    expect(input.events.schedule).toBe('warm_restarts');
    expect(input.events.restarts.slice(0, 3)).toEqual([1000, 2000, 3000]);
    expect(input.events.periods.some((p) => p.steps === 1000)).toBe(true);
    expect(detectOscillation(input)).toEqual([]);
  });

  it('ignores healthy noise: white, autocorrelated, heavy-tailed, with spikes', () => {
    for (const [i, o] of [
      { noise: 0.05, phi: 0 },
      { noise: 0.03, phi: 0.9 },
      { noise: 0.04, phi: 0.4, heavy: true, spikeRate: 0.003 },
    ].entries())
      expect(osc(generateRun(spec({ seed: 100 + i, ...o })))).toEqual([]);
  });

  it('ignores noisy but healthy GAN losses', () => {
    expect(osc(generateRun(spec({ ganNoise: 0.25, ganPhi: 0.7, heavy: true, ganWander: 1 })))).toEqual([]);
  });

  it('ignores LR step drops, warm-up ramps and a resumed segment', () => {
    expect(osc(generateRun(spec({ schedule: { kind: 'multistep', milestones: [30000, 45000], gamma: 0.1, logged: true } })))).toEqual([]);
    expect(osc(generateRun(spec({ schedule: { kind: 'warmup', steps: 3000, logged: false } })))).toEqual([]);
    expect(osc(generateRun(spec({ resume: { at: 33549, back: 30000, bump: 0.15 } })))).toEqual([]);
  });

  it('needs enough history: a short run gets no verdict', () => {
    const run = generateRun(spec({ maxEpochs: 2, oscillation: { t0: 1000, type: 'alternation', periodBlocks: 2, amp: 0.05 } }));
    expect(osc(run)).toEqual([]);
  });

  it('a wiggle smaller than 1% of the loss is not an oscillation (practical gate)', () => {
    const run = generateRun(spec({ noise: 0.002, oscillation: { t0: 15000, type: 'sine', periodBlocks: 8, amp: 0.004 } }));
    expect(osc(run)).toEqual([]);
  });

  it('diagnoseRun attaches LR suggestions to an oscillation', () => {
    const run = generateRun(spec({ oscillation: { t0: 20000, type: 'alternation', periodBlocks: 2, amp: 0.05 } }));
    const f = diagnoseRun(run).find((x) => x.kind === 'oscillation')!;
    expect(f.suggestions.map((s) => s.scheduler)).toContain('lr_scaling');
    expect(f.suggestions.map((s) => s.scheduler)).toContain('CosineAnnealingLR');
  });
});
