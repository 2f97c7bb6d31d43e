import { describe, expect, it } from 'vitest';
import { readTfRecords } from '../../server/ingest/tfrecord';
import {
  DT,
  decodeTfEvents,
  newTfEventsState,
  type TfEventsDecodeOptions,
  type TfEventsState,
} from '../../server/ingest/tfevents';
import {
  encodeFileVersionEvent,
  encodeScalarEvent,
  encodeTensorEvent,
  eventFileName,
  eventRecord,
} from '../../server/ingest/tfeventsWriter';
import type { ScalarRecord } from '../../server/ingest/types';
import { readFixture } from '../helpers/fixtures';

type Rows = [number, number | 'nan', string][];
type Expected = Record<string, Record<string, Rows>>;
const NAME = 'events.out.tfevents.1795836454.gpu-node-03';
const expected = JSON.parse(readFixture('tfevents/expected.json').toString('utf8')) as Expected;
const truncInfo = expected[`truncated/${NAME}`] as unknown as {
  complete_records: number;
  bytes_of_complete_records: number;
  scalars: Record<string, Rows>;
};

const PATHS: { name: string; options: TfEventsDecodeOptions }[] = [
  { name: 'fast path', options: {} },
  { name: 'protobufjs only', options: { fastPath: false } },
];

function decodeFile(buf: Buffer, options: TfEventsDecodeOptions = {}, state = newTfEventsState()) {
  const r = readTfRecords(buf, 0);
  expect(r.issues).toEqual([]);
  return decodeTfEvents(r.records, state, options);
}

function byTag(scalars: ScalarRecord[]): Map<string, ScalarRecord[]> {
  const m = new Map<string, ScalarRecord[]>();
  for (const s of scalars) {
    let list = m.get(s.tag);
    if (!list) m.set(s.tag, (list = []));
    list.push(s);
  }
  return m;
}

/** payloads → records with the offsets they would have in a file */
function asRecords(payloads: Buffer[]): { offset: number; data: Buffer }[] {
  const file = Buffer.concat(payloads.map((p) => eventRecord(p)));
  const r = readTfRecords(file, 0);
  expect(r.issues).toEqual([]);
  expect(r.records.length).toBe(payloads.length);
  return r.records;
}

/** Every tag, step and exact value of `want` (NaN as 'nan'), in file order per tag. */
function expectScalars(scalars: ScalarRecord[], want: Record<string, Rows>, minWallTime: number | null): void {
  const tags = byTag(scalars);
  expect([...tags.keys()].sort()).toEqual(Object.keys(want).sort());
  for (const [tag, rows] of Object.entries(want)) {
    const list = tags.get(tag)!;
    expect(list.map((s) => s.step)).toEqual(rows.map((r) => r[0]));
    list.forEach((s, i) => {
      const v = rows[i][1];
      if (v === 'nan') expect(s.value).toBeNaN();
      else if (!sameNumber(s.value, v)) expect.fail(`${tag} step ${s.step}: got ${s.value}, want ${v}`);
      expect(typeof s.wallTime).toBe('number');
      expect(s.wallTime!).toBeGreaterThanOrEqual(minWallTime!);
    });
  }
}

function sameNumber(actual: number, wanted: number): boolean {
  return Object.is(actual, wanted);
}

const f32 = (x: number) => Math.fround(x);

