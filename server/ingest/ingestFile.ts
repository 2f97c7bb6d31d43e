// offset → reader → store: reads what a file gained since the stored offset and commits it.
import fs from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../db/schema';
import { StaleOffsetError, type Store, type ChunkCommit, type FileIdentity } from '../db/store';
import type { ReadIssue } from './types';
import { readTfRecords } from './tfrecord';
import { decodeTfEvents, newTfEventsState, type TfEventsState } from './tfevents';
import { parseTrainLog, newTrainLogState, type TrainLogState } from './trainLog';
import { parseGpuLog, newGpuLogState, gpuSampleFromTag, type GpuLogState } from './gpuLog';
import { parseMetricsCsv, newMetricsCsvState, type MetricsCsvState } from './lightningCsv';
import { parseConfigYaml } from './hydraConfig';
import { hostFromEventFileName } from './runName';
import type { GpuSample } from './types';

const HEAD_BYTES = 64;
const FIRST_CHUNK = 16 * 1024 * 1024;
/** A text file untouched for this long is complete: its last line counts even without a newline. */
const QUIET_MS = 5 * 60 * 1000;

export interface FileResult {
  path: string;
  points: number;
  bytes: number;
  /** the file was replaced or shrank, and was read again from the start */
  replaced: boolean;
  missing: boolean;
  issues: number;
}

function bytesAt(fd: number, start: number, end: number): string {
  const len = Math.max(0, end - start);
  const b = Buffer.alloc(len);
  if (len) fs.readSync(fd, b, 0, len, start);
  return b.toString('hex');
}

function identityOf(fd: number, st: fs.Stats, offset: number): FileIdentity {
  return {
    size: st.size,
    inode: st.ino,
    mtimeMs: st.mtimeMs,
    head: bytesAt(fd, 0, Math.min(HEAD_BYTES, st.size)),
    tail: bytesAt(fd, Math.max(0, offset - HEAD_BYTES), Math.min(offset, st.size)),
  };
}

/**
 * Same file as the one the stored offset belongs to? Same inode, not shrunk, same first bytes, and the
 * same bytes just before the offset (a file rewritten in place with the same size differs there).
 */
function sameFile(fd: number, file: SourceFile, id: FileIdentity): boolean {
  if (file.head === null) return true; // nothing read yet
  if (file.inode !== null && id.inode !== null && file.inode !== id.inode) return false;
  if (id.size < file.offset || id.size < file.size) return false;
  const n = Math.min(file.head.length, id.head.length);
  if (file.head.slice(0, n) !== id.head.slice(0, n)) return false;
  if (file.tail !== null && bytesAt(fd, Math.max(0, file.offset - HEAD_BYTES), file.offset) !== file.tail) return false;
  return true;
}

function parseState<T>(json: string | null, fresh: () => T): T {
  if (!json) return fresh();
  try {
    const v = JSON.parse(json) as T | null;
    return v ?? fresh();
  } catch {
    return fresh();
  }
}

/**
 * Ingests what the file gained since its stored offset. Config files (small, rewritten whole) are
 * re-read entirely when they change; logs and event files are read from the offset in chunks.
 */
export function ingestFile(store: Store, file: SourceFile): FileResult {
  // Another process (watch beside `lrscope ingest`) may commit the same file between our read and our
  // commit: the store refuses a chunk whose offset moved (nothing written), and we read again from the
  // new stored offset. Each retry starts where the other writer got, so this ends.
  for (let attempt = 0; ; attempt++) {
    try {
      return ingestFileOnce(store, file);
    } catch (err) {
      if (!(err instanceof StaleOffsetError) || attempt >= 20) throw err;
      const fresh = store.getFile(file.path);
      if (!fresh) return { path: file.path, points: 0, bytes: 0, replaced: false, missing: true, issues: 0 };
      file = fresh;
    }
  }
}

