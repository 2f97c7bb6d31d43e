// Where ingestFile gets a file's chunks from: read and decoded in its own thread (small files), or by the
// decode worker (decodeWorker.ts) while this thread commits the previous chunk (big files). Both give the
// same steps in the same order (readChunk.ts's readChunks); the writer commits each and may stop early.
//
// The writer stays synchronous (ingestFile is called from the watcher's queue and the CLI alike): it
// takes the worker's messages with receiveMessageOnPort and sleeps on a shared counter (Atomics.wait)
// while the next chunk is not decoded yet. One worker per process, started on first use, unref'd.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { readChunks, type ChunkJob, type ChunkStep } from './readChunk';
import { CTRL, CTRL_BYTES, type JobMessage, type WorkerMessage } from './decodeWorkerProtocol';

/**
 * Chunk sizes (bytes). In-thread: 16 MB chunks, one commit each. Worker: the readers see 1 MB pieces
 * (their per-record garbage dies in V8's young generation), folded into batches of a quarter of the bytes
 * to read, between 1 and 8 MB, one commit each: few transactions on a big file, and the pipeline fills
 * after a quarter of a small one. Mutable for tests (many commits from a small file).
 */
export const CHUNK_BYTES = { thread: 16 * 1024 * 1024, piece: 1024 * 1024, batch: 8 * 1024 * 1024, minBatch: 1024 * 1024 };
/**
 * Files with at least this many bytes to read go through the worker (policy 'auto'). Under 1 MB a file is a
 * single batch (no overlap within it), but its decoding's garbage stays out of the writer's heap.
 */
export const WORKER_MIN_BYTES = 256 * 1024;
/** Decoded chunks the worker may hold ahead of the writer. */
const QUEUE = 2;
/** No message from the worker for this long: it is considered dead and the file is read in-thread. */
const STALL_MS = 60_000;
const START_MS = 30_000;

const STREAMED = new Set(['tfevents', 'train_log', 'gpu_log', 'metrics_csv']);

export type WorkerPolicy = 'auto' | 'always' | 'never';

/** Files read so far in this process, by where they were decoded (tests, benchmarks). */
export const decodeStats = { worker: 0, thread: 0 };

/** LRSCOPE_INGEST_WORKER=never|always|auto (default auto: big streamed files only). */
export function workerPolicy(): WorkerPolicy {
  const v = (process.env.LRSCOPE_INGEST_WORKER ?? '').toLowerCase();
  if (v === 'never' || v === '0' || v === 'off') return 'never';
  if (v === 'always' || v === '1') return 'always';
  return 'auto';
}

/** The decode worker failed (did not start, died, stopped answering): read the file in-thread instead. */
export class DecodeWorkerError extends Error {
  readonly code = 'DECODE_WORKER';
}

export interface ChunkSource {
  /** the next chunk's reading, or null after the last */
  next(): ChunkStep | null;
  /** stops reading (early after a refused commit); always call it before closing the descriptor */
  close(): void;
  readonly threaded: boolean;
}

/** The chunks of `job` from the file open at `fd`: through the worker when the policy says so. */
export function openChunks(fd: number, job: Omit<ChunkJob, 'chunkBytes'>, policy = workerPolicy()): ChunkSource {
  const bytes = job.size - job.from;
  const useWorker =
    STREAMED.has(job.kind) && policy !== 'never' && !broken && !(shared?.busy ?? false) && (policy === 'always' || bytes >= WORKER_MIN_BYTES);
  if (useWorker) {
    const w = decodeWorker();
    if (w) {
      decodeStats.worker++;
      const batch = Math.min(CHUNK_BYTES.batch, Math.max(CHUNK_BYTES.minBatch, Math.ceil(bytes / 4)));
      return w.start(fd, { ...job, chunkBytes: Math.min(CHUNK_BYTES.piece, batch) }, batch);
    }
  }
  decodeStats.thread++;
  return inThread(fd, { ...job, chunkBytes: CHUNK_BYTES.thread });
}

function inThread(fd: number, job: ChunkJob): ChunkSource {
  const steps = readChunks(fd, job);
  return {
    threaded: false,
    next: () => {
      const r = steps.next();
      return r.done ? null : r.value;
    },
    close: () => void steps.return(undefined),
  };
}

