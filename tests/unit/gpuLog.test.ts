import { describe, expect, it } from 'vitest';
import {
  gpuSampleFromTag,
  newGpuLogState,
  parseGpuLog,
  sniffGpuLog,
  type GpuLogState,
} from '../../server/ingest/gpuLog';
import type { GpuSample, ReadIssue } from '../../server/ingest/types';
import { readFixture } from '../helpers/fixtures';

const LAMA_GPU_CSV = 'lama-run/experiments/j_doe_2026-11-28_04-45-28_train_lama-tiny32_/gpu.csv';

const enc = (s: string) => new TextEncoder().encode(s);

function parseAll(input: string | Uint8Array, state: GpuLogState = newGpuLogState()) {
  const bytes = typeof input === 'string' ? enc(input) : input;
  return parseGpuLog(bytes, state, { baseOffset: 0, final: true });
}

function sample(p: Partial<GpuSample>): GpuSample {
  return {
    gpu: 0,
    time: null,
    util: null,
    memUtil: null,
    memUsedMb: null,
    memTotalMb: null,
    powerW: null,
    tempC: null,
    ...p,
  };
}

/** Local-time ms, as nvidia-smi timestamps carry no zone. */
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) =>
  new Date(y, mo - 1, d, h, mi, s, ms).getTime();

/** Deterministic PRNG so failures are reproducible. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * Simulates a tailing caller: the file grows by random amounts; each call gets the bytes from the stored
 * offset to the current end; the caller saves `consumed` and the state (through JSON, as the DB does).
 */
function parseTailing(bytes: Uint8Array, seed: number, maxStep = 40) {
  const rand = rng(seed);
  let state: GpuLogState = newGpuLogState();
  let offset = 0;
  let visible = 0;
  const samples: GpuSample[] = [];
  const issues: ReadIssue[] = [];
  while (true) {
    visible = Math.min(bytes.length, visible + 1 + Math.floor(rand() * maxStep));
    const final = visible === bytes.length;
    const r = parseGpuLog(bytes.subarray(offset, visible), state, { baseOffset: offset, final });
    samples.push(...r.samples);
    issues.push(...r.issues);
    expect(r.consumed).toBeGreaterThanOrEqual(0);
    expect(r.consumed).toBeLessThanOrEqual(visible - offset);
    offset += r.consumed;
    state = JSON.parse(JSON.stringify(r.state));
    if (final) {
      expect(offset).toBe(bytes.length);
      break;
    }
  }
  return { samples, issues, state };
}

