import { describe, expect, it } from 'vitest';
import { generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectPlateau, flatOnset } from '../../../server/analysis/detectors/plateau';
import type { RunData } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 31 });

const plateau = (run: RunData) => detectPlateau(prepareRun(run));
const warnings = (run: RunData) => plateau(run).filter((f) => f.severity !== 'info');

describe('plateau detector', () => {
  it('finds an early plateau (progress frozen at 25% of the budget) as a warning with its onset', () => {
    const run = generateRun(spec({ plateau: { t0: 15000 } }));
    const [f] = plateau(run);
    expect(f.kind).toBe('plateau');
    expect(f.severity).toBe('warning');
    expect(f.evidence.early).toBe(true);
    expect(Math.abs(f.startStep - 15000)).toBeLessThan(6000);
    expect(f.metrics).toContain('val_ssim_fid100_f1_total_mean');
    expect(f.summary).toMatch(/has not improved for \d+ steps/);
  });

  it('reports the validations left and the thresholds as evidence', () => {
    const run = generateRun(spec({ plateau: { t0: 20000 }, endFrac: 0.8 }));
    const [f] = plateau(run);
    expect(f.evidence.remainingValidations).toBe(Math.floor((60000 - run.context.lastStep!) / 2500));
    expect(f.evidence.thresholds).toMatchObject({ trainEps: 0.01, valEps: 0.005 });
  });

  it('a healthy run that keeps improving is not a plateau, also while it runs', () => {
    for (const endFrac of [0.5, 0.75, 1]) expect(warnings(generateRun(spec({ endFrac })))).toEqual([]);
  });

  it('train_gen_l1 flat alone while the other metrics improve is not a plateau', () => {
    const run = generateRun(spec());
    const l1 = run.series.find((s) => s.tag === 'train_gen_l1')!;
    const level = l1.values[Math.floor(l1.values.length / 3)];
    l1.values = l1.values.map((v, i) => (i > l1.values.length / 3 ? level * (1 + 0.01 * Math.sin(i)) : v));
    expect(warnings(run)).toEqual([]);
  });

  it('a flat stretch after the LR decayed to its floor is convergence (info), not a warning', () => {
    const run = generateRun(spec({ schedule: { kind: 'multistep', milestones: [20000, 30000], gamma: 0.1, logged: true }, plateau: { t0: 35000 } }));
    const fs = plateau(run);
    expect(fs.every((f) => f.severity === 'info')).toBe(true);
  });

  it('hard negatives: LR step drops, warm restarts, warm-up ramp, a resumed segment, a short run', () => {
    expect(warnings(generateRun(spec({ schedule: { kind: 'multistep', milestones: [30000, 45000], gamma: 0.5, logged: true } })))).toEqual([]);
    expect(warnings(generateRun(spec({ schedule: { kind: 'sgdr', t0: 2500, tMult: 2, kappa: 0.15, logged: false } })))).toEqual([]);
    expect(warnings(generateRun(spec({ schedule: { kind: 'warmup', steps: 3000, logged: true } })))).toEqual([]);
    expect(warnings(generateRun(spec({ resume: { at: 33549, back: 30000, bump: 0.1 } })))).toEqual([]);
    expect(plateau(generateRun(spec({ maxEpochs: 2, endFrac: 0.5, plateau: { t0: 1000 } })))).toEqual([]);
  });

  it('flatOnset finds the knot of a decline that goes flat', () => {
    const steps = Array.from({ length: 300 }, (_, i) => (i + 1) * 100);
    const y = steps.map((s) => (s < 15000 ? 2 - Math.log(s / 15000) * 0.5 : 2));
    const k = flatOnset(y, 0, y.length, steps);
    expect(Math.abs(steps[k] - 15000)).toBeLessThan(1500);
  });

  it('diagnoseRun suggests an SGDR restart and ReduceLROnPlateau for an early plateau', () => {
    const f = diagnoseRun(generateRun(spec({ plateau: { t0: 15000 } }))).find((x) => x.kind === 'plateau')!;
    expect(f.suggestions.map((s) => s.scheduler)).toEqual(['CosineAnnealingWarmRestarts', 'ReduceLROnPlateau']);
  });
});