describe('decodeTfEvents on the fixtures', () => {
  const files = Object.keys(expected).filter((k) => !k.startsWith('truncated/'));

  for (const { name, options } of PATHS) {
    for (const file of files) {
      it(`${name}: decodes ${file.split('/')[0]} exactly`, () => {
        const want = expected[file];
        const got = decodeFile(readFixture(`tfevents/${file}`), options);
        expect(got.issues).toEqual([]);
        expect(got.fileVersion).toBe('brain.Event:2');
        expectScalars(got.scalars, want, got.minWallTime);
        expect(got.scalars.length).toBe(Object.values(want).reduce((n, rows) => n + rows.length, 0));
      });
    }

    it(`${name}: decodes the complete records of the truncated file`, () => {
      const got = decodeFile(readFixture(`tfevents/truncated/${NAME}`), options);
      expect(got.issues).toEqual([]);
      expectScalars(got.scalars, truncInfo.scalars, got.minWallTime);
      expect(got.scalars.length).toBe(Object.values(truncInfo.scalars).reduce((n, rows) => n + rows.length, 0));
    });
  }

  it('reads float32 simple values as the float32 that was stored', () => {
    const got = decodeFile(readFixture(`tfevents/lama_like/${NAME}`));
    const l1 = got.scalars.filter((s) => s.tag === 'train_gen_l1');
    expect(l1[0]).toMatchObject({ step: 9, value: 0.20948642492294312 });
    expect(Number.isNaN(l1[l1.length - 1].value)).toBe(true);
    expect(got.scalars.some((s) => s.tag === 'val_ssim_10-20%_mean')).toBe(true);
    expect(got.scalars.some((s) => s.tag === 'gpu_id: 0/memory.used (MB)')).toBe(true);
  });

  it('remembers the plugin of tensor-encoded tags in the returned state', () => {
    const got = decodeFile(readFixture(`tfevents/new_style/${NAME}`));
    expect(got.state.plugins).toEqual({ loss: 'scalars' });
    const dbl = decodeFile(readFixture(`tfevents/double/${NAME}`));
    expect(JSON.parse(JSON.stringify(dbl.state))).toEqual({ plugins: { 'lr-Adam': 'scalars' } });
  });

  it('reports the smallest wall time', () => {
    const buf = readFixture(`tfevents/lama_like/${NAME}`);
    const got = decodeFile(buf);
    const minScalar = Math.min(...got.scalars.map((s) => s.wallTime!));
    // the file_version event comes first and is older than any scalar
    expect(got.minWallTime).not.toBeNull();
    expect(got.minWallTime!).toBeLessThanOrEqual(minScalar);
    expect(got.minWallTime!).toBeGreaterThan(1.7e9);
    const firstEventWall = readTfRecords(buf, 0).records[0].data.readDoubleLE(1);
    expect(got.minWallTime).toBe(firstEventWall);
  });

  it('takes simple-value records through the fast path and tensor records through protobufjs', () => {
    const stats = { fast: 0, slow: 0 };
    decodeFile(readFixture(`tfevents/lama_like/${NAME}`), { stats });
    expect(stats).toEqual({ fast: 217, slow: 0 });
    const stats2 = { fast: 0, slow: 0 };
    decodeFile(readFixture(`tfevents/new_style/${NAME}`), { stats: stats2 });
    expect(stats2).toEqual({ fast: 1, slow: 20 });
  });

  it('hparams fixture: keeps train_gen_l1 and emits no _hparams_ tags', () => {
    for (const { options } of PATHS) {
      const got = decodeFile(readFixture(`tfevents/hparams/${NAME}`), options);
      expect(got.scalars.filter((s) => s.tag === 'train_gen_l1').length).toBe(5);
      expect(got.scalars.every((s) => !s.tag.startsWith('_hparams_/'))).toBe(true);
    }
  });
});

