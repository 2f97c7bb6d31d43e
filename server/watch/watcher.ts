// chokidar → per-file queue → ingestFile. The same discovery and ingest code as `lrscope ingest`;
// this module only decides *when* to read which file.
import fs from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Store } from '../db/store';
import { discoverRuns } from '../ingest/discover';
import { ingestFile } from '../ingest/ingestFile';
import { registerRun } from '../ingest/ingest';
import { refreshRunMeta } from '../ingest/runMeta';
import { refreshFindings } from '../services/diagnosis';

export interface WatchOptions {
  paths: string[];
  store: Store;
  /** poll every N ms instead of inotify (network file systems) */
  pollMs?: number | null;
  log?: (line: string) => void;
  /** how often run statuses are re-derived (running → stalled, missing folders) */
  statusEveryMs?: number;
  /** how often every known file is stat'ed in case an event was lost (replace + rewrite within ms) */
  sweepEveryMs?: number;
  /** diagnosis runs this long after a run's last new data (debounce), at most maxWait after the first */
  diagnoseDebounceMs?: number;
  diagnoseMaxWaitMs?: number;
}

const SKIP = new Set(['node_modules', '.git', '.lrscope', '.next', '__pycache__', 'models', 'samples', '.ipynb_checkpoints']);
const RESCAN_DEBOUNCE_MS = 200;
const CONFIG_KINDS = new Set(['config', 'hydra_config', 'hydra_hydra', 'hydra_overrides', 'hparams']);

