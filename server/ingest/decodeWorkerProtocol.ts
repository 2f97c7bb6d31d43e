// What the writer thread (chunkSource.ts) and the decode worker (decodeWorker.ts) share: the control
// words in a SharedArrayBuffer and the messages on their port.
import type { MessagePort } from 'node:worker_threads';
import type { ChunkJob } from './readChunk';
import type { BatchRead } from './chunkBatch';

/** Int32 slots of the control buffer. */
export const CTRL = {
  /** messages the worker has posted for the current job (chunks, error, end) */
  PRODUCED: 0,
  /** chunk messages the writer has taken */
  CONSUMED: 1,
  /** 1: the writer wants the current job to stop (a refused commit, an error) */
  CANCEL: 2,
  /** 1 when the worker is ready for jobs, -1 when it failed to start */
  READY: 3,
} as const;
export const CTRL_BYTES = 16;

export interface WorkerInit {
  ctrl: SharedArrayBuffer;
  port: MessagePort;
}

export interface JobMessage {
  type: 'job';
  /** the writer's open descriptor (descriptors are per process: the worker reads the same open file) */
  fd: number;
  /** job.chunkBytes: the pieces the readers see */
  job: ChunkJob;
  /** pieces are folded into batches of about this many bytes, one commit each */
  batchBytes: number;
  /** chunks the worker may have decoded and posted that the writer has not taken yet */
  queue: number;
}

export type WorkerMessage =
  | { type: 'chunk'; offset: number; read: BatchRead }
  | { type: 'error'; message: string; stack?: string }
  | { type: 'end' };
