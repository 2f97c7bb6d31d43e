// offset → reader → store: reads what a file gained since the stored offset and commits it.
import fs from 'node:fs';
import type { SourceFile } from '../db/schema';
import { StaleOffsetError, type Store, type ChunkCommit, type FileIdentity } from '../db/store';
import { MAX_CONFIG_BYTES, configTooLarge, parseConfigYaml } from './hydraConfig';
import { DecodeWorkerError, openChunks } from './chunkSource';

const HEAD_BYTES = 64;
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
      // the decode worker failed: chunkSource reads in-thread from now on; go on from what was committed
      if (!(err instanceof StaleOffsetError || err instanceof DecodeWorkerError) || attempt >= 20) throw err;
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
      // an oversized "config" is an error without being read (a 10 GB config.yaml is not loaded into memory)
      let parsed: ReturnType<typeof parseConfigYaml>;
      if (st.size > MAX_CONFIG_BYTES) parsed = configTooLarge();
      else {
        const text = Buffer.alloc(st.size);
        fs.readSync(fd, text, 0, st.size, 0);
        parsed = parseConfigYaml(text.toString('utf8'));
      }
      // a config rewritten with a parse error: keep the last good one, record the error
      const prev = parseState<{ value: unknown } | null>(file.state, () => null);
      const state = parsed.issues.length ? prev : { value: parsed.value };
      if (!parsed.issues.length) store.clearIssues(file.path, 'YAML does not parse');
      store.commitChunk({ file, fromOffset: file.offset, offset: st.size, identity: identityOf(fd, st, st.size), state, issues: parsed.issues });
      result.bytes = st.size;
      result.issues += parsed.issues.length;
      return result;
    }
    // Chunks are read and decoded (in this thread, or by the decode worker while this thread commits the
    // previous chunk: chunkSource.ts) and committed one by one, each with the offset it ends at.
    const state: unknown = file.state ? parseState(file.state, () => null) : null;
    const chunks = openChunks(fd, { kind: file.kind, path: file.path, from: file.offset, size: st.size, state, final });
    try {
      for (let step = chunks.next(); step !== null; step = chunks.next()) {
        const { offset, read: r } = step;
        const commit: ChunkCommit = { ...r.commit, file, fromOffset: offset, offset: offset + r.consumed, identity: identityOf(fd, st, offset + r.consumed), state: r.state };
        const { points } = store.commitChunk(commit);
        result.points += points;
        result.bytes += r.consumed;
        result.issues += r.commit.issues?.length ?? 0;
      }
    } finally {
      chunks.close(); // before the descriptor closes: the worker reads it
    }
    return result;
  } finally {
    fs.closeSync(fd);
  }
}

function isWholeFileKind(kind: SourceFile['kind']): boolean {
  return kind === 'config' || kind === 'hydra_config' || kind === 'hydra_hydra' || kind === 'hydra_overrides' || kind === 'hparams';
}
