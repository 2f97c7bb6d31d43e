import { describe, expect, it } from 'vitest';
import { demoRun, generateRun, type Spec } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectSlowConvergence } from '../../../server/analysis/detectors/slowConvergence';
import type { RunData } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 61 });
/** 10–100× too slow: decay time 3× the planned steps, almost linear */
const slow = (o: Partial<Spec> = {}) => spec({ tau: 3, gamma: 1.2, aScale: 2.5, slow: true, genLr: 3e-5, discLr: 3e-6, ...o });

const detect = (run: RunData) => detectSlowConvergence(prepareRun(run));

describe('slow-convergence detector', () => {
  it('finds a run still improving almost linearly, with tiny per-validation gains', () => {
    const [f] = detect(generateRun(slow()));
    expect(f.kind).toBe('slow_convergence');
    expect(f.severity).toBe('warning');
    expect(Number(f.evidence.linearity)).toBeGreaterThan(0.62);
    expect(f.summary).toMatch(/almost linearly/);
  });

  it('finds the demo slow_convergence scenario (LR 1e-5)', () => {
    const [f] = detect(demoRun('slow_convergence').run);
    expect(f.kind).toBe('slow_convergence');
  });

  it('gives no verdict before 30% of the planned steps', () => {
    expect(detect(generateRun(slow({ endFrac: 0.25 })))).toEqual([]);
  });

  it('a healthy, decelerating run is not slow — finished or in progress', () => {
    for (const endFrac of [0.4, 0.7, 1]) expect(detect(generateRun(spec({ endFrac })))).toEqual([]);
  });

  it('a plateau is not slow convergence (no significant improvement)', () => {
    expect(detect(generateRun(spec({ plateau: { t0: 12000 } })))).toEqual([]);
  });

  it('a decaying LR schedule (cosine, logged) shapes the curve itself: no verdict', () => {
    expect(detect(generateRun(slow({ schedule: { kind: 'cosine', kappa: 0.1, logged: true } })))).toEqual([]);
  });

  it('LR step drops: the stretch after the last drop is too short to judge', () => {
    expect(detect(generateRun(spec({ schedule: { kind: 'multistep', milestones: [50000], gamma: 0.1, logged: true } })))).toEqual([]);
  });

  it('suggests raising the LR with a warm-up and a one-cycle schedule, with numbers from the run', () => {
    const f = diagnoseRun(generateRun(slow())).find((x) => x.kind === 'slow_convergence')!;
    const [warm, cycle] = f.suggestions;
    expect(warm.scheduler).toBe('LinearWarmup');
    // batch 10 → the 8–16 row of the reference table starts at 5e-4, far above 3e-5
    expect(warm.params.genLr).toBeCloseTo(5e-4, 12);
    expect(cycle.scheduler).toBe('OneCycleLR');
    expect(f.suggestions.some((s) => s.scheduler === 'lr_scaling' && /reference range/.test(s.title))).toBe(true);
  });
});