function ingestFileOnce(store: Store, file: SourceFile): FileResult {
  const result: FileResult = { path: file.path, points: 0, bytes: 0, replaced: false, missing: false, issues: 0 };
  let fd: number;
  try {
    fd = fs.openSync(file.path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      result.missing = true;
      return result;
    }
    result.issues += store.recordIssues(file.runId, file.path, [{ reason: `cannot open: ${(err as Error).message}` }]);
    return result;
  }
  try {
    const st = fs.fstatSync(fd);
    const id = identityOf(fd, st, file.offset);
    if (!sameFile(fd, file, id)) {
      store.resetFile(file);
      file = store.getFile(file.path)!;
      result.replaced = true;
    }
    if (st.size === 0) {
      result.issues += store.recordIssues(file.runId, file.path, [{ offset: 0, reason: 'empty file: nothing to read yet' }]);
      return result;
    }
    store.clearIssues(file.path, 'empty file');
    if (st.size !== file.size) store.clearIssues(file.path, 'truncated record');
    if (st.size === file.offset && file.head !== null && file.mtimeMs === st.mtimeMs) return result;
    const final = Date.now() - st.mtimeMs > QUIET_MS;
    if (isWholeFileKind(file.kind)) {
      if (st.size === file.size && file.head === id.head && file.mtimeMs === st.mtimeMs) return result;
      const text = Buffer.alloc(st.size);
      fs.readSync(fd, text, 0, st.size, 0);
      const parsed = parseConfigYaml(text.toString('utf8'));
      // a config rewritten with a parse error: keep the last good one, record the error
      const prev = parseState<{ value: unknown } | null>(file.state, () => null);
      const state = parsed.issues.length ? prev : { value: parsed.value };
      if (!parsed.issues.length) store.clearIssues(file.path, 'YAML does not parse');
      store.commitChunk({ file, fromOffset: file.offset, offset: st.size, identity: identityOf(fd, st, st.size), state, issues: parsed.issues });
      result.bytes = st.size;
      result.issues += parsed.issues.length;
      return result;
    }
    let offset = file.offset;
    let chunkSize = FIRST_CHUNK;
    let state: unknown = file.state ? parseState(file.state, () => null) : null;
    while (offset < st.size) {
      const len = Math.min(chunkSize, st.size - offset);
      const buf = Buffer.allocUnsafe(len);
      const n = fs.readSync(fd, buf, 0, len, offset);
      const chunk = buf.subarray(0, n);
      const atEnd = offset + n >= st.size;
      const r = readChunk(file, chunk, offset, state, final && atEnd, atEnd);
      const commit: ChunkCommit = { ...r.commit, file, fromOffset: offset, offset: offset + r.consumed, identity: identityOf(fd, st, offset + r.consumed), state: r.state };
      const { points } = store.commitChunk(commit);
      result.points += points;
      result.bytes += r.consumed;
      result.issues += r.commit.issues?.length ?? 0;
      state = r.state;
      if (r.consumed === 0) {
        if (atEnd) break;
        chunkSize *= 2; // a single record larger than the chunk
        continue;
      }
      offset += r.consumed;
      if (r.stop) break;
    }
    return result;
  } finally {
    fs.closeSync(fd);
  }
}

function isWholeFileKind(kind: SourceFile['kind']): boolean {
  return kind === 'config' || kind === 'hydra_config' || kind === 'hydra_hydra' || kind === 'hydra_overrides' || kind === 'hparams';
}

interface ChunkRead {
  consumed: number;
  state: unknown;
  /** the reader cannot go further in these bytes (corrupt region): wait for the file to change */
  stop: boolean;
  commit: Omit<ChunkCommit, 'file' | 'offset' | 'identity' | 'state'>;
}