describe('nvidia-smi query CSV fixtures', () => {
  it('parses gpu/nvidia-smi-query.csv (index first, memory.free unmapped)', () => {
    const bytes = readFixture('gpu/nvidia-smi-query.csv');
    const r = parseAll(bytes);
    expect(r.issues).toEqual([]);
    expect(r.consumed).toBe(bytes.length);
    expect(r.state.format).toBe('nvidia-query-csv');
    expect(r.state.columns).toEqual([
      'index',
      'timestamp',
      'utilization.gpu',
      'utilization.memory',
      'memory.total',
      'memory.used',
      'memory.free',
    ]);
    expect(r.state.line).toBe(3);
    expect(r.samples).toEqual([
      sample({
        gpu: 0,
        time: local(2020, 11, 12, 13, 48, 11, 412),
        util: 99,
        memUtil: 52,
        memUsedMb: 30994,
        memTotalMb: 32480,
      }),
      sample({
        gpu: 0,
        time: local(2020, 11, 12, 13, 48, 16, 415),
        util: 99,
        memUtil: 90,
        memUsedMb: 30994,
        memTotalMb: 32480,
      }),
    ]);
  });

  it('parses the LaMa run gpu.csv (design query order, 33 rows)', () => {
    const bytes = readFixture(LAMA_GPU_CSV);
    const r = parseAll(bytes);
    expect(r.issues).toEqual([]);
    expect(r.samples).toHaveLength(33);
    expect(r.state.line).toBe(34);
    expect(r.samples[0]).toEqual(
      sample({
        time: local(2026, 11, 28, 4, 45, 26, 737),
        util: 0,
        memUtil: 0,
        memUsedMb: 0,
        memTotalMb: 81920,
        tempC: 36,
        powerW: 62,
      }),
    );
    // line 6 of the file
    expect(r.samples[4]).toEqual(
      sample({
        time: local(2026, 11, 28, 4, 45, 30, 748),
        util: 93,
        memUtil: 48,
        memUsedMb: 17236,
        memTotalMb: 81920,
        tempC: 38,
        powerW: 317.51,
      }),
    );
    expect(r.samples[32]).toEqual(
      sample({
        time: local(2026, 11, 28, 4, 45, 58, 829),
        util: 0,
        memUtil: 0,
        memUsedMb: 0,
        memTotalMb: 81920,
        tempC: 57,
        powerW: 62,
      }),
    );
    expect(r.samples.every((s) => s.gpu === 0)).toBe(true);
    for (let i = 1; i < r.samples.length; i++) {
      const dt = r.samples[i].time! - r.samples[i - 1].time!;
      expect(dt).toBeGreaterThan(990);
      expect(dt).toBeLessThan(1010);
    }
  });

  it('reads timestamps as host local time (changes with TZ)', () => {
    const row = 'timestamp, utilization.gpu [%]\n2020/11/12 13:48:11.412, 5 %\n';
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      const utc = parseAll(row).samples[0].time;
      expect(utc).toBe(Date.UTC(2020, 10, 12, 13, 48, 11, 412));
      process.env.TZ = 'Asia/Kolkata'; // UTC+05:30, no DST
      const ist = parseAll(row).samples[0].time;
      expect(ist).toBe(Date.UTC(2020, 10, 12, 8, 18, 11, 412));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('nvidia-smi query CSV variants', () => {
  it('maps [N/A], [Not Supported] and N/A to null', () => {
    const text =
      'timestamp, index, name, utilization.gpu [%], utilization.memory [%], memory.used [MiB], memory.total [MiB], temperature.gpu, power.draw [W]\n' +
      '2020/11/12 13:48:11.412, 0, Tesla K80, [N/A], [Not Supported], 30994 MiB, 81559 MiB, N/A, [N/A]\n';
    const r = parseAll(text);
    expect(r.issues).toEqual([]);
    expect(r.samples).toEqual([
      sample({ time: local(2020, 11, 12, 13, 48, 11, 412), memUsedMb: 30994, memTotalMb: 81559 }),
    ]);
  });

  it('parses nounits (header keeps [units]) and nounits with a bare header', () => {
    const withUnits = parseAll(
      'index, utilization.gpu [%], memory.used [MiB], power.draw [W]\n0, 99, 30994, 592.74\n1, 12, 100, 70.5\n',
    );
    expect(withUnits.issues).toEqual([]);
    expect(withUnits.samples).toEqual([
      sample({ gpu: 0, util: 99, memUsedMb: 30994, powerW: 592.74 }),
      sample({ gpu: 1, util: 12, memUsedMb: 100, powerW: 70.5 }),
    ]);
    const bare = parseAll('index, utilization.gpu, memory.used, power.draw\n0, 99, 30994, 592.74\n1, 12, 100, 70.5\n');
    expect(bare.samples).toEqual(withUnits.samples);
  });

  it('uses gpu 0 when there is no index column (k8s note header)', () => {
    const r = parseAll('utilization.gpu [%], utilization.memory [%], power.draw [W]\n100 %, 0 %, 592.74 W\n');
    expect(r.samples).toEqual([sample({ gpu: 0, util: 100, memUtil: 0, powerW: 592.74 })]);
  });

  it('ignores unmapped columns like pstate and clocks (2017 gist header)', () => {
    const r = parseAll(
      'timestamp, pstate, temperature.gpu, utilization.gpu [%], utilization.memory [%], clocks.sm [MHz]\n' +
        '2017/03/19 17:32:29.613, P0, 69, 68 %, 29 %, 131 MHz\n',
    );
    expect(r.samples).toEqual([
      sample({ time: local(2017, 3, 19, 17, 32, 29, 613), tempC: 69, util: 68, memUtil: 29 }),
    ]);
  });

  it('infers columns of a noheader row with units (HPC order: index, timestamp, total, used, free)', () => {
    const r = parseAll(
      '0, 2020/11/12 13:48:11.412, 99 %, 52 %, 32480 MiB, 30994 MiB, 1486 MiB\n' +
        '0, 2020/11/12 13:48:16.415, 99 %, 90 %, 32480 MiB, 30994 MiB, 1486 MiB\n',
    );
    expect(r.issues).toEqual([]);
    expect(r.state.columns).toEqual([
      'index',
      'timestamp',
      'utilization.gpu',
      'utilization.memory',
      'memory.total',
      'memory.used',
      '',
    ]);
    expect(r.samples[1]).toEqual(
      sample({
        time: local(2020, 11, 12, 13, 48, 16, 415),
        util: 99,
        memUtil: 90,
        memUsedMb: 30994,
        memTotalMb: 32480,
      }),
    );
  });

  it('infers a noheader row with units whose memory.used comes first', () => {
    const r = parseAll('2026/01/02 03:04:05.006, 3, NVIDIA A100, 7 %, 3 %, 425 MiB, 81920 MiB, 79.84 W\n');
    expect(r.issues).toEqual([]);
    expect(r.samples).toEqual([
      sample({
        gpu: 3,
        time: local(2026, 1, 2, 3, 4, 5, 6),
        util: 7,
        memUtil: 3,
        memUsedMb: 425,
        memTotalMb: 81920,
        powerW: 79.84,
      }),
    ]);
  });

  it('uses the design query order for 9-field noheader rows, with and without units', () => {
    const units = parseAll(
      '2020/11/12 13:48:11.412, 1, NVIDIA H100 80GB HBM3, 99 %, 52 %, 30994 MiB, 81559 MiB, 65, 592.74 W\n',
    );
    const nounits = parseAll('2020/11/12 13:48:11.412, 1, NVIDIA H100 80GB HBM3, 99, 52, 30994, 81559, 65, 592.74\n');
    const expected = [
      sample({
        gpu: 1,
        time: local(2020, 11, 12, 13, 48, 11, 412),
        util: 99,
        memUtil: 52,
        memUsedMb: 30994,
        memTotalMb: 81559,
        tempC: 65,
        powerW: 592.74,
      }),
    ];
    expect(units.issues).toEqual([]);
    expect(units.samples).toEqual(expected);
    expect(nounits.issues).toEqual([]);
    expect(nounits.samples).toEqual(expected);
    expect(nounits.state.columns).toEqual([
      'timestamp',
      'index',
      'name',
      'utilization.gpu',
      'utilization.memory',
      'memory.used',
      'memory.total',
      'temperature.gpu',
      'power.draw',
    ]);
  });

  it('reports one issue and no samples when noheader nounits columns cannot be inferred', () => {
    const text = '2020/11/12 13:48:11.412, 0, 99, 30994\n'.repeat(5);
    const r = parseAll(text);
    expect(r.samples).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].line).toBe(1);
    expect(r.issues[0].offset).toBe(0);
    expect(r.issues[0].reason).toMatch(/infer/);
  });

  it('reports rows with the wrong number of fields and keeps going', () => {
    const header = 'index, utilization.gpu [%], memory.used [MiB]\n';
    const bad = '0, 50 %\n';
    const text = header + '0, 10 %, 5 MiB\n' + bad + '0, 20 %, 6 MiB\n';
    const r = parseAll(text);
    expect(r.samples.map((s) => s.util)).toEqual([10, 20]);
    expect(r.issues).toEqual([
      { line: 3, offset: enc(header + '0, 10 %, 5 MiB\n').length, reason: 'line 3 has 2 fields, header has 3' },
    ]);
  });

  it('resets columns on a repeated header (a second nvidia-smi run appended)', () => {
    const text =
      'index, utilization.gpu [%]\n' +
      '0, 10 %\n' +
      '1, 11 %\n' +
      'timestamp, index, memory.used [MiB], utilization.gpu [%]\n' +
      '2020/11/12 13:48:11.412, 1, 100 MiB, 55 %\n';
    const r = parseAll(text);
    expect(r.issues).toEqual([]);
    expect(r.samples).toEqual([
      sample({ gpu: 0, util: 10 }),
      sample({ gpu: 1, util: 11 }),
      sample({ gpu: 1, time: local(2020, 11, 12, 13, 48, 11, 412), memUsedMb: 100, util: 55 }),
    ]);
  });

  it('handles CRLF line ends and a BOM', () => {
    const r = parseAll('\uFEFFindex, utilization.gpu [%]\r\n0, 10 %\r\n');
    expect(r.issues).toEqual([]);
    expect(r.samples).toEqual([sample({ util: 10 })]);
  });

  it('reports an unrecognised file once and returns no samples', () => {
    const r = parseAll(readFixture('lama-logs/train.log.issue67-sample'));
    expect(r.samples).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].reason).toMatch(/not recognised/);
  });
});

