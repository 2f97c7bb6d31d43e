import { describe, expect, it } from 'vitest';
import { newTrainLogState, parseTrainLog, type TrainLogEvent, type TrainLogState } from '../../server/ingest/trainLog';
import type { ReadIssue } from '../../server/ingest/types';
import { readFixture } from '../helpers/fixtures';
import { rng as seededRng } from '../../server/demo/scenarios';

const RUN_LOG = 'lama-run/experiments/j_doe_2026-11-28_04-45-28_train_lama-tiny32_/train.log';

type TableEvent = Extract<TrainLogEvent, { type: 'table' }>;

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

/** local-time ms, as the parser must compute it */
const t = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) =>
  new Date(y, mo - 1, d, h, mi, s, ms).getTime();

function parseAll(buf: Uint8Array) {
  return parseTrainLog(buf, newTrainLogState(), { baseOffset: 0, final: true });
}

const tables = (events: TrainLogEvent[]) => events.filter((e): e is TableEvent => e.type === 'table');
const tableKey = (e: TableEvent) => `${e.kind}|${e.name ?? ''}|${e.epoch}|${e.iterations}`;
const cell = (e: TableEvent, label: string, score: string, stat: string) => {
  const c = e.columns.findIndex((x) => x.score === score && x.stat === stat);
  const r = e.rows.find((x) => x.label === label);
  if (c < 0 || !r) throw new Error(`no cell ${label} ${score}/${stat}`);
  return r.values[c];
};

function countNewlines(buf: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (buf[i] === 0x0a) n++;
  return n;
}


/**
 * Drive the streaming contract as the ingester does: the file grows by random amounts
 * (cut anywhere), every call reads from baseOffset + consumed to the current end, and the
 * last call, on the complete file, passes final: true. Tables are upserted by key.
 */
function stream(buf: Uint8Array, seed: number, maxStep: number) {
  const rng = seededRng(seed);
  let offset = 0;
  let state: TrainLogState = newTrainLogState();
  let end = 0;
  const tableStore = new Map<string, TableEvent>();
  // statuses upsert on (type, line): a pending failure record may gain its exception line later
  const status = new Map<string, TrainLogEvent>();
  const issues: ReadIssue[] = [];
  let calls = 0;
  let linesBefore = 0;
  for (;;) {
    end = Math.min(buf.length, end + 1 + Math.floor(rng() * maxStep));
    const final = end === buf.length;
    const res = parseTrainLog(buf.subarray(offset, end), state, { baseOffset: offset, final });
    calls++;
    for (const e of res.events) {
      if (e.type === 'table') tableStore.set(tableKey(e), e);
      else status.set(`${e.type}|${e.line}`, e);
    }
    issues.push(...res.issues);
    expect(res.consumed).toBeGreaterThanOrEqual(0);
    expect(res.consumed).toBeLessThanOrEqual(end - offset);
    linesBefore += countNewlines(buf.subarray(offset, offset + res.consumed), res.consumed);
    offset += res.consumed;
    state = res.state;
    // state.line is the number of lines before baseOffset + consumed
    expect(state.line).toBe(linesBefore);
    if (final) break;
  }
  return { tableStore, status, issues, calls };
}

