// Consecutive chunk readings folded into one commit: the decode worker reads small pieces (a small live
// set: the reader's per-record objects die young) and hands the writer batches of several megabytes (few
// transactions). Scalars go straight into columns (scalarColumns.ts). Pure: no fd, no database.
import type { ChunkRead } from './readChunk';
import { mergeGpuByTime } from './readChunk';
import { ColumnsBuilder, type ScalarColumns } from './scalarColumns';
import type { GpuSample, ReadIssue } from './types';
import type { ChunkCommit, TableInput } from '../db/store';

/** What a batch holds: a ChunkRead whose scalars are columns. */
export interface BatchRead extends Omit<ChunkRead, 'commit'> {
  commit: Omit<ChunkRead['commit'], 'scalars'> & { columns: ScalarColumns | null };
}

export class ChunkBatch {
  /** bytes of the file the batch covers, from `offset` */
  consumed = 0;
  private state: unknown = null;
  private stop = false;
  private cols: ColumnsBuilder | null = null;
  private plugins: Record<string, string> | undefined;
  private gpuSource: 'nvidia-smi' | 'tensorboard' | undefined;
  private gpu: GpuSample[] = [];
  private tables: TableInput[] | undefined;
  private status: ChunkCommit['status'];
  private firstTime: number | null = null;
  private lastTime: number | null = null;
  private host: string | null | undefined;
  private issues: ReadIssue[] = [];

  constructor(readonly offset: number) {}

  /** Adds the reading of the bytes that follow the batch's. */
  add(r: ChunkRead): void {
    this.consumed += r.consumed;
    this.state = r.state;
    this.stop = r.stop;
    const c = r.commit;
    if (c.scalars?.length) (this.cols ??= new ColumnsBuilder(c.scalars.length * 8)).add(c.scalars);
    if (c.plugins) this.plugins = c.plugins; // the reader's state: every plugin seen so far
    if (c.gpu) {
      this.gpuSource = c.gpu.source;
      for (const g of c.gpu.samples) this.gpu.push(g);
    }
    if (c.tables) (this.tables ??= []).push(...c.tables);
    if (c.status) this.status = c.status;
    if (c.firstTime != null && (this.firstTime === null || c.firstTime < this.firstTime)) this.firstTime = c.firstTime;
    if (c.lastTime != null && (this.lastTime === null || c.lastTime > this.lastTime)) this.lastTime = c.lastTime;
    if (c.host !== undefined) this.host = c.host;
    if (c.issues) for (const i of c.issues) this.issues.push(i);
  }

  finish(): BatchRead {
    const gpu = this.gpuSource
      ? { source: this.gpuSource, samples: this.gpuSource === 'tensorboard' ? mergeGpuByTime(this.gpu) : this.gpu }
      : undefined;
    return {
      consumed: this.consumed,
      state: this.state,
      stop: this.stop,
      commit: {
        columns: this.cols ? this.cols.finish() : null,
        plugins: this.plugins,
        gpu: gpu && gpu.samples.length ? gpu : undefined,
        tables: this.tables,
        status: this.status,
        firstTime: this.firstTime,
        lastTime: this.lastTime,
        host: this.host,
        issues: this.issues,
      },
    };
  }
}
