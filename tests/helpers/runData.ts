// Small constructed runs for detector unit tests: a few named curves, LaMa-like cadence, a seeded PRNG.
import { rng } from '../../server/demo/scenarios';
import type { RunContext, RunData } from '../../server/analysis/types';

export const CONTEXT: RunContext = {
  genLr: 1e-3,
  discLr: 1e-4,
  genOptimizer: 'adam',
  batchSize: 10,
  maxEpochs: null,
  limitTrainBatches: 100,
  valCheckInterval: null,
  logEveryNSteps: 10,
  gradientClipVal: null,
  scheduler: null,
  lastStep: null,
};

/** Gaussian noise from the project's seeded PRNG. */
export function noise(seed: number): () => number {
  const r = rng(seed);
  return () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
}

/** A run from curves: training tags sampled every `every` steps over `steps`, validation tags once per `valEvery`. */
export function makeRun(o: {
  steps: number;
  every?: number;
  valEvery?: number;
  train?: Record<string, (step: number, i: number) => number>;
  val?: Record<string, (step: number, i: number) => number>;
  context?: Partial<RunContext>;
}): RunData {
  const every = o.every ?? 10;
  const valEvery = o.valEvery ?? 100;
  const series: RunData['series'] = [];
  for (const [tag, f] of Object.entries(o.train ?? {})) {
    const steps: number[] = [];
    for (let s = every - 1; s < o.steps; s += every) steps.push(s);
    series.push({ tag, steps, values: steps.map((s, i) => f(s, i)) });
  }
  for (const [tag, f] of Object.entries(o.val ?? {})) {
    const steps: number[] = [];
    for (let s = valEvery - 1; s < o.steps; s += valEvery) steps.push(s);
    series.push({ tag, steps, values: steps.map((s, i) => f(s, i)) });
  }
  return { context: { ...CONTEXT, lastStep: o.steps - 1, ...o.context }, series, lr: [], gpu: [] };
}