describe('nvidia-smi dmon', () => {
  it('parses gpu/nvidia-smi-dmon.log', () => {
    const bytes = readFixture('gpu/nvidia-smi-dmon.log');
    const r = parseAll(bytes);
    expect(r.issues).toEqual([]);
    expect(r.state.format).toBe('nvidia-dmon');
    expect(r.state.columns).toEqual([
      'gpu', 'pwr', 'gtemp', 'mtemp', 'sm', 'mem', 'enc', 'dec', 'jpg', 'ofa', 'mclk', 'pclk',
    ]);
    expect(r.samples).toEqual([
      sample({ gpu: 0, powerW: 15, tempC: 44, util: 12, memUtil: 9 }),
      sample({ gpu: 0, powerW: 15, tempC: 44, util: 25, memUtil: 17 }),
    ]);
  });

  it('parses -o DT -s pucm (date/time columns, fb memory)', () => {
    const text =
      '#Date       Time        gpu    pwr  gtemp  mtemp     sm    mem    enc    dec    jpg    ofa   mclk   pclk     fb   bar1   ccpm\n' +
      '#YYYYMMDD   HH:MM:SS    Idx      W      C      C      %      %      %      %      %      %    MHz    MHz     MB     MB     MB\n' +
      ' 20260529   09:51:25      0    294     81      -     98     57      0      0      0      0  13365   1897  90538      4      0\n' +
      ' 20260529   09:51:25      1     15     27      -      -      -      0      0      0      0    405    375      0      2      0\n';
    expect(sniffGpuLog(text)).toBe('nvidia-dmon');
    const r = parseAll(text);
    expect(r.issues).toEqual([]);
    expect(r.samples).toEqual([
      sample({ gpu: 0, time: local(2026, 5, 29, 9, 51, 25), powerW: 294, tempC: 81, util: 98, memUtil: 57, memUsedMb: 90538 }),
      sample({ gpu: 1, time: local(2026, 5, 29, 9, 51, 25), powerW: 15, tempC: 27, memUsedMb: 0 }),
    ]);
  });

  it('parses -o T (time only: no date, so time is null) and old drivers without jpg/ofa', () => {
    const text =
      '#Time        gpu   pwr  gtemp  mtemp    sm   mem   enc   dec  mclk  pclk\n' +
      '#HH:MM:SS    Idx     W      C      C     %     %     %     %   MHz   MHz\n' +
      ' 09:51:25      0    40     50      -    30    20     0     0   405   375\n';
    expect(sniffGpuLog(text)).toBe('nvidia-dmon');
    const r = parseAll(text);
    expect(r.issues).toEqual([]);
    expect(r.samples).toEqual([sample({ gpu: 0, time: null, powerW: 40, tempC: 50, util: 30, memUtil: 20 })]);
  });

  it('re-reads names on a header repeat and reports ragged rows', () => {
    const text =
      '# gpu    pwr  gtemp     sm    mem\n' +
      '# Idx      W      C      %      %\n' +
      '    0     15     44     12      9\n' +
      '    0     15     44\n' +
      '# gpu     sm    mem    pwr\n' +
      '# Idx      %      %      W\n' +
      '    0     70     30    200\n';
    const r = parseAll(text);
    expect(r.samples).toEqual([
      sample({ powerW: 15, tempC: 44, util: 12, memUtil: 9 }),
      sample({ util: 70, memUtil: 30, powerW: 200 }),
    ]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 4, reason: 'line 4 has 3 fields, header has 5' });
  });
});

