// npm run bench:diagnose — how well the diagnosis finds what people labelled in real runs, per data set:
//   (1) lama-devset    ten real LaMa-shaped trainings (tests/fixtures/lama-devset), development set
//   (2) real-lightning 22 real Lightning runs from public projects (../shared, when present)
//   (3) torch-corpus   our own real trainings (tests/fixtures/torch-corpus, scripts/corpus/): held out for the
//                      first revision of the detectors, a development set since the second
//   (4) torch-heldout  a second batch (tests/fixtures/torch-heldout): held out for the second revision (its first
//                      score is in docs/benchmarks.md), a development set since the third
//   (5) torch-heldout-b a third batch (tests/fixtures/torch-heldout-b): held out for the third revision (its first
//                      score is in docs/benchmarks.md), a development set since the fourth
//   (6) torch-heldout-c a fourth batch (tests/fixtures/torch-heldout-c), generated after revision 4 and never used
//                      to choose a threshold: THE held-out number for revision 4
//   (7) synthetic      the generated regression set (scripts/eval/synthetic.ts): in-sample, reported apart
// Per kind: precision / recall with 95% Wilson intervals, median detection delay, warnings on healthy
// runs; then the time to diagnose a 1M-point run. Options: --verbose (misses and wrong findings per run),
// --no-delay, --quick (a smaller synthetic set), --sets=a,b (only these sets).
import { buildCorpus, bigRun } from './eval/synthetic';
import { loadSet, setAvailable, type LabelledRun, type SetName } from './eval/sets';
import { formatSetScore, scoreSet, type SetScore } from './eval/score';
import { diagnoseRun } from '../server/analysis/diagnose';
import { median } from '../server/analysis/robust';

const args = new Set(process.argv.slice(2));
const verbose = args.has('--verbose');
const delay = !args.has('--no-delay');
const only = process.argv.find((a) => a.startsWith('--sets='))?.slice(7).split(',');
const want = (s: string) => !only || only.includes(s);

function synthetic(): LabelledRun[] {
  return buildCorpus(args.has('--quick') ? { perClass: 10, perFamily: 4 } : {}).map((c) => ({
    set: 'synthetic',
    id: `${c.family}/${c.id}`,
    expected: c.label ? [c.label] : [],
    acceptable: [],
    onsets: c.label && c.onsetStep !== null ? { [c.label]: c.onsetStep } : {},
    hardNegative: c.hardNegative,
    run: c.run,
  }));
}

function targetsMet(s: SetScore): boolean {
  return s.kinds.every((k) => (k.precision ?? 1) >= 0.9 && (k.recall ?? 1) >= 0.9) && !s.healthyWarnings.some((w) => !w.acceptable);
}

function main() {
  const sets: [string, SetName | 'synthetic'][] = [
    ['(1) lama-devset — ten real LaMa-shaped trainings (development set: the detectors were derived on it)', 'lama-devset'],
    ['(2) real-lightning — 22 real public Lightning runs (development set, ../shared/fixtures/real-lightning)', 'real-lightning'],
    ['(3) torch-corpus — our own 32 real trainings (development set since the second revision; tests/fixtures/torch-corpus)', 'torch-corpus'],
    ['(4) torch-heldout — our own 27 real trainings (held out for the second revision, development set since; tests/fixtures/torch-heldout)', 'torch-heldout'],
    ['(5) torch-heldout-b — our own 20 real trainings (held out for the third revision, development set since; tests/fixtures/torch-heldout-b)', 'torch-heldout-b'],
    ['(6) torch-heldout-c — our own 15 real trainings, HELD OUT (never used to choose a threshold; tests/fixtures/torch-heldout-c)', 'torch-heldout-c'],
    ['(7) synthetic regression set — generated from the rules (in-sample, not a measure of real accuracy)', 'synthetic'],
  ];
  const verdicts: string[] = [];
  for (const [title, name] of sets) {
    if (!want(name)) continue;
    if (name !== 'synthetic' && !setAvailable(name)) {
      console.log(`== ${title}: not available here (skipped)\n`);
      continue;
    }
    const runs = name === 'synthetic' ? synthetic() : loadSet(name);
    const score = scoreSet(runs, diagnoseRun, { delay: delay && name !== 'real-lightning' });
    for (const line of formatSetScore(title, score, verbose)) console.log(line);
    console.log('');
    if (name !== 'synthetic') verdicts.push(`${name}: ${targetsMet(score) ? 'targets met' : 'targets NOT met'}`);
  }
  if (delay) console.log('delay = first of 12 evenly spaced prefixes after the labelled onset (the run as it looked live) at which the finding appears, minus the onset');

  const big = bigRun(1_000_000);
  const nPoints = big.series.reduce((a, s) => a + s.steps.length, 0);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    diagnoseRun(big);
    times.push(performance.now() - t);
  }
  console.log(`\n1M-point run: ${nPoints} points, diagnose first ${times[0].toFixed(0)} ms, median of 5 ${median(times).toFixed(0)} ms (target < 1000 ms)`);
  console.log(`\ntargets (precision ≥ 0.9 and recall ≥ 0.9 for every kind, no warning on a healthy run): ${verdicts.join('; ')}`);
}

main();