export class RunWatcher {
  private watcher: FSWatcher | null = null;
  private readonly roots: string[];
  private readonly extraRoots = new Set<string>();
  /** known file path → its run */
  private readonly files = new Map<string, number>();
  private readonly queue = new Set<string>();
  private pumping = false;
  private rescanTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** size and mtime of each known file when last read, for the sweep */
  private readonly seen = new Map<string, string>();
  /** runs waiting to be diagnosed: run id → { timer, first request time } */
  private readonly diagnosePending = new Map<number, { timer: NodeJS.Timeout; since: number }>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly opts: WatchOptions) {
    this.roots = opts.paths.map((p) => path.resolve(p));
    this.log = opts.log ?? (() => {});
  }

  /** Initial scan (resumes from stored offsets), then live watching. Resolves when both are ready. */
  async start(): Promise<void> {
    this.rescan();
    const usePolling = this.opts.pollMs !== undefined && this.opts.pollMs !== null;
    this.watcher = chokidar.watch([...this.roots, ...this.extraRoots], {
      ignoreInitial: true,
      persistent: true,
      usePolling,
      interval: this.opts.pollMs ?? 100,
      binaryInterval: this.opts.pollMs ?? 300,
      ignored: (p: string) => SKIP.has(path.basename(p)),
    });
    this.watcher.on('change', (p) => this.onFile(p));
    this.watcher.on('add', (p) => this.onFile(p));
    this.watcher.on('addDir', () => this.scheduleRescan());
    this.watcher.on('unlinkDir', () => this.checkStatuses());
    this.watcher.on('unlink', (p) => {
      if (this.files.has(p)) this.checkStatuses();
    });
    this.watcher.on('error', (err) => this.onError(err as NodeJS.ErrnoException));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    this.statusTimer = setInterval(() => this.checkStatuses(), this.opts.statusEveryMs ?? 15_000);
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepEveryMs ?? 2000);
    await this.idle();
  }

  /** Resolves when no file is queued or being read. */
  idle(): Promise<void> {
    if (!this.pumping && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const p of this.diagnosePending.values()) clearTimeout(p.timer);
    this.diagnosePending.clear();
    await this.watcher?.close();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private onFile(p: string): void {
    if (this.files.has(p)) this.enqueue(p);
    else this.scheduleRescan(); // a new event file, version_N folder or run folder
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (err.code === 'ENOSPC' || err.code === 'EMFILE') {
      this.log(
        `lrscope watch: the system's limit on watched files was reached (${err.code}). Fix: ` +
          `sudo sysctl fs.inotify.max_user_watches=524288 (and fs.inotify.max_user_instances=512), or run with --poll`,
      );
    } else {
      this.log(`lrscope watch: ${err.message}`);
    }
  }

  private scheduleRescan(): void {
    if (this.closed) return;
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      this.rescan();
    }, RESCAN_DEBOUNCE_MS);
  }

  /** Discovers runs and files (new runs, new version_N folders, TensorBoard folders appearing late). */
  private rescan(): void {
    const found = discoverRuns([...this.roots, ...this.extraRoots]);
    for (const plan of found.runs) {
      const { runId, isNew } = registerRun(this.opts.store, plan);
      if (isNew) this.log(`new run ${runId}: ${plan.name}`);
      for (const f of plan.files) {
        if (!this.files.has(f.path)) {
          this.files.set(f.path, runId);
          this.enqueue(f.path);
        }
        // a TensorBoard folder outside the watched paths (location.tb_dir): watch it too
        if (!this.roots.some((r) => f.path.startsWith(r + path.sep))) {
          const dir = path.dirname(f.path);
          if (!this.extraRoots.has(dir)) {
            this.extraRoots.add(dir);
            this.watcher?.add(dir);
          }
        }
      }
    }
  }

  private enqueue(p: string): void {
    this.queue.add(p); // a Set: a burst of change events for one file is read once
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(() => this.pump());
    }
  }

  /** One file at a time, in arrival order; yields to the event loop between files. */
  private pump(): void {
    if (this.closed) {
      this.pumping = false;
      return;
    }
    const next = this.queue.values().next();
    if (next.done) {
      this.pumping = false;
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const p = next.value;
    this.queue.delete(p);
    const store = this.opts.store;
    try {
      const file = store.getFile(p);
      this.seen.set(p, this.statKey(p));
      if (file) {
        const r = ingestFile(store, file);
        if ((r.bytes > 0 || r.replaced) && CONFIG_KINDS.has(file.kind)) refreshRunMeta(store, file.runId);
        if (r.bytes > 0 || r.replaced) {
          store.refreshStatus(file.runId, Date.now(), false);
          this.scheduleDiagnosis(file.runId);
        }
      }
    } catch (err) {
      this.log(`lrscope watch: reading ${p} failed: ${(err as Error).message}`);
      store.recordIssues(this.files.get(p) ?? null, p, [{ reason: `read failed: ${(err as Error).message}` }]);
    }
    setImmediate(() => this.pump());
  }

  /** Diagnosis is incremental in time: debounced per run so a burst of writes costs one pass. */
  private scheduleDiagnosis(runId: number): void {
    if (this.closed) return;
    const now = Date.now();
    const pending = this.diagnosePending.get(runId);
    const debounce = this.opts.diagnoseDebounceMs ?? 2000;
    const maxWait = this.opts.diagnoseMaxWaitMs ?? 10_000;
    if (pending) clearTimeout(pending.timer);
    const since = pending?.since ?? now;
    const delay = Math.max(0, Math.min(debounce, since + maxWait - now));
    const timer = setTimeout(() => {
      this.diagnosePending.delete(runId);
      try {
        refreshFindings(this.opts.store, runId);
      } catch (err) {
        this.log(`lrscope watch: diagnosing run ${runId} failed: ${(err as Error).message}`);
      }
    }, delay);
    this.diagnosePending.set(runId, { timer, since });
  }

  private statKey(p: string): string {
    try {
      const st = fs.statSync(p);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'gone';
    }
  }

  /**
   * The safety net under chokidar: inotify can miss a rewrite that follows a rename within a few ms,
   * and network file systems miss events. Files whose inode, size or mtime moved are read again.
   */
  private sweep(): void {
    if (this.closed || this.pumping) return;
    for (const p of this.files.keys()) {
      const key = this.statKey(p);
      if (key !== 'gone' && this.seen.get(p) !== key) this.enqueue(p);
    }
  }

  /** running → stalled, finished, missing: re-derived for every run on a timer and when folders vanish. */
  checkStatuses(): void {
    if (this.closed) return;
    const now = Date.now();
    // the change log only serves live clients and reconnects: keep the last 10 000 entries
    this.opts.store.pruneChanges(10000);
    const runs = this.opts.store.handle.sqlite.prepare('SELECT id, path FROM runs').all() as { id: number; path: string }[];
    for (const r of runs) {
      if (!this.roots.some((root) => r.path === root || r.path.startsWith(root + path.sep))) continue;
      this.opts.store.refreshStatus(r.id, now, !fs.existsSync(r.path));
    }
  }
}