describe('sniffGpuLog', () => {
  it('recognises the fixtures and variants by content', () => {
    expect(sniffGpuLog(readFixture('gpu/nvidia-smi-query.csv').toString('utf8'))).toBe('nvidia-query-csv');
    expect(sniffGpuLog(readFixture(LAMA_GPU_CSV).toString('utf8'))).toBe('nvidia-query-csv');
    expect(sniffGpuLog(readFixture('gpu/nvidia-smi-dmon.log').toString('utf8'))).toBe('nvidia-dmon');
    expect(sniffGpuLog('index, utilization.gpu, memory.used\n0, 99, 30994\n')).toBe('nvidia-query-csv');
    expect(sniffGpuLog('memory.used [MiB]\n30994 MiB\n')).toBe('nvidia-query-csv');
    expect(
      sniffGpuLog('2020/11/12 13:48:11.412, 0, NVIDIA A100, 99 %, 52 %, 30994 MiB, 81559 MiB, 65, 592.74 W\n'),
    ).toBe('nvidia-query-csv');
    expect(sniffGpuLog('2020/11/12 13:48:11.412, 0, NVIDIA A100, 99, 52, 30994, 81559, 65, 592.74\n')).toBe(
      'nvidia-query-csv',
    );
    expect(sniffGpuLog('0, 2020/11/12 13:48:11.412, 99 %, 52 %, 32480 MiB')).toBe('nvidia-query-csv'); // partial head
  });

  it('returns null for other files', () => {
    const trainLog = readFixture('lama-run/experiments/j_doe_2026-11-28_04-45-28_train_lama-tiny32_/train.log');
    const yaml = readFixture('lama-run/experiments/j_doe_2026-11-28_04-45-28_train_lama-tiny32_/config.yaml');
    expect(sniffGpuLog(trainLog.toString('utf8'))).toBeNull();
    expect(sniffGpuLog(readFixture('lama-logs/train.log.issue67-sample').toString('utf8'))).toBeNull();
    expect(sniffGpuLog(yaml.toString('utf8'))).toBeNull();
    expect(sniffGpuLog('epoch,step,train_loss,val_loss,lr-Adam\n0,49,0.53,,\n,49,,,0.001\n')).toBeNull();
    expect(sniffGpuLog('epoch, step, loss\n0, 49, 0.5\n')).toBeNull();
    expect(sniffGpuLog('# gpu settings\nbatch_size: 4\n')).toBeNull();
    expect(sniffGpuLog('lr: [0.001, 0.0001]\n')).toBeNull();
    expect(sniffGpuLog('')).toBeNull();
    expect(sniffGpuLog('index\n0\n')).toBeNull();
    const rand = rng(7);
    for (let k = 0; k < 20; k++) {
      const bytes = Buffer.alloc(512);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
      expect(sniffGpuLog(bytes.toString('latin1'))).toBeNull();
      expect(sniffGpuLog(bytes.toString('utf8'))).toBeNull();
    }
  });
});