function readChunk(file: SourceFile, chunk: Buffer, baseOffset: number, rawState: unknown, final: boolean, atEnd: boolean): ChunkRead {
  switch (file.kind) {
    case 'tfevents': {
      const state = (rawState as TfEventsState | null) ?? newTfEventsState();
      const framed = readTfRecords(chunk, baseOffset);
      const decoded = decodeTfEvents(framed.records, state);
      const issues: ReadIssue[] = [...framed.issues, ...decoded.issues].filter(
        (i) => atEnd || !i.reason.endsWith('no valid record after it'),
      );
      const gpu: GpuSample[] = [];
      let first: number | null = null;
      let last: number | null = null;
      const gpuTags = new Map<string, boolean>();
      for (const s of decoded.scalars) {
        if (s.wallTime !== null) {
          if (first === null || s.wallTime < first) first = s.wallTime;
          if (last === null || s.wallTime > last) last = s.wallTime;
        }
        let isGpu = gpuTags.get(s.tag);
        if (isGpu === undefined) gpuTags.set(s.tag, (isGpu = s.tag.startsWith('gpu_id: ')));
        if (isGpu) {
          const g = gpuSampleFromTag(s.tag, s.value, s.wallTime);
          if (g) gpu.push(g);
        }
      }
      const consumed = framed.nextOffset - baseOffset;
      if (framed.partial && final) {
        // A file nobody has written for minutes that ends mid-record was cut (a live writer finishes it).
        const left = baseOffset + chunk.length - framed.nextOffset;
        issues.push({ offset: framed.nextOffset, reason: `truncated record at byte ${framed.nextOffset}: the file ends ${left} bytes into a record` });
      }
      return {
        consumed,
        state: decoded.state,
        // stuck at a corrupt header with no valid record after it in the whole rest of the file:
        // wait for the file to change. Mid-file, the next (larger) chunk may hold the next record.
        stop: atEnd && !framed.partial && framed.nextOffset < baseOffset + chunk.length,
        commit: {
          scalars: decoded.scalars,
          plugins: decoded.state.plugins,
          gpu: gpu.length ? { source: 'tensorboard', samples: mergeGpuByTime(gpu) } : undefined,
          firstTime: first === null ? null : first * 1000,
          lastTime: last === null ? null : last * 1000,
          host: hostFromEventFileName(path.basename(file.path)),
          issues,
        },
      };
    }
    case 'train_log': {
      const state = (rawState as TrainLogState | null) ?? newTrainLogState();
      const r = parseTrainLog(chunk, state, { baseOffset, final });
      const tables = [];
      let status: ChunkCommit['status'];
      for (const e of r.events) {
        if (e.type === 'table') tables.push({ ...e });
        else if (e.type === 'failed') status = { status: 'failed', message: e.message };
        else if (e.type === 'interrupted') status = { status: 'interrupted', message: 'Interrupted by user' };
      }
      return {
        consumed: r.consumed,
        state: r.state,
        stop: false,
        commit: { tables, status, firstTime: r.firstTime, lastTime: r.lastTime, issues: r.issues },
      };
    }
    case 'gpu_log': {
      const state = (rawState as GpuLogState | null) ?? newGpuLogState();
      const r = parseGpuLog(chunk, state, { baseOffset, final });
      let first: number | null = null;
      let last: number | null = null;
      for (const g of r.samples) {
        if (g.time === null) continue;
        if (first === null || g.time < first) first = g.time;
        if (last === null || g.time > last) last = g.time;
      }
      return {
        consumed: r.consumed,
        state: r.state,
        stop: false,
        commit: { gpu: { source: 'nvidia-smi', samples: r.samples }, firstTime: first, lastTime: last, issues: r.issues },
      };
    }
    case 'metrics_csv': {
      const state = (rawState as MetricsCsvState | null) ?? newMetricsCsvState();
      const r = parseMetricsCsv(chunk, state, { baseOffset, final });
      return { consumed: r.consumed, state: r.state, stop: false, commit: { scalars: r.scalars, issues: r.issues } };
    }
    default:
      return { consumed: chunk.length, state: rawState, stop: false, commit: {} };
  }
}

/** Lightning logs one `gpu_id: N/<field>` tag per field; fold fields logged at the same time into one sample. */
function mergeGpuByTime(samples: GpuSample[]): GpuSample[] {
  const out = new Map<string, GpuSample>();
  for (const s of samples) {
    const k = `${s.gpu}@${s.time}`;
    const cur = out.get(k);
    if (!cur) {
      out.set(k, { ...s });
      continue;
    }
    cur.util ??= s.util;
    cur.memUtil ??= s.memUtil;
    cur.memUsedMb ??= s.memUsedMb;
    cur.memTotalMb ??= s.memTotalMb;
    cur.powerW ??= s.powerW;
    cur.tempC ??= s.tempC;
  }
  return [...out.values()];
}