describe('parseTrainLog: complete lama-run train.log', () => {
  const buf = readFixture(RUN_LOG);
  const res = parseAll(buf);
  const tbl = tables(res.events);

  it('finds all 12 tables with kinds, epochs, iterations, lines and sanity flags', () => {
    expect(tbl.map((e) => [e.kind, e.name, e.epoch, e.iterations, e.sanity, e.line, e.rows.length])).toEqual([
      ['val', null, 0, 0, true, 224, 7],
      ['test', null, 0, 0, true, 246, 4],
      ['val', null, 0, 99, false, 266, 7],
      ['test', null, 0, 99, false, 288, 4],
      ['val', null, 1, 199, false, 307, 7],
      ['test', null, 1, 199, false, 329, 4],
      ['val', null, 2, 299, false, 348, 7],
      ['test', null, 2, 299, false, 370, 4],
      ['val', null, 3, 399, false, 389, 7],
      ['test', null, 3, 399, false, 411, 4],
      ['val', null, 4, 499, false, 430, 7],
      ['test', null, 4, 499, false, 452, 4],
    ]);
    expect(res.events).toHaveLength(12);
    for (const e of tbl) {
      expect(e.columns.map((c) => `${c.score}/${c.stat}`)).toEqual([
        'fid/mean',
        'lpips/mean',
        'lpips/std',
        'ssim/mean',
        'ssim/std',
        'ssim_fid100_f1/mean',
      ]);
    }
  });

  it('reads cells as printed in the file', () => {
    const [sanityVal, sanityTest, , , val1, , , , , , val4, test4] = tbl;
    expect(cell(sanityVal, '40-50%', 'fid', 'mean')).toBe(1081.610101);
    expect(cell(sanityVal, 'total', 'ssim_fid100_f1', 'mean')).toBe(0);
    expect(cell(sanityTest, '10-20%', 'fid', 'mean')).toBeNull();
    expect(cell(sanityTest, 'total', 'ssim_fid100_f1', 'mean')).toBe(0.502981);
    expect(cell(val1, '50-60%', 'fid', 'mean')).toBe(180.621297);
    expect(cell(val1, 'total', 'ssim_fid100_f1', 'mean')).toBe(0.70679);
    expect(cell(val4, '30-40%', 'lpips', 'std')).toBe(0.06153);
    expect(cell(val4, 'total', 'ssim', 'mean')).toBe(0.810771);
    expect(cell(val4, '0-10%', 'ssim_fid100_f1', 'mean')).toBeNull();
    expect(cell(test4, 'total', 'ssim_fid100_f1', 'mean')).toBe(0.84754);
    expect(cell(test4, '20-30%', 'ssim', 'std')).toBe(0);
  });

  it('reports times, record count and the resume point', () => {
    expect(tbl[0].time).toBe(t(2026, 11, 28, 4, 45, 29, 780));
    expect(tbl[11].time).toBe(t(2026, 11, 28, 4, 45, 55, 551));
    expect(res.firstTime).toBe(t(2026, 11, 28, 4, 45, 28, 939));
    expect(res.lastTime).toBe(t(2026, 11, 28, 4, 45, 55, 551));
    expect(res.records).toBe(179);
    expect(res.issues).toEqual([]);
    // the last record (the epoch-4 test table, line 452) is where the next call resumes
    expect(res.consumed).toBe(buf.indexOf('[2026-11-28 04:45:55,551]'));
    expect(res.state).toEqual({ line: 451 });
  });

  it('gives the same result with CRLF line endings', () => {
    const crlf = Buffer.from(buf.toString('utf8').replace(/\n/g, '\r\n'));
    const r2 = parseAll(crlf);
    expect(r2.events).toEqual(res.events);
    expect(r2.issues).toEqual([]);
  });
});