describe('streaming', () => {
  it('does not consume a trailing partial line unless final, and does not mutate the state', () => {
    const text = 'index, utilization.gpu [%]\n0, 10 %\n0, 2';
    const bytes = enc(text);
    const state = newGpuLogState();
    const snapshot = JSON.stringify(state);
    const r = parseGpuLog(bytes, state, { baseOffset: 0, final: false });
    expect(JSON.stringify(state)).toBe(snapshot);
    expect(r.consumed).toBe(text.lastIndexOf('\n') + 1);
    expect(r.samples).toEqual([sample({ util: 10 })]);
    expect(r.state.line).toBe(2);
    const rest = parseGpuLog(bytes.subarray(r.consumed), r.state, { baseOffset: r.consumed, final: true });
    expect(rest.consumed).toBe(bytes.length - r.consumed);
    expect(rest.samples).toEqual([sample({ util: 2 })]);
    expect(rest.state.line).toBe(3);
  });

  it('gives the same samples, issues and state in random-sized chunks as in one shot', () => {
    const inputs: Uint8Array[] = [
      readFixture(LAMA_GPU_CSV),
      readFixture('gpu/nvidia-smi-query.csv'),
      readFixture('gpu/nvidia-smi-dmon.log'),
      enc(
        'index, utilization.gpu [%], memory.used [MiB]\r\n0, 10 %, 5 MiB\r\n0, 50 %\r\n' +
          'timestamp, index, utilization.gpu [%]\n2020/11/12 13:48:11.412, 1, 55 %\n2020/11/12 13:48:12.412, 1, 56 %',
      ),
      enc(
        '#Date Time gpu pwr gtemp sm mem fb\n#YYYYMMDD HH:MM:SS Idx W C % % MB\n' +
          '20260529 09:51:25 0 15 27 12 9 100\n20260529 09:51:26 0 - 27 13 9\n20260529 09:51:27 0 16 28 14 10 101\n',
      ),
    ];
    for (const [n, bytes] of inputs.entries()) {
      const whole = parseAll(bytes);
      for (let seed = 1; seed <= 15; seed++) {
        const t = parseTailing(bytes, seed * 101 + n, seed % 3 === 0 ? 200 : 25);
        expect(t.samples).toEqual(whole.samples);
        expect(t.issues).toEqual(whole.issues);
        expect(t.state).toEqual(whole.state);
      }
    }
  });
});