describe('decodeTfEvents semantics', () => {
  it('skips _hparams_/ summaries (metadata-only and valued) and keeps the rest', () => {
    const records = asRecords([
      encodeFileVersionEvent(100),
      encodeTensorEvent({ step: 0, wallTime: 101, tag: '_hparams_/experiment', pluginName: 'hparams', pluginContent: Buffer.from([1, 2]) }),
      encodeTensorEvent({ step: 0, wallTime: 101, tag: '_hparams_/session_start_info', pluginName: 'hparams' }),
      encodeScalarEvent({ step: 0, wallTime: 101, tag: '_hparams_/lr', value: 0.5 }),
      encodeScalarEvent({ step: 0, wallTime: 101, tag: '_hparams_/x', value: 2, encoding: 'tensor_float' }),
      encodeScalarEvent({ step: 1, wallTime: 102, tag: 'train_gen_l1', value: 0.25 }),
      encodeTensorEvent({ step: 0, wallTime: 103, tag: '_hparams_/session_end_info', pluginName: 'hparams' }),
    ]);
    for (const { options } of PATHS) {
      const got = decodeTfEvents(records, newTfEventsState(), options);
      expect(got.issues).toEqual([]);
      expect(got.scalars).toEqual([{ tag: 'train_gen_l1', step: 1, wallTime: 102, value: 0.25 }]);
      expect(got.state.plugins).toEqual({});
    }
  });

  it('remembers plugins across calls: later tensors without metadata are classified by the first one', () => {
    const first = asRecords([
      encodeScalarEvent({ step: 0, wallTime: 10, tag: 'loss', value: 1.5, encoding: 'tensor_float', pluginMetadata: true }),
      encodeTensorEvent({ step: 0, wallTime: 10, tag: 'notes', pluginName: 'text', tensor: { dtype: DT.STRING, stringVal: ['hello'] } }),
      encodeTensorEvent({
        step: 0,
        wallTime: 10,
        tag: 'pr',
        pluginName: 'pr_curves',
        tensor: { dtype: DT.FLOAT, shape: [2, 3], floatVal: [1, 2, 3, 4, 5, 6] },
      }),
    ]);
    const second = asRecords([
      encodeScalarEvent({ step: 1, wallTime: 11, tag: 'loss', value: 0.75, encoding: 'tensor_float', pluginMetadata: false }),
      encodeTensorEvent({ step: 1, wallTime: 11, tag: 'notes', tensor: { dtype: DT.STRING, stringVal: ['world'] } }),
      encodeTensorEvent({ step: 1, wallTime: 11, tag: 'pr', tensor: { dtype: DT.FLOAT, floatVal: [0.5] } }),
    ]);
    for (const { options } of PATHS) {
      const input = newTfEventsState();
      const a = decodeTfEvents(first, input, options);
      expect(input).toEqual(newTfEventsState()); // the caller's state is not modified
      expect(a.issues).toEqual([]);
      expect(a.scalars).toEqual([{ tag: 'loss', step: 0, wallTime: 10, value: 1.5 }]);
      expect(a.state.plugins).toEqual({ loss: 'scalars', notes: 'text', pr: 'pr_curves' });

      // the state goes through the database as JSON between calls
      const stored = JSON.parse(JSON.stringify(a.state)) as TfEventsState;
      const b = decodeTfEvents(second, stored, options);
      expect(b.issues).toEqual([]);
      expect(b.scalars).toEqual([{ tag: 'loss', step: 1, wallTime: 11, value: 0.75 }]);
      expect(b.state.plugins).toEqual(a.state.plugins);

      // without the remembered plugins, the one-element pr_curves tensor would pass for a scalar
      const fresh = decodeTfEvents(second, newTfEventsState(), options);
      expect(fresh.scalars.map((s) => s.tag).sort()).toEqual(['loss', 'pr']);
    }
  });

  it('handles tags that collide with Object.prototype names', () => {
    const records = asRecords([
      encodeScalarEvent({ step: 0, wallTime: 1, tag: '__proto__', value: 1, encoding: 'tensor_double' }),
      encodeScalarEvent({ step: 1, wallTime: 1, tag: '__proto__', value: 2, encoding: 'tensor_double', pluginMetadata: false }),
      encodeScalarEvent({ step: 0, wallTime: 1, tag: 'constructor', value: 3, encoding: 'tensor_double' }),
    ]);
    const a = decodeTfEvents(records, newTfEventsState());
    expect(a.scalars.map((s) => [s.tag, s.value])).toEqual([
      ['__proto__', 1],
      ['__proto__', 2],
      ['constructor', 3],
    ]);
    const stored = JSON.parse(JSON.stringify(a.state)) as TfEventsState;
    expect(Object.keys(stored.plugins).sort()).toEqual(['__proto__', 'constructor']);
    const b = decodeTfEvents(records.slice(1, 2), stored);
    expect(b.scalars.map((s) => s.value)).toEqual([2]);
  });

  it('round-trips tensor_content float and double scalars', () => {
    const values = [1 / 3, -2.5e-8, 123456.789, 0, NaN, Infinity, -Infinity];
    const payloads = values.flatMap((v, i) => [
      encodeScalarEvent({ step: i, wallTime: 5, tag: 'cf', value: v, encoding: 'tensor_content_float' }),
      encodeScalarEvent({ step: i, wallTime: 5, tag: 'cd', value: v, encoding: 'tensor_content_double' }),
    ]);
    const records = asRecords(payloads);
    for (const { options } of PATHS) {
      const got = decodeTfEvents(records, newTfEventsState(), options);
      expect(got.issues).toEqual([]);
      const cf = got.scalars.filter((s) => s.tag === 'cf').map((s) => s.value);
      const cd = got.scalars.filter((s) => s.tag === 'cd').map((s) => s.value);
      expect(cf.length).toBe(values.length);
      expect(cd.length).toBe(values.length);
      values.forEach((v, i) => {
        expect(Object.is(cf[i], f32(v))).toBe(true);
        expect(Object.is(cd[i], v)).toBe(true);
      });
      expect(cf[0]).toBe(0.3333333432674408);
      expect(cd[0]).toBe(1 / 3);
    }
  });

  it('reads half, bfloat16, int32 and int64 scalar tensors', () => {
    const content32 = Buffer.alloc(4);
    content32.writeInt32LE(-7);
    const content64 = Buffer.alloc(8);
    content64.writeBigInt64LE(-(2n ** 40n) - 5n);
    const halfContent = Buffer.from([0x00, 0x3e]); // 1.5
    const cases: [Parameters<typeof encodeTensorEvent>[0]['tensor'], number][] = [
      [{ dtype: DT.HALF, halfVal: [0x3c00] }, 1],
      [{ dtype: DT.HALF, halfVal: [0xc000] }, -2],
      [{ dtype: DT.HALF, halfVal: [0x0001] }, 2 ** -24],
      [{ dtype: DT.HALF, halfVal: [0x7c00] }, Infinity],
      [{ dtype: DT.HALF, tensorContent: halfContent }, 1.5],
      [{ dtype: DT.BFLOAT16, halfVal: [0x3f80] }, 1],
      [{ dtype: DT.BFLOAT16, tensorContent: Buffer.from([0x40, 0xc0]) }, -3],
      [{ dtype: DT.INT32, intVal: [42] }, 42],
      [{ dtype: DT.INT32, tensorContent: content32 }, -7],
      [{ dtype: DT.INT64, int64Val: [2 ** 40 + 3] }, 2 ** 40 + 3],
      [{ dtype: DT.INT64, tensorContent: content64 }, -(2 ** 40) - 5],
    ];
    const records = asRecords(
      cases.map(([tensor], i) => encodeTensorEvent({ step: i, wallTime: 1, tag: `t${i}`, pluginName: 'scalars', tensor })),
    );
    const got = decodeTfEvents(records, newTfEventsState());
    expect(got.issues).toEqual([]);
    expect(got.scalars.map((s) => s.value)).toEqual(cases.map((c) => c[1]));
  });

  it('reports a scalars-plugin tensor without a numeric value, and skips other plugins silently', () => {
    const records = asRecords([
      encodeTensorEvent({ step: 3, wallTime: 1, tag: 'weird', pluginName: 'scalars', tensor: { dtype: DT.STRING, stringVal: ['x'] } }),
      encodeTensorEvent({ step: 3, wallTime: 1, tag: 'img', pluginName: 'images', tensor: { dtype: DT.STRING, stringVal: ['1', '1', 'png'] } }),
      encodeTensorEvent({ step: 3, wallTime: 1, tag: 'h', pluginName: 'histograms', tensor: { dtype: DT.DOUBLE, shape: [1, 3], doubleVal: [0, 1, 5] } }),
    ]);
    const got = decodeTfEvents(records, newTfEventsState());
    expect(got.scalars).toEqual([]);
    expect(got.issues.length).toBe(1);
    expect(got.issues[0].offset).toBe(records[0].offset);
    expect(got.issues[0].reason).toContain("'weird'");
  });

  it('reports a payload that is not an Event and keeps going', () => {
    const bad = Buffer.from([0x2a, 0x10, 0x01]); // summary of 16 bytes, only 1 present
    const bad2 = Buffer.from([0x00, 0x01]); // field number 0
    const records = asRecords([
      encodeScalarEvent({ step: 1, wallTime: 1, tag: 'a', value: 1 }),
      bad,
      encodeScalarEvent({ step: 2, wallTime: 2, tag: 'a', value: 2 }),
      bad2,
    ]);
    for (const { options } of PATHS) {
      const got = decodeTfEvents(records, newTfEventsState(), options);
      expect(got.scalars.map((s) => s.step)).toEqual([1, 2]);
      expect(got.issues.map((i) => i.offset)).toEqual([records[1].offset, records[3].offset]);
      for (const issue of got.issues) {
        expect(issue.reason.startsWith(`record at byte ${issue.offset} is not a valid Event protobuf: `)).toBe(true);
      }
    }
  });

  it('decodes the same result on both paths for a mixed stream with unusual fields', () => {
    // Event{wall_time, step, summary{value{node_name:'x', tag:'n', simple_value:4}}} built by hand
    const value = Buffer.concat([Buffer.from([0x3a, 0x01, 0x78, 0x0a, 0x01, 0x6e, 0x15]), Buffer.from(new Float32Array([4]).buffer)]);
    const summary = Buffer.concat([Buffer.from([0x0a, value.length]), value]);
    const ev1 = Buffer.concat([Buffer.from([0x10, 0x07, 0x2a, summary.length]), summary]);
    // an Event with an unknown field (log_message = 6) before the summary
    const ev2 = Buffer.concat([Buffer.from([0x32, 0x02, 0x08, 0x01]), ev1]);
    // graph_def event, then summary fields in reverse order (step after summary)
    const ev3 = Buffer.from([0x22, 0x02, 0xaa, 0xbb]);
    const ev4 = Buffer.concat([Buffer.from([0x2a, summary.length]), summary, Buffer.from([0x10, 0x09])]);
    const records = asRecords([
      encodeFileVersionEvent(9),
      ev1,
      ev2,
      ev3,
      ev4,
      encodeScalarEvent({ step: 5, wallTime: 6, tag: 'loss', value: 0.1, encoding: 'tensor_float' }),
      encodeScalarEvent({ step: 5, wallTime: 6, tag: 'plain', value: 0.1, pluginMetadata: true }),
    ]);
    const fast = decodeTfEvents(records, newTfEventsState());
    const slow = decodeTfEvents(records, newTfEventsState(), { fastPath: false });
    expect(fast).toEqual(slow);
    expect(fast.scalars.map((s) => [s.tag, s.step, s.wallTime, s.value])).toEqual([
      ['n', 7, null, 4],
      ['n', 7, null, 4],
      ['n', 9, null, 4],
      ['loss', 5, 6, f32(0.1)],
      ['plain', 5, 6, f32(0.1)],
    ]);
    expect(fast.fileVersion).toBe('brain.Event:2');
    expect(fast.minWallTime).toBe(6);
  });

  it('returns null fileVersion and minWallTime when the records carry none', () => {
    const got = decodeTfEvents([], newTfEventsState());
    expect(got).toEqual({ scalars: [], issues: [], state: { plugins: {} }, fileVersion: null, minWallTime: null });
  });
});