describe('parseTrainLog: issue samples', () => {
  it('parses the issue #67 table through the record grammar', () => {
    const res = parseAll(readFixture('lama-logs/train.log.issue67-sample'));
    const [e] = tables(res.events);
    expect(res.events).toHaveLength(1);
    expect(e).toMatchObject({ kind: 'val', name: null, epoch: 0, iterations: 24999, sanity: false, line: 1 });
    expect(e.time).toBe(t(2021, 11, 10, 23, 40, 9, 398));
    expect(cell(e, '0-10%', 'fid', 'mean')).toBe(9.233729);
    expect(cell(e, '0-10%', 'lpips', 'std')).toBe(0.01594);
    expect(cell(e, 'total', 'ssim_fid100_f1', 'mean')).toBe(0.865561);
    expect(cell(e, '40-50%', 'ssim_fid100_f1', 'mean')).toBeNull();
  });

  it('reports the issue #109 failure', () => {
    const res = parseAll(readFixture('lama-logs/train.log.issue109-failure'));
    expect(res.events).toEqual([
      {
        type: 'failed',
        message: 'num_samples should be a positive integer value, but got num_samples=0',
        time: t(2022, 4, 20, 2, 49, 17, 256),
        line: 2,
      },
    ]);
    expect(res.records).toBe(2);
    expect(res.firstTime).toBe(t(2022, 4, 20, 2, 49, 17, 229));
    expect(res.lastTime).toBe(t(2022, 4, 20, 2, 49, 17, 256));
  });

  it('reads the issue #258 start-up with an interleaved unformatted line', () => {
    const res = parseAll(readFixture('lama-logs/train.log.issue258-sample'));
    expect(res.events).toEqual([]);
    expect(res.records).toBe(6);
    expect(res.issues).toEqual([]);
    expect(res.state.line).toBe(6); // the last record is on line 7
  });

  it('appends the exception line of a complete traceback', () => {
    const log = [
      '[2022-04-20 02:49:17,256][__main__][CRITICAL] - Training failed due to num_samples should be a positive integer value, but got num_samples=0:',
      'Traceback (most recent call last):',
      '  File "bin/train.py", line 63, in main',
      '    trainer.fit(training_model)',
      '  File "/opt/torch/utils/data/sampler.py", line 104, in __init__',
      '    "value, but got num_samples={}".format(self.num_samples))',
      'ValueError: num_samples should be a positive integer value, but got num_samples=0',
      '',
    ].join('\n');
    const res = parseAll(bytes(log));
    expect(res.events).toEqual([
      {
        type: 'failed',
        message:
          'num_samples should be a positive integer value, but got num_samples=0\nValueError: num_samples should be a positive integer value, but got num_samples=0',
        time: t(2022, 4, 20, 2, 49, 17, 256),
        line: 1,
      },
    ]);
  });

  it('finds the exception line after a multi-line exception message', () => {
    const log = [
      '[2022-06-01 10:00:00,000][__main__][CRITICAL] - Training failed due to Error(s) in loading state_dict for DefaultInpaintingTrainingModule:',
      '\tMissing key(s) in state_dict: "generator.model.1.weight".:',
      'Traceback (most recent call last):',
      '  File "bin/train.py", line 63, in main',
      '    trainer.fit(training_model)',
      'RuntimeError: Error(s) in loading state_dict for DefaultInpaintingTrainingModule:',
      '\tMissing key(s) in state_dict: "generator.model.1.weight".',
      '',
    ].join('\n');
    const [e] = parseAll(bytes(log)).events;
    expect(e).toMatchObject({
      type: 'failed',
      message:
        'Error(s) in loading state_dict for DefaultInpaintingTrainingModule\nRuntimeError: Error(s) in loading state_dict for DefaultInpaintingTrainingModule:',
    });
  });

  it('reports "Interrupted by user"', () => {
    const log = [
      '[2023-01-02 03:04:05,006][root][INFO] - Make training model default',
      '[2023-01-02 03:04:09,123][__main__][WARNING] - Interrupted by user',
      '[2023-01-02 03:04:09,200][root][INFO] - Interrupted by user later? no',
      '',
    ].join('\n');
    const res = parseAll(bytes(log));
    expect(res.events).toEqual([{ type: 'interrupted', time: t(2023, 1, 2, 3, 4, 9, 123), line: 2 }]);
  });
});

