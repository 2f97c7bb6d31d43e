// Seeded fuzzing of every reader: event files, train.log, metrics.csv, nvidia-smi logs and YAML configs,
// mutated (bit flips, bytes set, inserted, deleted, duplicated, spliced from other files, truncated, long
// runs of one character, odd tokens), ≥ 10,000 inputs in all (LRSCOPE_SOAK_TRIALS multiplies them).
// For every input: no exception, no hang (each reader's loop is bounded by a count of calls, and the
// whole file stays inside its vitest timeout), outputs bounded by the input's size, every issue well
// formed, and every good record before the first changed byte kept (prefix preservation: what a reader
// returns for the bytes before a cut is exactly the start of what it returns for the whole input).
// YAML gets alias bombs ("billion laughs") and deep nesting on top. Finally the mutated files go
// through `ingestPaths` into a real database: no exception escapes, the database stays intact.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readTfRecords, frameTfRecord, MAX_RECORD_BYTES } from '../../server/ingest/tfrecord';
import { maskedCrc32c } from '../../server/ingest/crc32c';
import { decodeTfEvents, newTfEventsState } from '../../server/ingest/tfevents';
import { parseTrainLog, newTrainLogState, type TrainLogEvent, type TrainLogState } from '../../server/ingest/trainLog';
import { parseMetricsCsv, newMetricsCsvState, type MetricsCsvState } from '../../server/ingest/lightningCsv';
import { parseGpuLog, newGpuLogState, type GpuLogState } from '../../server/ingest/gpuLog';
import { parseConfigYaml, MAX_CONFIG_DEPTH } from '../../server/ingest/hydraConfig';
import { MAX_LINE_BYTES } from '../../server/ingest/limits';
import type { ReadIssue } from '../../server/ingest/types';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { rng } from '../../server/lib/rng';

const SCALE = Math.max(1, Number(process.env.LRSCOPE_SOAK_TRIALS ?? 1) / 4);
const N = {
  tfevents: Math.round(3000 * SCALE),
  trainLog: Math.round(2500 * SCALE),
  csv: Math.round(2000 * SCALE),
  gpu: Math.round(2000 * SCALE),
  yaml: Math.round(1000 * SCALE),
};
/** base inputs are cut to this many bytes (mutations may add more) */
const BASE_BYTES = 24 * 1024;

const FIX = path.resolve('tests/fixtures');

const int = (r: () => number, n: number) => Math.floor(r() * n);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[int(r, xs.length)];

function filesUnder(dir: string, test: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, test));
    else if (test(p)) out.push(p);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// corpora

const eventFiles = filesUnder(FIX, (p) => /events\.out\.tfevents/.test(path.basename(p)) && !p.includes('torch-corpus')).map((p) =>
  fs.readFileSync(p).subarray(0, BASE_BYTES * 2),
);
const trainLogs = [
  ...filesUnder(path.join(FIX, 'lama-logs'), () => true),
  ...filesUnder(path.join(FIX, 'lama-devset', 'experiments'), (p) => path.basename(p) === 'train.log'),
  ...filesUnder(path.join(FIX, 'lama-devset', 'edge'), (p) => path.basename(p) === 'train.log'),
  ...filesUnder(path.join(FIX, 'lama-run'), (p) => path.basename(p) === 'train.log'),
].map((p) => fs.readFileSync(p));
const gpuLogs = [
  ...filesUnder(path.join(FIX, 'gpu'), () => true),
  ...filesUnder(path.join(FIX, 'lama-devset', 'experiments'), (p) => /^(gpu\.csv|dmon\.log)$/.test(path.basename(p))),
].map((p) => fs.readFileSync(p));
const yamls = filesUnder(FIX, (p) => /\.ya?ml$/.test(p) && !p.includes('torch-corpus')).map((p) => fs.readFileSync(p));

