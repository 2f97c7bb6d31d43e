import { describe, expect, it } from 'vitest';
import { demoRun, generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectGpuUnderutilization } from '../../../server/analysis/detectors/gpuUnderutilization';
import type { RunData } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 71, withGpu: true });

const gpu = (run: RunData) => detectGpuUnderutilization(prepareRun(run));

describe('GPU under-utilisation detector', () => {
  it('a starved input pipeline: many samples near 0% while training', () => {
    const [f] = gpu(generateRun(spec({ gpu: { t0: 0, pattern: 'gappy' } })));
    expect(f.kind).toBe('gpu_underutilization');
    expect(f.evidence.pattern).toBe('gappy');
    expect(Number(f.evidence.idleFraction)).toBeGreaterThan(0.25);
  });

  it('a GPU that is steadily half idle, from the middle of the run: onset on the step axis', () => {
    const [f] = gpu(generateRun(spec({ gpu: { t0: 30000, pattern: 'low' } })));
    expect(f.evidence.pattern).toBe('low');
    expect(Number(f.evidence.medianUtil)).toBeLessThan(50);
    expect(Math.abs(f.startStep - 30000)).toBeLessThan(3000);
  });

  it('the demo gpu_bound scenario (times in ms, one sample per simulated second)', () => {
    const [f] = gpu(demoRun('gpu_bound').run);
    expect(f.kind).toBe('gpu_underutilization');
    const d = diagnoseRun(demoRun('gpu_bound').run).find((x) => x.kind === 'gpu_underutilization')!;
    expect(d.suggestions[0].scheduler).toBe('lr_scaling');
    expect(d.suggestions[0].params.newBatch).toBe(8);
    expect(d.suggestions[0].params.rule).toBe('sqrt');
  });

  it('hard negatives: validation dips, idle start-up, the idle gap of a resumed run, too few samples', () => {
    expect(gpu(generateRun(spec()))).toEqual([]);
    // the generator keeps nvidia-smi running at 0% while the job is down between the two segments
    const resumed = generateRun(spec({ resume: { at: 33549, back: 30000, bump: 0.1 } }));
    expect(resumed.gpu!.filter((g) => g.util === 0).length).toBeGreaterThan(20);
    expect(gpu(resumed)).toEqual([]);
    const few = generateRun(spec());
    few.gpu = few.gpu!.slice(0, 30);
    expect(gpu(few)).toEqual([]);
  });

  it('without wall times the idle start-up and tail are trimmed', () => {
    const run = generateRun(spec());
    run.series = run.series.map((s) => ({ ...s, wallTimes: undefined }));
    run.gpu = [...Array.from({ length: 40 }, () => ({ time: null, util: 0 })), ...run.gpu!.map((g) => ({ time: null, util: g.util })), ...Array.from({ length: 40 }, () => ({ time: null, util: 0 }))];
    expect(gpu(run)).toEqual([]);
  });
});
