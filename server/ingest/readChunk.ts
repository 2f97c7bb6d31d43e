// One chunk of a streamed file (event file, train.log, nvidia-smi log, metrics.csv) through its pure
// reader: bytes + the reader's state in, the records to commit + how many bytes they used out. No fd, no
// database: ingestFile calls it in its own thread for small files, the decode worker for big ones.
import fs from 'node:fs';
import path from 'node:path';
import type { ChunkCommit } from '../db/store';
import type { FileKind } from '../db/schema';
import type { GpuSample, ReadIssue } from './types';
import { readTfRecords } from './tfrecord';
import { decodeTfEvents, newTfEventsState, type TfEventsState } from './tfevents';
import { parseTrainLog, newTrainLogState, type TrainLogState } from './trainLog';
import { parseGpuLog, newGpuLogState, gpuSampleFromTag, type GpuLogState } from './gpuLog';
import { parseMetricsCsv, newMetricsCsvState, type MetricsCsvState } from './lightningCsv';
import { hostFromEventFileName } from './runName';

export interface ChunkRead {
  consumed: number;
  state: unknown;
  /** the reader cannot go further in these bytes (corrupt region): wait for the file to change */
  stop: boolean;
  commit: Omit<ChunkCommit, 'file' | 'offset' | 'identity' | 'state'>;
}

/** What readChunk needs to know about the file: its kind and (for an event file's host) its path. */
export interface ChunkFile {
  kind: FileKind;
  path: string;
}

export function readChunk(file: ChunkFile, chunk: Buffer, baseOffset: number, rawState: unknown, final: boolean, atEnd: boolean): ChunkRead {
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
export function mergeGpuByTime(samples: GpuSample[]): GpuSample[] {
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

/** One step of reading a file from an offset: the chunk's bytes began at `offset`. */
export interface ChunkStep {
  offset: number;
  read: ChunkRead;
}

export interface ChunkJob extends ChunkFile {
  /** where reading starts (the stored offset) */
  from: number;
  /** the file's size when ingest began: reading stops there */
  size: number;
  state: unknown;
  /** the file is complete (untouched for minutes): a last line without a newline counts */
  final: boolean;
  /** bytes read per chunk (doubled while a single record is larger than that) */
  chunkBytes: number;
}

/**
 * Reads the file open at `fd` from job.from to job.size, one chunk at a time, and yields each chunk's
 * reading. The reader state and offset go from one chunk to the next as if each step were committed;
 * the caller commits them in order (and stops on the first refused commit).
 */
export function* readChunks(fd: number, job: ChunkJob): Generator<ChunkStep> {
  let offset = job.from;
  let chunkSize = job.chunkBytes;
  let state = job.state;
  // one buffer for every chunk (grown when a record is bigger): a chunk's reading holds no reference into
  // its bytes, and the caller is done with a step before it asks for the next
  let buf: Buffer | null = null;
  while (offset < job.size) {
    const len = Math.min(chunkSize, job.size - offset);
    if (buf === null || buf.length < len) buf = Buffer.allocUnsafe(len);
    const n = fs.readSync(fd, buf, 0, len, offset);
    if (n === 0) break; // the file shrank under us: the next ingest sees it (and reads it again)
    const chunk = buf.subarray(0, n);
    const atEnd = offset + n >= job.size;
    const r = readChunk(job, chunk, offset, state, job.final && atEnd, atEnd);
    yield { offset, read: r };
    state = r.state;
    if (r.consumed === 0) {
      if (atEnd) break;
      chunkSize *= 2; // a single record larger than the chunk
      continue;
    }
    offset += r.consumed;
    if (r.stop) break;
  }
}