/** Lightning CSVLogger files: sparse rows, CRLF or LF, a quoted cell, a widened header mid-file. */
function csvCorpus(): Buffer[] {
  const r = rng(7);
  const out: Buffer[] = [];
  for (let k = 0; k < 6; k++) {
    const nl = k % 2 ? '\r\n' : '\n';
    const cols = ['epoch', 'step', 'train_loss', 'val_loss', 'lr-Adam', ...(k % 3 === 0 ? ['time'] : []), ...(k === 4 ? ['"note, quoted"'] : [])];
    let s = cols.join(',') + nl;
    for (let i = 0; i < 400; i++) {
      const cells = cols.map((c) => {
        if (c === 'epoch') return String(Math.floor(i / 50));
        if (c === 'step') return String(i * 10);
        if (c === 'time') return String(1_790_000_000 + i);
        if (c === 'val_loss') return i % 50 === 49 ? (r() * 2).toFixed(4) : '';
        if (c.startsWith('"')) return i % 7 ? '' : '"a ""b"", c"';
        return i % 3 ? '' : (k === 5 && i === 33 ? 'nan' : (r() * 5).toPrecision(6));
      });
      s += cells.join(',') + nl;
      if (k === 3 && i === 200) {
        cols.push('val_ssim');
        s += cols.join(',') + nl; // Lightning rewrote the file with a wider header
      }
    }
    out.push(Buffer.from(s));
  }
  return out;
}
const csvs = csvCorpus();

// ---------------------------------------------------------------------------------------------
// mutations

interface Mutated {
  bytes: Buffer;
  /** first byte that differs from the base input (bytes before it are the original's) */
  first: number;
  kind: string;
}

const RUN_CHARS = [' ', '[', ',', '"', '0', 'a', '\t', '\r', '{', '&', '*', ':', '-', '\n', '#', '\u00ff'];
const TOKENS = ['nan', 'NaN', 'inf', '-inf', '1e999', '\uFEFF', '[N/A]', '"', '""', ',,,', '\r', '\t', '%', ' MiB', '&a ', '*a', '<<: *a', '- ', ': ', '${a.b}', '\u0000'];

