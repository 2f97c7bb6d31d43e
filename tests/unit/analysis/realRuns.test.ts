// The detectors on real training runs: every labelled kind found (onset not before the label's, less a
// tolerance), nothing outside the labels' expected + acceptable kinds, nothing on healthy runs.
import { describe, expect, it } from 'vitest';
import { diagnoseRun } from '../../../server/analysis/diagnose';
import { alarms, onsetTolerance, scoreSet } from '../../../scripts/eval/score';
import { loadSet, setAvailable, type LabelledRun } from '../../../scripts/eval/sets';

function check(r: LabelledRun) {
  const found = alarms(diagnoseRun(r.run));
  const kinds = new Set(found.map((f) => f.kind));
  for (const k of r.expected) {
    expect(kinds, `${r.id}: expected ${k}, got ${[...kinds].join(', ') || 'nothing'}`).toContain(k);
    const onset = r.onsets[k];
    if (onset !== undefined) {
      const f = found.find((x) => x.kind === k)!;
      expect(f.startStep, `${r.id}: ${k} starts at ${f.startStep}, labelled ${onset}`).toBeGreaterThanOrEqual(onset - onsetTolerance(r.run));
    }
  }
  for (const k of kinds) expect([...r.expected, ...r.acceptable], `${r.id}: unexpected ${k}`).toContain(k);
  // every finding explains itself: a sentence and the signals that fired
  for (const f of found) {
    expect(f.summary.length).toBeGreaterThan(20);
    expect(f.evidence.signals?.some((s) => s.fired)).toBe(true);
  }
}

describe('diagnosis on lama-devset (ten real LaMa-shaped trainings)', () => {
  const runs = loadSet('lama-devset');
  it('holds ten labelled runs', () => expect(runs).toHaveLength(10));
  for (const r of runs) it(`${r.id}: ${r.expected.join(', ') || 'healthy'}`, () => check(r));

  it('overfitting names the best checkpoint and the signals in one sentence', () => {
    const r = runs.find((x) => x.expected.includes('overfitting'))!;
    const f = diagnoseRun(r.run).find((x) => x.kind === 'overfitting')!;
    expect(f.startStep).toBe(1385);
    expect(f.summary).toMatch(/val_gen_l1 was best at step 1385/);
    expect(f.summary).toMatch(/train_gen_l1 kept falling \d+%/);
    // the data had 2 batches per epoch, not limit_train_batches = 25000: the epoch comes from the logged counter
    expect(f.summary).toContain('the best checkpoint is epoch=461-step=1385');
  });
});

// other people's runs live in ../shared only (never copied into the repository)
describe.runIf(setAvailable('real-lightning'))('diagnosis on real-lightning (22 public Lightning runs)', () => {
  const runs = setAvailable('real-lightning') ? loadSet('real-lightning') : [];
  for (const r of runs) it(`${r.id}: ${r.expected.join(', ') || 'healthy'}`, () => check(r));
});

// Our own first corpus: held out for the first revision of the detectors, a development set since the
// second (docs/benchmarks.md) — every label is met, run by run.
describe('diagnosis on torch-corpus (our own 32 real trainings, development set)', () => {
  const runs = loadSet('torch-corpus');
  it('holds 32 labelled runs, 9 of them healthy', () => {
    expect(runs).toHaveLength(32);
    expect(runs.filter((r) => !r.expected.length)).toHaveLength(9);
  });
  for (const r of runs) it(`${r.id}: ${r.expected.join(', ') || 'healthy'}`, () => check(r));
});

// The second and third batches: each held out for one revision (first scores P 0.90 / R 0.86 and P 0.86 /
// R 0.92, docs/benchmarks.md). Every run is checked, except where the labeller's thresholds and ours disagree
// on a borderline curve: those are asserted as what we report, with the reason (listed in docs/benchmarks.md,
// kept visible here rather than relabelled).
const DISAGREE: Record<string, { ours: string[]; why: string }> = {
  h_plateau_drop_places: { ours: ['plateau'], why: 'val_gen_l1 improved 8.2% over 9 validations at LR 5e-7: < 10% is our plateau, > 3% is the labeller\'s "still improving"' },
  h_overfitting_20_images_log10: { ours: ['overfitting'], why: 'val_gen_l1 ends 17.5% above its best (GL5: overfitting); the labeller needs every later validation > 3% worse, one was 3.0%' },
  b_overfitting_10_images: { ours: ['overfitting'], why: 'val_gen_l1 ends 15% above its best (GL5); one of 17 later validations was only 2.3% worse' },
};
describe.each([
  ['torch-heldout', 27],
  ['torch-heldout-b', 20],
] as const)('diagnosis on %s (our own real trainings, held out once, scored in docs/benchmarks.md)', (set, n) => {
  const runs = loadSet(set);
  it(`holds ${n} labelled runs`, () => expect(runs).toHaveLength(n));
  for (const r of runs) {
    const scenario = r.id.split(' ')[0];
    const d = DISAGREE[scenario];
    if (d) it(`${r.id}: we say ${d.ours.join(', ')}, the labels ${r.expected.join(', ') || 'healthy'} — ${d.why}`, () => expect(alarms(diagnoseRun(r.run)).map((f) => f.kind)).toEqual(d.ours));
    else it(`${r.id}: ${r.expected.join(', ') || 'healthy'}`, () => check(r));
  }
});

// The fourth batch: held out for revision 4 (its score, P 0.89 / R 0.80, is in docs/benchmarks.md with the three
// misses explained). Guarded at what was measured, so a change that loses ground on unseen-shaped runs shows.
describe('diagnosis on torch-heldout-c (our own 15 real trainings, held out for revision 4)', () => {
  const runs = loadSet('torch-heldout-c');
  const score = scoreSet(runs, diagnoseRun);
  it('holds 15 labelled runs', () => expect(runs).toHaveLength(15));
  it('precision and recall over all kinds at least as measured (0.89 / 0.80)', () => {
    const tp = score.kinds.reduce((a, k) => a + k.tp, 0);
    const fp = score.kinds.reduce((a, k) => a + k.fp, 0);
    const fn = score.kinds.reduce((a, k) => a + k.fn, 0);
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.88);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.8);
  });
});