describe('parseTrainLog: duplicates and robustness', () => {
  const table = (epoch: number, iters: number, v: string) => [
    `[2021-11-10 23:40:09,398][saicinpainting.training.trainers.base][INFO] - Validation metrics after epoch #${epoch}, total ${iters} iterations:`,
    '              fid     lpips                ssim           ssim_fid100_f1',
    '             mean      mean       std      mean       std           mean',
    `0-10%    9.233729  0.030847  0.015940  0.972129  0.019427            NaN`,
    `total   14.276092  0.134199  0.074044  0.875066  0.083600       ${v}`,
  ];

  it('emits a table printed once per DDP rank only once', () => {
    const log = [
      ...table(0, 0, '0.100000'),
      ...table(0, 0, '0.100000'),
      '[2021-11-10 23:41:00,000][root][INFO] - between',
      ...table(0, 24999, '0.865561'),
      ...table(0, 24999, '0.865561'),
      ...table(1, 49999, '0.900000'),
      '[2021-11-10 23:42:00,000][root][INFO] - end',
      '',
    ].join('\n');
    const res = parseAll(bytes(log));
    const tbl = tables(res.events);
    expect(tbl.map((e) => [e.epoch, e.iterations, e.sanity])).toEqual([
      [0, 0, true],
      [0, 24999, false],
      [1, 49999, false],
    ]);
    expect(cell(tbl[1], 'total', 'ssim_fid100_f1', 'mean')).toBe(0.865561);
    expect(res.records).toBe(7);
  });

  it('keeps extra-val tables apart by name', () => {
    const log = [
      ...table(0, 24999, '0.5'),
      ...table(0, 24999, '0.5').map((l, i) =>
        i === 0 ? l.replace('Validation metrics', 'Extra val random_thick_512 metrics') : l,
      ),
      ...table(0, 24999, '0.6').map((l, i) =>
        i === 0 ? l.replace('Validation metrics', 'Extra val random_thin_256 metrics') : l,
      ),
      '',
    ].join('\n');
    const tbl = tables(parseAll(bytes(log)).events);
    expect(tbl.map((e) => [e.kind, e.name])).toEqual([
      ['val', null],
      ['extra_val', 'random_thick_512'],
      ['extra_val', 'random_thin_256'],
    ]);
    expect(cell(tbl[2], 'total', 'ssim_fid100_f1', 'mean')).toBe(0.6);
  });

  it('reports a ragged row and a heading without a table, and still emits the rest', () => {
    const lines = table(2, 100, '0.7');
    lines.splice(4, 0, '10-20%  24.030723  0.082105');
    const log = [
      ...lines,
      '[2021-11-10 23:41:00,000][saicinpainting.training.trainers.base][INFO] - Test metrics after epoch #2, total 100 iterations:',
      'Traceback (most recent call last):',
      '[2021-11-10 23:42:00,000][root][INFO] - end',
      '',
    ].join('\n');
    const buf = bytes(log);
    const res = parseAll(buf);
    const [e] = tables(res.events);
    expect(res.events).toHaveLength(1);
    expect(e.rows.map((r) => r.label)).toEqual(['0-10%', 'total']);
    expect(res.issues).toHaveLength(2);
    expect(res.issues[0]).toMatchObject({ line: 5, offset: log.indexOf('10-20%') });
    expect(res.issues[0].reason).toMatch(/^line 5: .*"10-20%" has 2 values, expected 6/);
    expect(res.issues[1]).toMatchObject({ line: 7, offset: log.indexOf('[2021-11-10 23:41:00') });
    expect(res.issues[1].reason).toMatch(/not followed by a metrics table/);
  });

  it('reports a non-UTF-8 line with its number and offset and parses the rest', () => {
    const orig = readFixture(RUN_LOG);
    // corrupt line 150 (inside the Generator repr) with a lone 0xff and 0xc3 byte
    const start = countLineStart(orig, 150);
    const bad = Buffer.concat([orig.subarray(0, start + 4), Buffer.from([0xff, 0xc3]), orig.subarray(start + 4)]);
    const res = parseAll(bad);
    expect(res.issues).toEqual([
      { line: 150, offset: start, reason: 'line 150 is not valid UTF-8; decoded with replacement characters' },
    ]);
    expect(tables(res.events)).toHaveLength(12);
    expect(res.events).toEqual(parseAll(orig).events);
  });

  it('ignores lines before the first record', () => {
    const log = ['initializing ddp: GLOBAL_RANK: 0, MEMBER: 1/4', ...table(0, 5, '0.5'), ''].join('\n');
    const res = parseAll(bytes(log));
    expect(tables(res.events)[0].line).toBe(2);
    expect(res.consumed).toBe(log.indexOf('['));
    expect(res.state.line).toBe(1);
  });

  it('handles an empty chunk and a chunk without any record', () => {
    const empty = parseTrainLog(new Uint8Array(0), { line: 5 }, { baseOffset: 100, final: false });
    expect(empty).toEqual({ events: [], consumed: 0, state: { line: 5 }, issues: [], firstTime: null, lastTime: null, records: 0 });
    const noRec = parseTrainLog(bytes('garbage\nmore garbage\n'), newTrainLogState(), { baseOffset: 0, final: false });
    expect(noRec.consumed).toBe(0);
    expect(noRec.state.line).toBe(0);
    expect(noRec.records).toBe(0);
  });

  it('keeps a tqdm \\r-prefixed record and strips trailing \\r', () => {
    const log =
      'Epoch 0:  22%|██▏       | 4/18 [00:17<01:02,  4.47s/it, loss=10.072, v_num=0]\r' +
      '[2023-01-02 03:04:09,123][__main__][WARNING] - Interrupted by user\r\n';
    const res = parseAll(bytes(log));
    expect(res.events).toEqual([{ type: 'interrupted', time: t(2023, 1, 2, 3, 4, 9, 123), line: 1 }]);
  });

  it('is linear on a multi-MB chunk', () => {
    const reprLine = '    (4): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n';
    const parts: string[] = ['[2026-11-28 04:45:29,667][saicinpainting.training.trainers.base][INFO] - Generator\n'];
    for (let i = 0; i < 60_000; i++) parts.push(reprLine);
    for (let i = 0; i < 20_000; i++) parts.push(`[2026-11-28 04:45:30,${String(i % 1000).padStart(3, '0')}][root][INFO] - msg ${i}\n`);
    parts.push(...table(3, 300, '0.5').map((l) => l + '\n'));
    const buf = bytes(parts.join(''));
    expect(buf.length).toBeGreaterThan(6_000_000);
    const t0 = performance.now();
    const res = parseAll(buf);
    const ms = performance.now() - t0;
    expect(res.records).toBe(20_002);
    expect(tables(res.events)).toHaveLength(1);
    expect(ms).toBeLessThan(5000);
  });
});