function mutate(r: () => number, base: Buffer, others: Buffer[]): Mutated {
  const n = base.length;
  const p = int(r, n + 1);
  const kinds = ['flip', 'byte', 'insert', 'delete', 'dup', 'splice', 'truncate', 'run', 'token', 'multi'] as const;
  const kind = pick(r, kinds);
  switch (kind) {
    case 'flip': {
      if (n === 0) return { bytes: base, first: 0, kind };
      const b = Buffer.from(base);
      const q = Math.min(p, n - 1);
      b[q] ^= 1 << int(r, 8);
      return { bytes: b, first: q, kind };
    }
    case 'byte': {
      if (n === 0) return { bytes: base, first: 0, kind };
      const b = Buffer.from(base);
      const q = Math.min(p, n - 1);
      b[q] = pick(r, [0x00, 0xff, 0x0a, 0x0d, 0x22, 0x2c, 0x5b, 0x23, 0x80, 0xc3, int(r, 256)]);
      return { bytes: b, first: q, kind };
    }
    case 'insert': {
      const ins = Buffer.alloc(1 + int(r, 16));
      for (let i = 0; i < ins.length; i++) ins[i] = int(r, 256);
      return { bytes: Buffer.concat([base.subarray(0, p), ins, base.subarray(p)]), first: p, kind };
    }
    case 'delete': {
      const k = 1 + int(r, 64);
      return { bytes: Buffer.concat([base.subarray(0, p), base.subarray(Math.min(n, p + k))]), first: p, kind };
    }
    case 'dup': {
      const a = int(r, n + 1);
      const c = Math.min(n, a + 1 + int(r, 256));
      return { bytes: Buffer.concat([base.subarray(0, p), base.subarray(a, c), base.subarray(p)]), first: p, kind };
    }
    case 'splice': {
      const o = pick(r, others);
      const a = int(r, o.length + 1);
      const c = Math.min(o.length, a + int(r, 2048));
      return { bytes: Buffer.concat([base.subarray(0, p), o.subarray(a, c), base.subarray(p)]), first: p, kind };
    }
    case 'truncate':
      return { bytes: base.subarray(0, p), first: p, kind };
    case 'run': {
      // long lines: occasionally past MAX_LINE_BYTES, which must become one issue
      const len = r() < 0.03 ? MAX_LINE_BYTES + 1 + int(r, 4096) : 1 + int(r, r() < 0.5 ? 256 : 32_768);
      const ch = pick(r, RUN_CHARS);
      return { bytes: Buffer.concat([base.subarray(0, p), Buffer.from(ch.repeat(len), 'latin1'), base.subarray(p)]), first: p, kind };
    }
    case 'token':
      return { bytes: Buffer.concat([base.subarray(0, p), Buffer.from(pick(r, TOKENS)), base.subarray(p)]), first: p, kind };
    case 'multi': {
      let m: Mutated = { bytes: base, first: n, kind };
      const times = 2 + int(r, 6);
      for (let i = 0; i < times; i++) {
        const next = mutate(r, m.bytes, others);
        m = { bytes: next.bytes, first: Math.min(m.first, next.first), kind };
      }
      return m;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// checks shared by the readers

function checkIssues(issues: ReadIssue[], len: number, where: string): void {
  for (const i of issues) {
    if (typeof i.reason !== 'string' || i.reason.length === 0 || i.reason.length > 2000) throw new Error(`${where}: bad reason ${JSON.stringify(i)}`);
    if (i.offset !== undefined && !(Number.isInteger(i.offset) && i.offset >= 0 && i.offset <= len)) throw new Error(`${where}: offset out of range ${JSON.stringify(i)}`);
    if (i.line !== undefined && !(Number.isInteger(i.line) && i.line >= 1)) throw new Error(`${where}: bad line ${JSON.stringify(i)}`);
  }
}

/** Start of the line holding byte `p` (the bytes before it are complete lines). */
function lineStartBefore(b: Buffer, p: number): number {
  if (p <= 0) return 0;
  const nl = b.lastIndexOf(0x0a, Math.min(p, b.length) - 1);
  return nl < 0 ? 0 : nl + 1;
}

interface LineReader<S, R> {
  fresh(): S;
  parse(chunk: Uint8Array, state: S, opts: { baseOffset: number; final: boolean }): { consumed: number; state: S; issues: ReadIssue[] } & R;
  records(r: R): unknown[];
}

/**
 * Reads `bytes` the way ingestFile does: chunks of a random size, the state through JSON between calls,
 * a chunk doubled when nothing could be consumed, `final` on the last one. Returns every record and
 * issue; throws when the number of calls passes a bound (a reader that stops making progress).
 */
function streamRead<S, R>(reader: LineReader<S, R>, bytes: Buffer, r: () => number): { records: unknown[]; issues: ReadIssue[] } {
  let state = reader.fresh();
  let offset = 0;
  let size = 64 + int(r, Math.max(1, bytes.length));
  const records: unknown[] = [];
  const issues: ReadIssue[] = [];
  // each call consumes a byte or more, or doubles its chunk: more calls than bytes is a reader stuck
  for (let calls = 0; ; calls++) {
    if (calls > bytes.length + 64) throw new Error('streaming read does not progress');
    const end = Math.min(bytes.length, offset + size);
    const final = end === bytes.length;
    const res = reader.parse(bytes.subarray(offset, end), JSON.parse(JSON.stringify(state)) as S, { baseOffset: offset, final });
    records.push(...reader.records(res));
    issues.push(...res.issues);
    state = res.state;
    if (final) break;
    if (res.consumed === 0) size *= 2;
    else offset += res.consumed;
  }
  return { records, issues };
}

const csvReader: LineReader<MetricsCsvState, { scalars: unknown[] }> = {
  fresh: newMetricsCsvState,
  parse: parseMetricsCsv,
  records: (r) => r.scalars,
};
const gpuReader: LineReader<GpuLogState, { samples: unknown[] }> = {
  fresh: newGpuLogState,
  parse: parseGpuLog,
  records: (r) => r.samples,
};

/** NaN-safe deep equality through JSON (NaN → null on both sides alike). */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A line reader on one mutated input: whole read, streamed read (same records and issues), prefix
 * preservation at the first changed byte and at a random cut, an over-long line reported.
 */
function checkLineReader<S, R>(name: string, reader: LineReader<S, R>, m: Mutated, r: () => number): void {
  const where = `${name}/${m.kind}`;
  const whole = reader.parse(m.bytes, reader.fresh(), { baseOffset: 0, final: true });
  checkIssues(whole.issues, m.bytes.length, where);
  const recs = reader.records(whole);
  if (recs.length > m.bytes.length + 1) throw new Error(`${where}: ${recs.length} records from ${m.bytes.length} bytes`);
  if (whole.issues.length > m.bytes.length + 1) throw new Error(`${where}: ${whole.issues.length} issues from ${m.bytes.length} bytes`);
  if (whole.consumed !== m.bytes.length) throw new Error(`${where}: final read consumed ${whole.consumed} of ${m.bytes.length}`);

  if (r() < 0.25) {
    const s = streamRead(reader, m.bytes, r);
    if (!same(s.records, recs)) throw new Error(`${where}: streamed records differ from a whole read`);
    if (!same(s.issues, whole.issues)) throw new Error(`${where}: streamed issues differ from a whole read\n${JSON.stringify(s.issues).slice(0, 400)}\n${JSON.stringify(whole.issues).slice(0, 400)}`);
  }

  for (const cut of [m.first, int(r, m.bytes.length + 1)]) {
    const q = lineStartBefore(m.bytes, cut);
    const pre = reader.parse(m.bytes.subarray(0, q), reader.fresh(), { baseOffset: 0, final: false });
    const got = reader.records(pre);
    if (!same(got, recs.slice(0, got.length))) throw new Error(`${where}: records before byte ${q} not kept`);
  }

  if (hasLongLine(m.bytes) && !whole.issues.some((i) => /longer than/.test(i.reason))) throw new Error(`${where}: over-long line not reported`);
}

function hasLongLine(b: Buffer): boolean {
  let start = 0;
  for (;;) {
    const nl = b.indexOf(0x0a, start);
    const end = nl < 0 ? b.length : nl;
    if (end - start > MAX_LINE_BYTES) return true;
    if (nl < 0) return false;
    start = nl + 1;
  }
}

function tableKey(e: TrainLogEvent): string {
  return e.type === 'table' ? `table:${e.kind}:${e.name}:${e.epoch}:${e.iterations}` : `${e.type}:${e.line}`;
}

function checkTrainLog(m: Mutated, r: () => number): void {
  const where = `train.log/${m.kind}`;
  const whole = parseTrainLog(m.bytes, newTrainLogState(), { baseOffset: 0, final: true });
  checkIssues(whole.issues, m.bytes.length, where);
  if (whole.events.length > m.bytes.length + 1) throw new Error(`${where}: too many events`);
  if (hasLongLine(m.bytes) && !whole.issues.some((i) => /longer than/.test(i.reason))) throw new Error(`${where}: over-long line not reported`);
  const keys = new Set(whole.events.map(tableKey));

  // settled events of any prefix are in the whole read
  for (const cut of [m.first, int(r, m.bytes.length + 1)]) {
    const q = lineStartBefore(m.bytes, cut);
    const pre = parseTrainLog(m.bytes.subarray(0, q), newTrainLogState(), { baseOffset: 0, final: false });
    for (const e of pre.events) {
      if (e.line <= pre.state.line && !keys.has(tableKey(e))) throw new Error(`${where}: ${tableKey(e)} before byte ${q} lost`);
    }
  }

  if (r() < 0.25) {
    // a tailing caller ends, and every call makes progress or doubles its chunk
    let state: TrainLogState = newTrainLogState();
    let offset = 0;
    let size = 64 + int(r, Math.max(1, m.bytes.length));
    for (let calls = 0; ; calls++) {
      if (calls > m.bytes.length + 64) throw new Error(`${where}: streaming read does not progress`);
      const end = Math.min(m.bytes.length, offset + size);
      const final = end === m.bytes.length;
      const res = parseTrainLog(m.bytes.subarray(offset, end), JSON.parse(JSON.stringify(state)) as TrainLogState, { baseOffset: offset, final });
      checkIssues(res.issues.map((i) => ({ ...i, offset: i.offset })), m.bytes.length, where);
      state = res.state;
      if (final) break;
      if (res.consumed === 0) size *= 2;
      else offset += res.consumed;
    }
  }
}

/** Record spans of an untouched event file, to tell which records a mutation left whole. */
function checkTfEvents(m: Mutated, original: Buffer): void {
  const where = `tfevents/${m.kind}`;
  const framed = readTfRecords(m.bytes, 0);
  checkIssues(framed.issues, m.bytes.length, where);
  const decoded = decodeTfEvents(framed.records, newTfEventsState());
  checkIssues(decoded.issues, m.bytes.length, where);
  if (decoded.scalars.length > m.bytes.length) throw new Error(`${where}: too many scalars`);
  JSON.stringify(decoded.state);

  // every record of the original that ends before the first changed byte is read, with its scalars
  const orig = readTfRecords(original, 0).records.filter((x) => x.offset + 16 + x.data.length <= m.first);
  const got = framed.records.slice(0, orig.length);
  if (got.length !== orig.length || got.some((x, i) => x.offset !== orig[i].offset || !x.data.equals(orig[i].data))) {
    throw new Error(`${where}: records before byte ${m.first} not kept`);
  }
  const want = decodeTfEvents(orig, newTfEventsState()).scalars;
  if (!same(decoded.scalars.slice(0, want.length), want)) throw new Error(`${where}: scalars before byte ${m.first} not kept`);
  // a cut inside a record is a partial record (a live writer) — the caller turns it into an error at EOF
  if (m.kind === 'truncate' && m.first < original.length) {
    const all = readTfRecords(original, 0).records;
    const atBoundary = m.first === 0 || all.some((x) => x.offset + 16 + x.data.length === m.first);
    if (!atBoundary && !framed.partial && framed.issues.length === 0) throw new Error(`${where}: a cut record went unnoticed`);
  }
}

function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let d = 0;
  for (const x of Object.values(v as object)) d = Math.max(d, depthOf(x));
  return d + 1;
}

function checkYaml(text: string, where: string): void {
  const res = parseConfigYaml(text);
  checkIssues(res.issues, Infinity, where);
  if (res.issues.length > 3) throw new Error(`${where}: ${res.issues.length} issues for one config`);
  JSON.stringify(res.value);
  if (depthOf(res.value) > MAX_CONFIG_DEPTH + 1) throw new Error(`${where}: value nested ${depthOf(res.value)} deep`);
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: every reader survives mutated input and keeps the good records before the damage', () => {
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

  it(`event files (${N.tfevents} mutated inputs)`, () => {
    const r = rng(1001);
    for (let i = 0; i < N.tfevents; i++) {
      const base = pick(r, eventFiles);
      const m = mutate(r, base, eventFiles);
      checkTfEvents(m, base);
      count('tfevents');
    }
  }, 120_000);

  it(`train.log (${N.trainLog} mutated inputs)`, () => {
    const r = rng(2002);
    for (let i = 0; i < N.trainLog; i++) {
      const src = pick(r, trainLogs);
      const start = lineStartBefore(src, int(r, Math.max(1, src.length - BASE_BYTES)));
      const base = src.subarray(start, start + BASE_BYTES);
      checkTrainLog(mutate(r, base, trainLogs), r);
      count('train.log');
    }
  }, 120_000);

  it(`metrics.csv (${N.csv} mutated inputs)`, () => {
    const r = rng(3003);
    for (let i = 0; i < N.csv; i++) {
      const base = pick(r, csvs).subarray(0, BASE_BYTES);
      checkLineReader('metrics.csv', csvReader, mutate(r, base, csvs), r);
      count('csv');
    }
  }, 120_000);

  it(`nvidia-smi logs (${N.gpu} mutated inputs)`, () => {
    const r = rng(4004);
    for (let i = 0; i < N.gpu; i++) {
      const base = pick(r, gpuLogs).subarray(0, BASE_BYTES);
      checkLineReader('gpu', gpuReader, mutate(r, base, gpuLogs), r);
      count('gpu');
    }
  }, 120_000);

  it(`YAML configs (${N.yaml} mutated inputs, alias bombs, deep nesting)`, () => {
    const r = rng(5005);
    for (let i = 0; i < N.yaml; i++) {
      const m = mutate(r, pick(r, yamls), yamls);
      checkYaml(m.bytes.toString('utf8'), `yaml/${m.kind}`);
      count('yaml');
    }
    // billion laughs: 9 levels of 9 aliases (387M strings if expanded)
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let k = 1; k < 10; k++) {
      const p = String.fromCharCode(96 + k);
      const c = String.fromCharCode(97 + k);
      bomb.push(`${c}: &${c} [${Array(9).fill('*' + p).join(',')}]`);
    }
    const bombs = [
      bomb.join('\n'),
      // block-style bomb
      ['a: &a {x: 1, y: 2, z: 3}', ...Array.from({ length: 12 }, (_, k) => `l${k}: &l${k}\n  - ${k ? `*l${k - 1}` : '*a'}\n  - ${k ? `*l${k - 1}` : '*a'}\n  - ${k ? `*l${k - 1}` : '*a'}`)].join('\n'),
      // merge keys
      ['base: &b {a: 1}', ...Array.from({ length: 30 }, (_, k) => `m${k}: &m${k}\n  <<: ${k ? `[*m${k - 1}, *b]` : '*b'}\n  k${k}: 1`)].join('\n'),
    ];
    for (const b of bombs) {
      const res = parseConfigYaml(b);
      checkYaml(b, 'yaml/bomb');
      expect(JSON.stringify(res.value ?? null).length).toBeLessThan(1_000_000);
      count('yaml');
    }
    const deep = [
      '['.repeat(100_000) + ']'.repeat(100_000),
      'a: ' + '{b: '.repeat(50_000) + '1' + '}'.repeat(50_000),
      '['.repeat(500_000),
      Array.from({ length: 1000 }, (_, k) => ' '.repeat(k) + 'k:').join('\n'),
      Array.from({ length: 1000 }, (_, k) => ' '.repeat(k) + '-').join('\n'),
      Array.from({ length: 200 }, (_, k) => '  '.repeat(k) + `k${k}:`).join('\n') + ' 1',
    ];
    for (const d of deep) {
      const res = parseConfigYaml(d);
      expect(res.issues.length, d.slice(0, 40)).toBeGreaterThan(0);
      checkYaml(d, 'yaml/deep');
      count('yaml');
    }
  }, 120_000);

  it('an event-file header that claims a huge record (its length CRC valid) is skipped, not waited for', () => {
    const good = readTfRecords(eventFiles[0], 0).records.slice(0, 5).map((x) => frameTfRecord(x.data));
    const bogus = Buffer.alloc(12);
    bogus.writeUInt32LE(0, 0);
    bogus.writeUInt32LE(1024, 4); // 4 TiB
    bogus.writeUInt32LE(maskedCrc32c(bogus, 0, 8), 8);
    const buf = Buffer.concat([good[0], good[1], bogus, ...good.slice(2)]);
    const r = readTfRecords(buf, 0);
    expect(r.partial).toBe(false); // not "wait for the rest of a 4 TiB record"
    expect(r.records).toHaveLength(5);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].reason).toMatch(/corrupt record header at byte \d+; skipped 12 bytes/);
    expect(4 * 1024 ** 4).toBeGreaterThan(MAX_RECORD_BYTES);
    count('tfevents');
  });

  it("an oversized config.yaml (5 MB) is one error, not read; the run's other files are", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bigcfg-'));
    const run = path.join(dir, 'project', 'u_2026-11-20_09-30-00_train_x_');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'config.yaml'), 'a: ' + 'é'.repeat(2_500_000) + '\n'); // 5 MB, 2.5M characters
    fs.copyFileSync(filesUnder(path.join(FIX, 'lama-logs'), () => true)[0], path.join(run, 'train.log'));
    const h = openDb(path.join(dir, 'db.sqlite'));
    try {
      ingestPaths(new Store(h), [path.join(dir, 'project')]);
      const errs = h.sqlite.prepare('SELECT path, reason FROM ingest_errors').all() as { path: string; reason: string }[];
      expect(errs).toEqual([{ path: path.join(run, 'config.yaml'), reason: 'YAML does not parse: larger than 1 MiB; not read' }]);
      const log = h.sqlite.prepare(`SELECT "offset" FROM source_files WHERE path = ?`).get(path.join(run, 'train.log')) as { offset: number };
      expect(log.offset).toBeGreaterThan(0);
    } finally {
      h.close();
    }
  });

  it('adds up to at least 10,000 inputs', () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(`fuzz inputs: ${JSON.stringify(counts)} = ${total}`);
    expect(total).toBeGreaterThanOrEqual(10_000);
  });

  it('mutated files of every kind through ingestPaths: no exception escapes, each problem an error, the database intact', () => {
    const r = rng(6006);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-fuzz-'));
    const project = path.join(dir, 'project');
    const runs = 24;
    for (let k = 0; k < runs; k++) {
      const name = `fz_2026-12-01_12-${String(10 + k).padStart(2, '0')}-00_train_fuzz_`;
      const run = path.join(project, 'experiments', name);
      const tb = path.join(project, 'tb_logs', name, 'version_0');
      fs.mkdirSync(path.join(run, '.hydra'), { recursive: true });
      fs.mkdirSync(tb, { recursive: true });
      const mut = (b: Buffer, pool: Buffer[]) => (r() < 0.8 ? mutate(r, b, pool).bytes : b);
      fs.writeFileSync(path.join(run, 'train.log'), mut(pick(r, trainLogs).subarray(0, BASE_BYTES), trainLogs));
      fs.writeFileSync(path.join(run, 'config.yaml'), mut(pick(r, yamls), yamls));
      fs.writeFileSync(path.join(run, '.hydra', 'config.yaml'), mut(pick(r, yamls), yamls));
      fs.writeFileSync(path.join(run, 'gpu.csv'), mut(gpuLogs[1].subarray(0, BASE_BYTES), gpuLogs));
      fs.writeFileSync(path.join(tb, 'events.out.tfevents.1796129843.fuzz.1.0'), mut(pick(r, eventFiles), eventFiles));
      const lv = path.join(project, 'lightning', 'lightning_logs', `version_${k}`);
      fs.mkdirSync(lv, { recursive: true });
      fs.writeFileSync(path.join(lv, 'metrics.csv'), mut(pick(r, csvs).subarray(0, BASE_BYTES), csvs));
      fs.writeFileSync(path.join(lv, 'hparams.yaml'), mut(pick(r, yamls), yamls));
    }
    const old = new Date(Date.now() - 3600_000);
    for (const f of filesUnder(project, () => true)) fs.utimesSync(f, old, old); // finished files: `final` reads
    const h = openDb(path.join(dir, 'db.sqlite'));
    try {
      const store = new Store(h);
      const s = ingestPaths(store, [project]);
      expect(s.runs.length).toBeGreaterThanOrEqual(runs * 2);
      const again = ingestPaths(store, [project]);
      expect(again.points).toBe(0); // nothing read twice
    } finally {
      h.close();
    }
    const db = new Database(path.join(dir, 'db.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