describe('writer → reader round trip', () => {
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s;
    };
  }

  it('reproduces 1000 random float32 values, steps and wall times on both paths', () => {
    const next = rng(12345);
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    const special = [NaN, Infinity, -Infinity, -0, 0, 3.4028234663852886e38, 1.401298464324817e-45];
    const specialSteps = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, -1, -(2 ** 35)];
    const tags = ['train_gen_l1', 'val_ssim_10-20%_mean', 'gpu_id: 0/memory.used (MB)', 'lr-Adam', 'verlust/ü€', 'x'];
    const events: ScalarRecord[] = [];
    for (let i = 0; i < 1000; i++) {
      bits[0] = next();
      const value = i < special.length ? special[i] : asFloat[0];
      const step = i < specialSteps.length ? specialSteps[i] : i % 3 === 0 ? next() * 2 ** 21 + next() : next() % 100000;
      const wallTime = 1.7e9 + next() / 1000;
      events.push({ tag: tags[i % tags.length], step, wallTime, value });
    }
    const records = asRecords([encodeFileVersionEvent(1.6e9), ...events.map((e) => encodeScalarEvent({ ...e, wallTime: e.wallTime! }))]);
    for (const { options } of PATHS) {
      const got = decodeTfEvents(records, newTfEventsState(), options);
      expect(got.issues).toEqual([]);
      expect(got.scalars.length).toBe(events.length);
      got.scalars.forEach((s, i) => {
        const e = events[i];
        if (s.tag !== e.tag || s.step !== e.step || s.wallTime !== e.wallTime || !Object.is(s.value, e.value)) {
          expect.fail(`event ${i}: got ${JSON.stringify([s.tag, s.step, s.wallTime, String(s.value)])}, want ${JSON.stringify([e.tag, e.step, e.wallTime, String(e.value)])}`);
        }
      });
      expect(got.minWallTime).toBe(1.6e9);
    }
  });

  it('decodes many distinct tags correctly (more than the tag cache holds)', () => {
    const payloads: Buffer[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 6000; i++) payloads.push(encodeScalarEvent({ step: round, wallTime: 1, tag: `tag/${i}`, value: i }));
    }
    const got = decodeTfEvents(asRecords(payloads), newTfEventsState());
    expect(got.scalars.length).toBe(12000);
    got.scalars.forEach((s, i) => {
      if (s.tag !== `tag/${i % 6000}` || s.value !== i % 6000) expect.fail(`record ${i}: ${s.tag} = ${s.value}`);
    });
  });
});

describe('eventFileName', () => {
  it('formats like tensorboard', () => {
    expect(eventFileName(1638169963.73, 'NLPGPU10-2', 29554)).toBe('events.out.tfevents.1638169963.NLPGPU10-2.29554.0');
    expect(eventFileName(12, 'h', 1, 3)).toBe('events.out.tfevents.0000000012.h.1.3');
  });
});