let shared: SharedWorker | null = null;
/** set once the worker failed: this process reads in-thread from then on */
let broken = false;

function decodeWorker(): SharedWorker | null {
  if (shared) return shared;
  try {
    shared = new SharedWorker();
    return shared;
  } catch {
    broken = true;
    return null;
  }
}

/** Stops the worker (tests; a process exits without it: the worker is unref'd). */
export async function stopDecodeWorker(): Promise<void> {
  const w = shared;
  shared = null;
  if (w) {
    w.worker.removeAllListeners('exit');
    await w.worker.terminate();
  }
}

class SharedWorker {
  readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl: Int32Array;
  busy = false;

  constructor() {
    const ctrlBuffer = new SharedArrayBuffer(CTRL_BYTES);
    this.ctrl = new Int32Array(ctrlBuffer);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./decodeWorker.mjs', import.meta.url), {
      workerData: { ctrl: ctrlBuffer, port: port2 },
      transferList: [port2],
      execArgv: [],
      stdout: false,
      stderr: false,
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    });
    this.worker.unref();
    this.port.unref();
    // an asynchronous failure after start (the writer also notices a stall)
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
    const t = Date.now();
    while (Atomics.load(this.ctrl, CTRL.READY) === 0 && Date.now() - t < START_MS) Atomics.wait(this.ctrl, CTRL.READY, 0, 100);
    if (Atomics.load(this.ctrl, CTRL.READY) !== 1) {
      void this.worker.terminate();
      throw new DecodeWorkerError('the decode worker did not start');
    }
  }

  private fail(): void {
    broken = true;
    if (shared === this) shared = null;
  }

  start(fd: number, job: ChunkJob, batchBytes: number): ChunkSource {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, CTRL.PRODUCED, 0);
    Atomics.store(ctrl, CTRL.CONSUMED, 0);
    Atomics.store(ctrl, CTRL.CANCEL, 0);
    this.busy = true;
    const msg: JobMessage = { type: 'job', fd, job, batchBytes, queue: QUEUE };
    this.port.postMessage(msg);
    let received = 0;
    let ended = false;
    let error: { message: string; stack?: string } | null = null;

    /** The next message of this job; blocks until the worker posts one. */
    const receive = (): WorkerMessage => {
      let waited = 0;
      for (;;) {
        const produced = Atomics.load(ctrl, CTRL.PRODUCED);
        const m = receiveMessageOnPort(this.port);
        if (m) {
          received++;
          return m.message as WorkerMessage;
        }
        if (produced > received) continue; // counted but not yet visible on the port
        const r = Atomics.wait(ctrl, CTRL.PRODUCED, produced, 1000);
        if (r === 'timed-out' && (waited += 1000) >= STALL_MS) {
          this.fail();
          void this.worker.terminate();
          ended = true;
          this.busy = false;
          throw new DecodeWorkerError(`the decode worker stopped answering (${job.path})`);
        }
        if (r !== 'timed-out') waited = 0;
      }
    };
    const finish = () => {
      ended = true;
      this.busy = false;
    };

    return {
      threaded: true,
      next: (): ChunkStep | null => {
        while (!ended) {
          const m = receive();
          if (m.type === 'chunk') {
            Atomics.add(ctrl, CTRL.CONSUMED, 1);
            Atomics.notify(ctrl, CTRL.CONSUMED);
            // the scalars stay columns: the store takes them as they are (no per-point objects here)
            return { offset: m.offset, read: m.read };
          }
          if (m.type === 'error') error = m;
          else if (m.type === 'end') finish();
        }
        if (error) {
          const e = new Error(error.message);
          if (error.stack) e.stack = error.stack;
          error = null;
          throw e;
        }
        return null;
      },
      close: () => {
        if (ended) return;
        Atomics.store(ctrl, CTRL.CANCEL, 1);
        Atomics.notify(ctrl, CTRL.CONSUMED);
        // drain to the job's end: the worker reads our descriptor, which the caller closes next
        while (!ended) {
          const m = receive();
          if (m.type === 'end') finish();
        }
      },
    };
  }
}
