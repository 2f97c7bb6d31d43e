import { describe, expect, it } from 'vitest';
import { prepareRun } from '../../../server/analysis/diagnose';
import { detectSlowConvergence, halfGains } from '../../../server/analysis/detectors/slowConvergence';
import type { RunData } from '../../../server/analysis/types';
import { makeRun, noise } from '../../helpers/runData';

const slow = (run: RunData) => detectSlowConvergence(prepareRun(run));

function run(val: (p: number) => number, seed = 1, gan?: { g: (p: number) => number; d: (p: number) => number }): RunData {
  const n = noise(seed);
  return makeRun({
    steps: 10000,
    valEvery: 100,
    train: {
      train_loss: (s) => val(s / 10000) * (1 + 0.1 * n()),
      ...(gan ? { train_gen_adv: (s: number) => gan.g(s / 10000) * (1 + 0.05 * n()), train_discr_adv: (s: number) => gan.d(s / 10000) * (1 + 0.05 * n()) } : {}),
    },
    val: { val_loss: (s) => val(s / 10000) * (1 + 0.001 * n()) },
  });
}

describe('slow convergence detector', () => {
  it('halfGains: the move of each half from 8 window medians', () => {
    const g = halfGains(Array.from({ length: 80 }, (_, i) => 100 - i));
    expect(g.first).toBeCloseTo(g.second, 6);
    expect(g.total).toBeGreaterThan(0);
  });

  it('a loss creeping down in a straight line (an LR 100× too low): slow convergence from the start', () => {
    const [f] = slow(run((p) => 0.70 - 0.04 * p));
    expect(f.kind).toBe('slow_convergence');
    expect(f.startStep).toBe(9);
    expect(f.summary).toMatch(/still improving at the end/);
  });

  it('a run that converged (fast, then decelerating) is not slow', () => {
    expect(slow(run((p) => 0.2 + Math.exp(-p * 8)))).toEqual([]);
  });

  it('a constant curve (moves in the 5th digit) is a plateau, not slow progress', () => {
    expect(slow(run((p) => 1.2533e12 - 1e7 * p))).toEqual([]);
  });

  it('in a GAN, adversarial losses drifting at the same pace all run long are the witness', () => {
    const [f] = slow(run((p) => 0.28 - 0.1 * p, 2, { g: (p) => 7 - 2.5 * p, d: (p) => 1.45 - 0.45 * p }));
    expect(f.evidence.signals!.some((s) => s.signal.startsWith('adversarial') && s.fired)).toBe(true);
  });
});