function countLineStart(buf: Uint8Array, lineNo: number): number {
  let pos = 0;
  for (let l = 1; l < lineNo; l++) pos = buf.indexOf(0x0a, pos) + 1;
  return pos;
}

describe('parseTrainLog: streaming contract', () => {
  it('keeps the last record pending: consumed stops at its start, its table is emitted so far', () => {
    const buf = readFixture(RUN_LOG);
    // cut after the header and two rows of the "Validation ... epoch #1" table (line 307)
    const cut = countLineStart(buf, 307 + 5);
    const r1 = parseTrainLog(buf.subarray(0, cut), newTrainLogState(), { baseOffset: 0, final: false });
    const partial = tables(r1.events).at(-1)!;
    expect(partial).toMatchObject({ kind: 'val', epoch: 1, iterations: 199, line: 307 });
    expect(partial.rows.map((r) => r.label)).toEqual(['0-10%', '10-20%']);
    expect(r1.consumed).toBe(countLineStart(buf, 307));
    expect(r1.state.line).toBe(306);
    expect(r1.issues).toEqual([]);

    const r2 = parseTrainLog(buf.subarray(r1.consumed), r1.state, { baseOffset: r1.consumed, final: true });
    const complete = tables(r2.events)[0];
    expect(complete).toMatchObject({ kind: 'val', epoch: 1, iterations: 199, line: 307 });
    expect(complete.rows).toHaveLength(7);
    expect(tables(r2.events).map((e) => e.line)).toEqual([307, 329, 348, 370, 389, 411, 430, 452]);
  });

  it('ignores a trailing line without newline unless final', () => {
    const log =
      '[2023-01-02 03:04:05,006][root][INFO] - Make training model default\n' +
      '[2023-01-02 03:04:09,123][__main__][WARNING] - Interrupted by user';
    const notFinal = parseTrainLog(bytes(log), newTrainLogState(), { baseOffset: 0, final: false });
    expect(notFinal.events).toEqual([]);
    expect(notFinal.records).toBe(1);
    expect(notFinal.consumed).toBe(0);
    expect(notFinal.lastTime).toBe(t(2023, 1, 2, 3, 4, 5, 6));
    const fin = parseTrainLog(bytes(log), newTrainLogState(), { baseOffset: 0, final: true });
    expect(fin.events).toEqual([{ type: 'interrupted', time: t(2023, 1, 2, 3, 4, 9, 123), line: 2 }]);
    expect(fin.records).toBe(2);
    expect(fin.consumed).toBe(log.indexOf('[2023-01-02 03:04:09'));
    expect(fin.state.line).toBe(1);
  });

  it('random cuts give the same tables as one final call (lama-run train.log)', () => {
    const buf = readFixture(RUN_LOG);
    const once = tables(parseAll(buf).events);
    const expected = new Map(once.map((e) => [tableKey(e), e]));
    for (const [seed, maxStep] of [
      [1, 50],
      [2, 300],
      [3, 2000],
      [4, 8000],
      [5, 40_000],
      [6, 7],
    ] as const) {
      const s = stream(buf, seed, maxStep);
      expect(s.tableStore, `seed ${seed}`).toEqual(expected);
      expect(s.status.size).toBe(0);
      expect(s.issues).toEqual([]);
      expect(s.calls).toBeGreaterThan(1);
    }
  });

  it('random cuts report each issue exactly once and keep statuses and DDP tables', () => {
    const orig = readFixture(RUN_LOG).toString('utf8').split('\n');
    // duplicate the epoch-2 validation table (lines 348–356) as a second DDP rank would,
    // add a ragged row to the epoch-3 test table, a failure at the end
    const dup = orig.slice(347, 356);
    const lines = [...orig.slice(0, 356), ...dup, ...orig.slice(356)];
    const i3 = lines.findIndex((l) => l.includes('Test metrics after epoch #3'));
    lines.splice(i3 + 4, 0, '15-20%   1.0  2.0');
    lines.pop(); // trailing '' from the final newline
    lines.push(
      '[2026-11-28 04:46:00,000][__main__][CRITICAL] - Training failed due to CUDA out of memory:',
      'Traceback (most recent call last):',
      '  File "bin/train.py", line 63, in main',
      'RuntimeError: CUDA out of memory',
    );
    let buf = Buffer.from(lines.join('\n') + '\n');
    const l200 = countLineStart(buf, 200);
    buf = Buffer.concat([buf.subarray(0, l200 + 2), Buffer.from([0xfe]), buf.subarray(l200 + 2)]);

    const one = parseAll(buf);
    expect(tables(one.events)).toHaveLength(12);
    expect(one.issues.map((i) => i.line)).toEqual([200, i3 + 5]);
    expect(one.events.filter((e) => e.type === 'failed')).toEqual([
      {
        type: 'failed',
        message: 'CUDA out of memory\nRuntimeError: CUDA out of memory',
        time: t(2026, 11, 28, 4, 46, 0, 0),
        line: lines.length - 3,
      },
    ]);
    const expected = new Map(tables(one.events).map((e) => [tableKey(e), e]));
    const expectedStatus = new Map(one.events.filter((e) => e.type !== 'table').map((e) => [`${e.type}|${e.line}`, e]));
    for (let seed = 10; seed < 30; seed++) {
      const s = stream(buf, seed, [7, 200, 900, 3000, 20_000][seed % 5]);
      expect(s.tableStore, `seed ${seed}`).toEqual(expected);
      expect(s.status).toEqual(expectedStatus);
      expect(s.issues).toEqual(one.issues);
    }
  });
});

