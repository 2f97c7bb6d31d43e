import { describe, expect, it } from 'vitest';
import { prepareRun } from '../../../server/analysis/diagnose';
import { detectPlateau, flatFrom } from '../../../server/analysis/detectors/plateau';
import type { RunData } from '../../../server/analysis/types';
import { makeRun, noise } from '../../helpers/runData';

const plateau = (run: RunData) => detectPlateau(prepareRun(run));

describe('plateau detector', () => {
  it('flatFrom: the earliest point after which the curve never improves by more than 10%', () => {
    expect(flatFrom([10, 5, 4, 3.9, 3.8, 3.7])).toEqual({ idx: 2, gain: expect.closeTo(0.075, 6) });
    expect(flatFrom([5, 4, 3, 2, 1])!.idx).toBe(4);
  });

  it('learns, then stalls for most of the run (an LR decayed to ~0): plateau from where it stalled', () => {
    const n = noise(1);
    const run = makeRun({
      steps: 2000,
      train: { train_loss: (s) => (0.2 + 0.3 * Math.exp(-Math.min(s, 400) / 150)) * (1 + 0.1 * n()) },
      val: { val_loss: (s) => (0.3 + 0.3 * Math.exp(-Math.min(s, 400) / 150)) * (1 + 0.005 * n()) },
    });
    const [f] = plateau(run);
    expect(f.kind).toBe('plateau');
    expect(f.startStep).toBeGreaterThanOrEqual(299);
    expect(f.startStep).toBeLessThanOrEqual(599);
    // every gate fired; the training loss's change is reported, not a gate
    expect(f.evidence.signals!.filter((s) => s.threshold !== 'reported').every((s) => s.fired)).toBe(true);
  });

  it('a run that flattens in its last third is converging, not on a plateau', () => {
    const run = makeRun({ steps: 3000, train: { train_loss: (s) => 0.2 + Math.exp(-s / 600) }, val: { val_loss: (s) => 0.3 + Math.exp(-s / 600) } });
    expect(plateau(run)).toEqual([]);
  });

  it('validation stuck while training keeps improving ≥ 15% is a plateau, with the memorising signal fired', () => {
    const run = makeRun({ steps: 3000, train: { train_loss: (s) => 1 / (1 + s / 300) }, val: { val_loss: () => 0.5 } });
    const [f] = plateau(run);
    expect(f.kind).toBe('plateau');
    const mem = f.evidence.signals!.find((s) => /memorising/.test(s.signal))!;
    expect(mem.fired).toBe(true);
    expect(Number(String(mem.value).replace('%', ''))).toBeLessThan(-15);
  });

  it('a never-learning run stuck at chance: plateau from the start', () => {
    const n = noise(2);
    const run = makeRun({ steps: 5000, train: { train_loss: () => 0.69 * (1 + 0.2 * n()) }, val: { val_loss: () => 0.66 * (1 + 0.01 * n()) } });
    const [f] = plateau(run);
    expect(f.evidence.early).toBe(true);
  });

  it('a flat training loss with a noisy validation loss that hovers without a trend is a plateau', () => {
    const n = noise(3);
    const run = makeRun({ steps: 5000, train: { train_loss: (s) => (s < 300 ? 0.13 : 0.11) * (1 + 0.03 * n()) }, val: { val_loss: () => 0.115 * Math.exp(0.3 * n()) } });
    const [f] = plateau(run);
    expect(f.kind).toBe('plateau');
    expect(f.evidence.early).toBe(true);
  });
});

describe('plateau P4: stuck, not slow', () => {
  // validation 9% better over the run, a little at every one of 30 validations (an LR far too low)
  const slow = (lr: (s: number) => number): RunData => {
    const n = noise(7);
    const run = makeRun({
      steps: 3000,
      train: { train_loss: (s) => (1 - 0.09 * (s / 3000)) * (1 + 0.01 * n()) },
      val: { val_loss: (s) => (1 - 0.09 * (s / 3000)) * (1 + 0.001 * n()) },
    });
    const steps = Array.from({ length: 300 }, (_, i) => i * 10 + 9);
    return { ...run, lr: [{ tag: 'lr-Adam', steps, values: steps.map(lr) }] };
  };

  it('a steady creep at a constant LR is slow convergence, not a plateau', () => {
    expect(plateau(slow(() => 1e-5))).toEqual([]);
  });

  it('the same creep with the LR decayed to ~0 is a plateau (the tail of a vanished step size)', () => {
    const [f] = plateau(slow((s) => 1e-3 * Math.pow(0.997, s)));
    expect(f.kind).toBe('plateau');
    expect(f.evidence.signals!.some((s) => /LR not decayed/.test(s.signal) && s.fired)).toBe(true);
  });
});