describe('gpuSampleFromTag', () => {
  it('maps Lightning GPU tags', () => {
    expect(gpuSampleFromTag('gpu_id: 0/memory.used (MB)', 1234, 1700000000.5)).toEqual(
      sample({ gpu: 0, time: 1700000000500, memUsedMb: 1234 }),
    );
    expect(gpuSampleFromTag('gpu_id: 1/utilization.gpu (%)', 87, 10)).toEqual(
      sample({ gpu: 1, time: 10000, util: 87 }),
    );
    expect(gpuSampleFromTag('gpu_id: 2/utilization.memory (%)', 40, null)).toEqual(sample({ gpu: 2, memUtil: 40 }));
    expect(gpuSampleFromTag('gpu_id: 0/temperature.gpu (°C)', 65, null)).toEqual(sample({ tempC: 65 }));
    expect(gpuSampleFromTag('gpu_id: 3/power.draw (W)', 250.5, null)).toEqual(sample({ gpu: 3, powerW: 250.5 }));
    expect(gpuSampleFromTag('gpu_id: 0/memory.free (MB)', 5000, 1)).toEqual(sample({ gpu: 0, time: 1000 }));
  });

  it('returns null for other tags', () => {
    expect(gpuSampleFromTag('gpu_id: 0/fan.speed (%)', 30, null)).toBeNull();
    expect(gpuSampleFromTag('gpu_id: 0/temperature.memory (°C)', 30, null)).toBeNull();
    expect(gpuSampleFromTag('train_gen_loss', 1, null)).toBeNull();
    expect(gpuSampleFromTag('val_ssim_10-20%_mean', 1, null)).toBeNull();
    expect(gpuSampleFromTag('batch_time/intra_step (ms)', 1, null)).toBeNull();
    expect(gpuSampleFromTag('DeviceStatsMonitor.on_train_batch_start/allocated_bytes.all.current', 1, null)).toBeNull();
  });
});