describe('parseTrainLog: validations whose metrics were all NaN (lrramp train.log)', () => {
  // from epoch #9 on, LaMa printed `Empty DataFrame / Columns: [] / Index: []` instead of a table
  const LRRAMP = 'lama-devset/experiments/t.nguyen_2026-12-01_13-04-34_train_lama-tiny32_lrramp_/train.log';
  const buf = readFixture(LRRAMP);

  it('emits each empty validation as an all-NaN table, with no issue', () => {
    const res = parseAll(buf);
    const tbl = tables(res.events);
    expect(res.issues).toEqual([]);
    expect(tbl).toHaveLength(30);
    const empty = tbl.filter((e) => e.allNaN);
    expect(empty.map((e) => [e.kind, e.epoch, e.iterations, e.line])).toEqual([
      ['val', 9, 999, 643],
      ['test', 9, 999, 660],
      ['val', 10, 1099, 677],
      ['test', 10, 1099, 694],
      ['val', 11, 1199, 711],
      ['test', 11, 1199, 728],
      ['val', 12, 1299, 745],
      ['test', 12, 1299, 762],
      ['val', 13, 1399, 779],
      ['test', 13, 1399, 796],
    ]);
    for (const e of empty) expect(e).toMatchObject({ columns: [], rows: [], sanity: false });
    expect(empty[0].time).toBe(t(2026, 12, 1, 13, 8, 48, 484));
    // the tables before are read as before
    const printed = tbl.filter((e) => !e.allNaN);
    expect(printed).toHaveLength(20);
    for (const e of printed) expect(e.columns.length).toBeGreaterThan(0);
    expect(cell(printed.at(-2)!, 'total', 'fid', 'mean')).toBe(1386.531003);
  });

  it('emits the empty validation of a record still being written, and settles it later', () => {
    // cut right after "Empty DataFrame" of the epoch-13 validation (line 779): that record is pending
    const cut = countLineStart(buf, 781);
    const r1 = parseTrainLog(buf.subarray(0, cut), newTrainLogState(), { baseOffset: 0, final: false });
    expect(tables(r1.events).at(-1)).toMatchObject({ kind: 'val', epoch: 13, line: 779, allNaN: true, columns: [], rows: [] });
    expect(r1.consumed).toBe(countLineStart(buf, 779));
    expect(r1.issues).toEqual([]);
    const r2 = parseTrainLog(buf.subarray(r1.consumed), r1.state, { baseOffset: r1.consumed, final: true });
    expect(tables(r2.events).map((e) => [e.kind, e.epoch, e.allNaN])).toEqual([
      ['val', 13, true],
      ['test', 13, true],
    ]);
    expect(r2.issues).toEqual([]);
  });

  it('random cuts give the same tables as one final call, and no issue', () => {
    const expected = new Map(tables(parseAll(buf).events).map((e) => [tableKey(e), e]));
    for (const [seed, maxStep] of [
      [11, 40],
      [12, 500],
      [13, 5000],
    ] as const) {
      const s = stream(buf, seed, maxStep);
      expect(s.tableStore, `seed ${seed}`).toEqual(expected);
      expect(s.issues).toEqual([]);
    }
  });
});
