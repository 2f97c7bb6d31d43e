// chokidar → per-file queue → ingestFile. The same discovery and ingest code as `lrscope ingest`;
// this module only decides *when* to read which file — and what to do when that fails:
// - a storage fault (disk full, read-only, locked: db/faults.ts) pauses all reading; the waiting files are
//   tried again with back-off and reading resumes from the stored offsets once the cause is gone;
// - a file that cannot be read (permissions, a reader exception) is that file's ingest error and is tried
//   again with back-off, or as soon as it changes;
// - one line per problem, repeated at most every logEveryMs.
// Symbolic links are followed once, by real path (chokidar does not follow them; the folders discovery
// walked through a link are watched at their real path and events mapped back). A watched folder that is
// deleted and recreated, or unreadable and then readable, is watched again.
import fs from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Store } from '../db/store';
import { storageFault, type StorageFault } from '../db/faults';
import { CROWDED_ENTRIES, discoverRuns } from '../ingest/discover';
import { ingestFileIsolated } from '../ingest/isolate';
import { registerRun, skipDeleted } from '../ingest/ingest';
import { LogLimiter, backoffMs } from './backoff';
import { FileTracks, type FileTrack } from './fileTracks';
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
  /**
   * how often the tree is rediscovered anyway (GPU logs with any name appear in run folders): every
   * rescanEveryMs (default 60 s) after one that found something, doubling up to 10× that while none does
   */
  rescanEveryMs?: number;
  /** how often the sweep runs: it stats known files in case an event was lost (replace + rewrite within ms) */
  sweepEveryMs?: number;
  /** a file that stays unchanged is stat'ed less and less often, down to once per this (default 60 s) */
  sweepMaxMs?: number;
  /** back-off after a storage fault (disk full, read-only, locked): first retry and longest wait */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** back-off for a file whose read failed (permissions, a reader exception) */
  fileRetryMinMs?: number;
  fileRetryMaxMs?: number;
  /** the same problem is reported at most this often (default 60 s) */
  logEveryMs?: number;
  /** diagnosis runs this long after a run's last new data (debounce), at most maxWait after the first */
  diagnoseDebounceMs?: number;
  diagnoseMaxWaitMs?: number;
}

const SKIP = new Set(['node_modules', '.git', '.lrscope', '.next', '__pycache__', 'models', 'samples', '.ipynb_checkpoints']);
const RESCAN_DEBOUNCE_MS = 200;
/** a rescan waits for a quiet moment, but never longer than this after it was first asked for */
const RESCAN_MAX_WAIT_MS = 2000;
/** files whose appearance never changes which runs exist (no rescan for a new checkpoint or sample) */
const NO_RESCAN = /\.(ckpt|pt|pth|jpg|jpeg|png|gif|webp|json|pkl|npy|npz|zip|gz|tar|tmp|swp|lock|part)$/i;
/**
 * Unknown files chokidar reports: those that can make or extend a run. Every other file is not watched
 * (chokidar puts one watch on each file it tracks: a run folder with 100,000 frames cost 500 MB and
 * seconds per change); a GPU log with any other name is found by a rescan (periodic, or when a folder
 * or one of these files appears), and from then on it is a known file.
 */
const RUN_FILE = /^(events\.out\.tfevents\..*|train\.log|metrics\.csv|.*\.ya?ml)$/;
const CONFIG_KINDS = new Set(['config', 'hydra_config', 'hydra_hydra', 'hydra_overrides', 'hparams']);

export class RunWatcher {
  private watcher: FSWatcher | null = null;
  /** known files inside crowded folders, watched one by one (their folder is not watched) */
  private fileWatcher: FSWatcher | null = null;
  private readonly crowded = new Set<string>();
  private readonly watchedOneByOne = new Set<string>();
  private readonly roots: string[];
  private readonly extraRoots = new Set<string>();
  /** known file path → its run */
  private readonly files = new Map<string, number>();
  private readonly queue = new Set<string>();
  private pumping = false;
  private rescanTimer: NodeJS.Timeout | null = null;
  /** when the pending rescan was first asked for, and how long the last one took (rescans are spaced by it) */
  private rescanAskedAt: number | null = null;
  private lastRescanMs = 0;
  private lastRescanEnd = 0;
  private statusTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private rescanEvery: NodeJS.Timeout | null = null;
  /** the periodic rescan's current interval, and whether the last rescan found new files */
  private periodicMs = 0;
  private foundNew = false;
  /** per known file: stat when last read, sweep schedule, failures */
  private readonly tracks: FileTracks;
  /** the database cannot be written: reading pauses until a retry succeeds */
  private fault: { f: StorageFault; since: number; attempts: number } | null = null;
  private faultTimer: NodeJS.Timeout | null = null;
  /** a retry after a fault is under way: the pump runs to find out whether writing works again */
  private probing = false;
  /** a rescan (it registers runs: a write) failed on a storage fault and is owed */
  private rescanPending = false;
  private readonly diagnoseAfterFault = new Set<number>();
  private readonly limiter: LogLimiter;
  /** real folder → the path discovery reached it by (a symbolic link): events are mapped back */
  private readonly aliases = new Map<string, string>();
  /** identity (inode + birth time) of each watched root (null: missing), to notice one deleted and recreated */
  private readonly rootIno = new Map<string, string | null>();
  /** folders discovery could not list (permissions): tried again with back-off */
  private readonly unreadable = new Map<string, { attempts: number; retryAt: number }>();
  /** runs whose stored files were matched against the disk once (files gone while watch was stopped) */
  private readonly reconciled = new Set<number>();
  /** run key → the plan it was last registered with (see rescanOnce) */
  private readonly registered = new Map<string, { sig: string; runId: number }>();
  private dataVersion = -1;
  /** file reads attempted (tests check retries are spaced, not a busy loop) */
  attempts = 0;
  /** runs waiting to be diagnosed: run id → { timer, first request time } */
  private readonly diagnosePending = new Map<number, { timer: NodeJS.Timeout; since: number }>();
  private closed = false;
  /** chokidar's initial scan is done (files found later that it ignored are added to it explicitly) */
  private ready = false;
  private idleWaiters: (() => void)[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly opts: WatchOptions) {
    this.roots = opts.paths.map((p) => path.resolve(p));
    this.log = opts.log ?? (() => {});
    this.limiter = new LogLimiter(this.log, opts.logEveryMs ?? 60_000);
    this.tracks = new FileTracks({
      baseMs: opts.sweepEveryMs ?? 2000,
      maxMs: Math.max(opts.sweepEveryMs ?? 2000, opts.sweepMaxMs ?? 60_000),
      retryMinMs: opts.fileRetryMinMs ?? 5000,
      retryMaxMs: opts.fileRetryMaxMs ?? 300_000,
    });
  }

  /** What chokidar leaves alone: skipped and crowded folders, and files that are neither known nor run files. */
  private readonly ignored = (p: string, stats?: fs.Stats): boolean => {
    if (SKIP.has(path.basename(p)) || this.crowded.has(p)) return true;
    if (!stats?.isFile()) return false; // folders (and paths not stat'ed yet) are watched
    return !RUN_FILE.test(path.basename(p)) && !this.files.has(this.known(p));
  };

  /** Initial scan (resumes from stored offsets), then live watching. Resolves when both are ready. */
  async start(): Promise<void> {
    for (const r of this.roots) this.rootIno.set(r, folderId(r));
    const usePolling = this.opts.pollMs !== undefined && this.opts.pollMs !== null;
    const common = {
      ignoreInitial: true,
      persistent: true,
      usePolling,
      interval: this.opts.pollMs ?? 100,
      binaryInterval: this.opts.pollMs ?? 300,
      // a symlink loop (`ln -s . sub/self`) made chokidar walk forever; links are followed by discovery,
      // once per real folder, and those folders watched at their real path (rescan → watchLinks)
      followSymlinks: false,
      // unreadable folders are reported (once) and retried by the sweep, not by chokidar
      ignorePermissionErrors: true,
    };
    this.watcher = chokidar.watch(this.roots.map(realOrSelf), { ...common, ignored: this.ignored });
    // known files of crowded folders one by one, and those folders' sub-folders (recursively, as above)
    this.fileWatcher = chokidar.watch([], { ...common, ignored: this.ignored });
    this.rescan();
    for (const w of [this.watcher, this.fileWatcher]) {
      w.on('change', (p) => this.onFile(this.known(p)));
      w.on('add', (p) => this.onFile(this.known(p)));
      w.on('error', (err) => this.onError(err as NodeJS.ErrnoException));
    }
    this.fileWatcher.on('unlink', (raw) => this.onUnlink(raw));
    this.watcher.on('addDir', () => this.scheduleRescan());
    this.watcher.on('unlinkDir', (raw) => {
      // a watched root itself deleted: noted now (a folder recreated at once may even get the same inode)
      const p = this.known(raw);
      if (this.rootIno.has(p)) this.rootIno.set(p, null);
      this.checkStatuses();
    });
    this.watcher.on('unlink', (raw) => this.onUnlink(raw));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    this.ready = true;
    this.statusTimer = setInterval(() => this.checkStatuses(), this.opts.statusEveryMs ?? 15_000);
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepEveryMs ?? 2000);
    this.periodicMs = this.opts.rescanEveryMs ?? 60_000;
    this.schedulePeriodicRescan();
    await this.idle();
  }

  /** Resolves when no file is queued or being read (or reading is paused by a storage fault). */
  idle(): Promise<void> {
    if (!this.pumping && (this.queue.size === 0 || this.fault)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The storage fault reading waits on, if any. */
  faultCode(): StorageFault['code'] | null {
    return this.fault?.f.code ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    if (this.faultTimer) clearTimeout(this.faultTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.rescanEvery) clearTimeout(this.rescanEvery);
    for (const p of this.diagnosePending.values()) clearTimeout(p.timer);
    this.diagnosePending.clear();
    await this.watcher?.close();
    await this.fileWatcher?.close();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private onUnlink(raw: string): void {
    const p = this.known(raw);
    if (!this.files.has(p)) return;
    this.tracks.active(p, Date.now()); // the sweep looks at it next: deleted, renamed or replaced
    this.checkStatuses();
  }

  /** The path discovery knows a file by: chokidar reports real paths, discovery may have come through a link. */
  private known(p: string): string {
    if (this.aliases.size === 0 || this.files.has(p)) return p;
    for (const [real, link] of this.aliases) {
      if (p === real) return link;
      if (p.startsWith(real + path.sep)) return link + p.slice(real.length);
    }
    return p;
  }

  private onFile(p: string): void {
    const tr = this.files.has(p) ? this.tracks.get(p) : undefined;
    if (tr) {
      const now = Date.now();
      if (tr.retryAt === null) {
        this.tracks.active(p, now);
        this.enqueue(p);
      } else if (this.tracks.wants(tr, statKey(p), now)) this.enqueue(p); // failing: back-off, or changed
    } else if (!NO_RESCAN.test(p)) this.scheduleRescan(); // a new event file, version_N folder or run folder
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (err.code === 'ENOSPC' || err.code === 'EMFILE') {
      this.limiter.say(
        `inotify:${err.code}`,
        `lrscope watch: the system's limit on watched files was reached (${err.code}). Fix: ` +
          `sudo sysctl fs.inotify.max_user_watches=524288 (and fs.inotify.max_user_instances=512), or run with --poll`,
      );
    } else {
      this.limiter.say(`watch:${err.code ?? err.message}`, `lrscope watch: ${err.message}`);
    }
  }

  /**
   * Debounced (RESCAN_DEBOUNCE_MS after the last request, at most RESCAN_MAX_WAIT_MS after the first), and
   * spaced by 5× the last rescan's duration, so a folder gaining files non-stop costs a bounded share of
   * a core however large the tree.
   */
  private scheduleRescan(): void {
    if (this.closed) return;
    const now = Date.now();
    this.rescanAskedAt ??= now;
    // both bounds are fixed points in time: asking again and again never pushes the rescan further away
    const due = Math.max(Math.min(now + RESCAN_DEBOUNCE_MS, this.rescanAskedAt + RESCAN_MAX_WAIT_MS), this.lastRescanEnd + 5 * this.lastRescanMs);
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      this.rescanAskedAt = null;
      this.rescan();
    }, Math.max(0, due - now));
  }

  /** A rescan now and then, less often while they find nothing (1,000 runs: ~0.2 s each). */
  private schedulePeriodicRescan(): void {
    if (this.closed) return;
    this.rescanEvery = setTimeout(() => {
      this.rescan();
      // any rescan since the last one here found new files: the tree is busy, look often
      const base = this.opts.rescanEveryMs ?? 60_000;
      // (crowded folders are not watched: new files there are only found here, so no backing off)
      this.periodicMs = this.foundNew || this.crowded.size > 0 ? base : Math.min(10 * base, this.periodicMs * 2);
      this.foundNew = false;
      this.schedulePeriodicRescan();
    }, this.periodicMs);
  }

  /** Discovers runs and files (new runs, new version_N folders, TensorBoard folders appearing late). */
  private rescan(): void {
    if (this.closed) return;
    const t0 = Date.now();
    try {
      this.rescanOnce();
      this.rescanPending = false;
    } catch (err) {
      const f = storageFault(err);
      if (!f) {
        this.limiter.say('rescan', `lrscope watch: looking for runs failed: ${(err as Error).message}`);
        return;
      }
      this.rescanPending = true;
      this.onFault(f);
    } finally {
      this.lastRescanEnd = Date.now();
      this.lastRescanMs = this.lastRescanEnd - t0;
    }
  }

  private rescanOnce(): void {
    const now = Date.now();
    const found = discoverRuns([...this.roots, ...this.extraRoots]);
    this.watchLinks(found.links);
    for (const { path: dir, subdirs } of found.crowded) {
      if (this.crowded.has(dir)) continue;
      // chokidar lists a watched folder again (an lstat per entry) at each change in it: with 100,000
      // files that is a core's worth of work while a job writes there. Its known files are watched one
      // by one instead, its sub-folders as before (unwatching a folder unwatches what is below it); new
      // files right in it are found by rescans.
      const real = realOrSelf(dir);
      this.crowded.add(dir);
      this.crowded.add(real);
      this.watcher?.unwatch(real);
      for (const sub of subdirs) this.fileWatcher?.add(path.join(real, sub));
      this.log(`lrscope watch: ${dir} holds more than ${CROWDED_ENTRIES} files: only the run files in it are watched; new ones are found within a minute`);
    }
    for (const dir of found.unreadable) {
      if (this.unreadable.has(dir)) continue;
      this.unreadable.set(dir, { attempts: 0, retryAt: now + this.sweepBaseMs() });
      this.limiter.say(`unreadable:${dir}`, `lrscope watch: cannot read ${dir} (permission denied); it is read as soon as it can be`);
    }
    // registering a run is a few write transactions per file even when nothing changed: done again only
    // for plans that changed, or when another process wrote the database (it may have removed a run)
    const version = this.opts.store.handle.sqlite.pragma('data_version', { simple: true }) as number;
    if (version !== this.dataVersion) this.registered.clear();
    this.dataVersion = version;
    for (const plan of skipDeleted(this.opts.store, found.runs)) {
      const sig = JSON.stringify([plan.name, plan.path, plan.kind, plan.files]);
      const known = this.registered.get(plan.key);
      let runId: number;
      let fresh = false;
      if (known && known.sig === sig) runId = known.runId;
      else {
        const r = registerRun(this.opts.store, plan);
        runId = r.runId;
        fresh = r.isNew; // a run restored after a delete: its files are known but must be read again
        if (r.isNew) this.log(`new run ${runId}: ${plan.name}`);
        this.registered.set(plan.key, { sig, runId });
      }
      for (const f of plan.files) {
        const isNew = !this.files.has(f.path);
        if (isNew) {
          this.files.set(f.path, runId);
          this.tracks.add(f.path, now);
          this.enqueue(f.path);
          this.foundNew = true;
        } else if (fresh) {
          this.files.set(f.path, runId);
          this.enqueue(f.path);
        }
        if (this.crowded.has(path.dirname(f.path))) {
          if (!this.watchedOneByOne.has(f.path)) {
            this.watchedOneByOne.add(f.path);
            this.fileWatcher?.add(realOrSelf(f.path));
          }
        } else if (isNew && this.ready && !RUN_FILE.test(path.basename(f.path))) {
          // a GPU log found by a rescan: chokidar had left it alone (an unknown file); now it is known
          this.watcher?.add(realOrSelf(f.path));
        }
        // a TensorBoard folder outside the watched paths (location.tb_dir): watch it too
        if (!this.roots.some((r) => f.path.startsWith(r + path.sep))) {
          const dir = path.dirname(f.path);
          if (!this.extraRoots.has(dir)) {
            this.extraRoots.add(dir);
            this.rootIno.set(dir, folderId(dir));
            this.watcher?.add(realOrSelf(dir));
          }
        }
      }
      if (!this.reconciled.has(runId)) {
        // files stored for this run that discovery did not find (deleted while watch was stopped): the
        // sweep decides what they mean (renamed, their folder recreated, or just gone)
        this.reconciled.add(runId);
        for (const f of this.opts.store.filesOfRun(runId)) {
          if (!this.files.has(f.path) && f.head !== null) {
            this.files.set(f.path, runId);
            this.tracks.add(f.path, now);
          }
        }
      }
    }
  }

  private sweepBaseMs(): number {
    return this.opts.sweepEveryMs ?? 2000;
  }

  /** Folders discovery walked through a symbolic link: watch each real folder once, map its events back. */
  private watchLinks(links: { path: string; real: string }[]): void {
    for (const { path: link, real } of links) {
      if (this.aliases.has(real)) continue;
      this.aliases.set(real, link);
      const inside = this.roots.some((r) => real === realOrSelf(r) || real.startsWith(realOrSelf(r) + path.sep));
      if (!inside) this.watcher?.add(real);
    }
  }

  private enqueue(p: string): void {
    this.queue.add(p); // a Set: a burst of change events for one file is read once
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(() => this.pump());
    }
  }

  /** One file at a time, in arrival order; yields to the event loop between files. Paused by a storage fault. */
  private pump(): void {
    if (this.closed || (this.fault && !this.probing)) {
      this.pumping = false;
      for (const w of this.idleWaiters.splice(0)) w();
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
    try {
      this.readFile(p);
    } catch (err) {
      const f = storageFault(err);
      if (f) {
        // nothing of the failed write was kept: read this file again, first, once writing works
        const rest = [...this.queue];
        this.queue.clear();
        this.queue.add(p);
        for (const q of rest) this.queue.add(q);
        this.onFault(f);
        setImmediate(() => this.pump());
        return;
      }
      this.fileFailed(p, `read failed: ${(err as Error).message.split('\n')[0]}`, statKey(p));
    }
    setImmediate(() => this.pump());
  }

  /** Reads what one file gained and refreshes what depends on it. Storage faults propagate. */
  private readFile(p: string): void {
    const store = this.opts.store;
    const file = store.getFile(p);
    if (!file) return;
    const now = Date.now();
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(p);
    } catch {
      // gone: the sweep decides what that means
    }
    // the key is taken before reading: if the file changes meanwhile, the sweep sees a new key
    const key = st ? keyOf(st) : 'gone';
    if (st && file.head === null) this.adoptRenamed(file.runId, p, st.ino);
    this.attempts++;
    const r = ingestFileIsolated(store, file);
    if ((r.bytes > 0 || r.replaced) && CONFIG_KINDS.has(file.kind)) refreshRunMeta(store, file.runId);
    if (r.bytes > 0 || r.replaced) {
      store.refreshStatus(file.runId, Date.now(), false);
      this.scheduleDiagnosis(file.runId);
    }
    if (this.fault && (r.bytes > 0 || r.replaced || r.issues > 0 || this.queue.size === 0)) this.faultCleared(r.bytes > 0 || r.replaced || r.issues > 0);
    if (r.failed) {
      this.fileFailed(p, r.failed, key);
      return;
    }
    if (r.missing) return;
    if (this.tracks.read(p, key, inodeOf(path.dirname(p)), now) && this.limiter.has(`file:${p}`)) {
      this.limiter.clear(`file:${p}`);
      this.log(`lrscope watch: ${p} is read again`);
    }
  }

  /** One file failed (not the database): an ingest error was recorded; it is tried again with back-off. */
  private fileFailed(p: string, reason: string, key: string): void {
    const delay = this.tracks.failed(p, key, Date.now());
    this.limiter.say(`file:${p}`, `lrscope watch: ${p}: ${reason}; trying again in ${fmtMs(delay)} or when it changes`);
  }

  /**
   * A file seen for the first time whose inode belongs to a stored file of the same run that is gone: it
   * was renamed. The old name's rows go before the new name is read, so nothing is counted twice.
   */
  private adoptRenamed(runId: number, p: string, ino: number): void {
    for (const old of this.opts.store.filesOfRun(runId)) {
      if (old.path === p || old.inode !== ino || old.head === null || fs.existsSync(old.path)) continue;
      this.opts.store.resetFile(old);
      this.forget(old.path);
      this.log(`lrscope watch: ${old.path} was renamed to ${p}: its points are read from the new name`);
    }
  }

  private forget(p: string): void {
    this.files.delete(p);
    this.tracks.delete(p);
    this.queue.delete(p);
    if (this.watchedOneByOne.delete(p)) this.fileWatcher?.unwatch(realOrSelf(p));
  }

  /** The database cannot be written: pause, say so (once per problem, at most every logEveryMs), retry later. */
  private onFault(f: StorageFault): void {
    const now = Date.now();
    if (!this.fault) this.fault = { f, since: now, attempts: 0 };
    this.fault.f = f;
    this.fault.attempts++;
    this.probing = false;
    const maxMs = this.opts.retryMaxMs ?? 30_000;
    const delay = backoffMs(this.fault.attempts, this.opts.retryMinMs ?? 1000, maxMs);
    const waiting = this.queue.size;
    const secs = Math.round((now - this.fault.since) / 1000);
    this.limiter.say(
      `fault:${f.code}`,
      `lrscope watch: cannot write the database${secs > 0 ? ` (for ${secs} s)` : ''}: ${f.message}. ` +
        `${waiting} file${waiting === 1 ? '' : 's'} waiting; retrying with back-off (at most every ${fmtMs(maxMs)}), nothing is lost`,
    );
    if (this.faultTimer) clearTimeout(this.faultTimer);
    this.faultTimer = this.closed ? null : setTimeout(() => this.retryAfterFault(), delay);
  }

  /** Tries again what waited (the owed rescan, then the queue): the first write that commits ends the fault. */
  private retryAfterFault(): void {
    this.faultTimer = null;
    if (this.closed || !this.fault) return;
    this.probing = true;
    const rescanned = this.rescanPending;
    if (this.rescanPending) {
      this.rescan();
      if (!this.probing) return; // failed again (onFault rescheduled)
    }
    if (this.queue.size > 0) {
      if (!this.pumping) {
        this.pumping = true;
        setImmediate(() => this.pump());
      }
      return;
    }
    // nothing queued: the fault came from a status or diagnosis write; they are tried again
    this.checkStatuses();
    if (this.probing) this.faultCleared(rescanned);
  }

  /**
   * A write committed (`wrote`), or nothing was left to write, while reading was paused: resume. Only a
   * real write is announced — otherwise the next failure would print its line again at once.
   */
  private faultCleared(wrote: boolean): void {
    if (!this.fault) return;
    const { f, since } = this.fault;
    this.fault = null;
    this.probing = false;
    if (this.faultTimer) {
      clearTimeout(this.faultTimer);
      this.faultTimer = null;
    }
    if (wrote && this.limiter.has(`fault:${f.code}`)) {
      this.limiter.clear(`fault:${f.code}`);
      const secs = Math.round((Date.now() - since) / 1000);
      this.log(`lrscope watch: the database can be written again (after ${secs} s); reading resumes where each file stopped (${this.queue.size + 1} waiting)`);
    }
    for (const runId of this.diagnoseAfterFault) this.scheduleDiagnosis(runId);
    this.diagnoseAfterFault.clear();
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
        const f = storageFault(err);
        if (f) {
          this.diagnoseAfterFault.add(runId); // diagnosed again once writing works
          this.onFault(f);
        } else this.limiter.say(`diagnose:${runId}`, `lrscope watch: diagnosing run ${runId} failed: ${(err as Error).message}`);
      }
    }, delay);
    this.diagnosePending.set(runId, { timer, since });
  }

  /**
   * The safety net under chokidar: inotify can miss a rewrite that follows a rename within a few ms,
   * and network file systems miss events. Incremental: a file is stat'ed when its turn comes — every
   * sweepEveryMs while it changes, then less and less often while it stays quiet (up to sweepMaxMs), so
   * 1,000 finished runs cost a few hundred stats a minute. Files whose inode, size, mtime or ctime moved
   * are read again; failed files when their back-off ends (or they change); gone files are looked into.
   * Also notices a watched folder deleted and recreated, and unreadable folders that became readable.
   */
  private sweep(): void {
    if (this.closed) return;
    const now = Date.now();
    this.checkFolders(now);
    if (this.fault) return; // nothing can be stored; the fault's retry timer resumes
    this.tracks.forEach((tr, p) => {
      if (tr.nextCheck > now && (tr.retryAt === null || tr.retryAt > now)) return;
      if (this.queue.has(p)) return;
      const key = statKey(p);
      if (key === 'gone') {
        this.onGone(p, tr, now);
        return;
      }
      tr.goneSince = null;
      if (this.tracks.wants(tr, key, now)) {
        if (tr.retryAt === null) this.tracks.active(p, now);
        else tr.nextCheck = now + this.sweepBaseMs();
        this.enqueue(p);
      } else if (tr.retryAt !== null) {
        tr.nextCheck = now + this.sweepBaseMs();
      } else this.tracks.quiet(tr, now);
    });
  }

  /**
   * A known file is gone. Confirmed at the next sweep (a folder being deleted loses its files first).
   * If its folder was recreated since the file was read (a run deleted and started again under the same
   * name), the old file's rows go: the new run must not show them. A file gone with its folder, or from
   * a folder that is still the same, keeps its rows (the run shows what it logged; `missing` when its
   * folder is gone). Renames are handled when the new name is read (adoptRenamed).
   */
  private onGone(p: string, tr: FileTrack, now: number): void {
    if (tr.goneSince === null) {
      tr.goneSince = now;
      tr.nextCheck = now + this.sweepBaseMs();
      return;
    }
    const file = this.opts.store.getFile(p);
    if (!file || file.head === null) {
      this.forget(p);
      return;
    }
    if (folderRecreatedSince(path.dirname(p), file.ingestedAt, tr.dirIno)) {
      this.opts.store.resetFile(file);
      this.forget(p);
      this.log(`lrscope watch: ${p} is gone and its folder was made anew: its points are dropped`);
      this.opts.store.refreshStatus(file.runId, now, false);
      this.scheduleDiagnosis(file.runId);
      return;
    }
    this.tracks.quiet(tr, now);
  }

  /** Watched roots deleted and recreated (chokidar stops at a deleted folder), unreadable folders readable again. */
  private checkFolders(now: number): void {
    for (const dir of [...this.roots, ...this.extraRoots]) {
      const id = folderId(dir);
      const before = this.rootIno.get(dir);
      this.rootIno.set(dir, id);
      if (id !== null && before !== undefined && before !== id) {
        this.log(`lrscope watch: ${dir} is back; watching it again`);
        this.rewatch(dir);
      }
    }
    for (const [dir, u] of this.unreadable) {
      if (now < u.retryAt) continue;
      if (canList(dir)) {
        this.unreadable.delete(dir);
        this.limiter.clear(`unreadable:${dir}`);
        this.log(`lrscope watch: ${dir} can be read now`);
        this.rewatch(dir);
      } else {
        u.attempts++;
        u.retryAt = now + backoffMs(u.attempts, this.sweepBaseMs(), 60_000);
      }
    }
  }

  private rewatch(dir: string): void {
    const real = realOrSelf(dir);
    this.watcher?.unwatch(real);
    this.watcher?.add(real);
    this.scheduleRescan();
  }

  /**
   * running → stalled, finished, missing. Only a running run changes status with time alone; the others
   * change with new data (re-derived when it is stored) or when their folder goes or comes back. So the
   * timer re-derives running runs and runs whose folder appeared or vanished — not every run.
   */
  checkStatuses(): void {
    if (this.closed) return;
    const now = Date.now();
    try {
      // the change log only serves live clients and reconnects: keep the last 10 000 entries
      this.opts.store.pruneChanges(10000);
      const runs = this.opts.store.handle.sqlite.prepare('SELECT id, path, status FROM runs').all() as { id: number; path: string; status: string }[];
      for (const r of runs) {
        if (!this.roots.some((root) => r.path === root || r.path.startsWith(root + path.sep))) continue;
        const missing = !fs.existsSync(r.path);
        if (r.status === 'running' || missing !== (r.status === 'missing')) this.opts.store.refreshStatus(r.id, now, missing);
      }
    } catch (err) {
      const f = storageFault(err);
      if (f) this.onFault(f);
      else this.limiter.say('status', `lrscope watch: checking run statuses failed: ${(err as Error).message}`);
    }
  }
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function keyOf(st: fs.Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** inode, size, mtime and ctime (ctime: a permission change is a reason to try a failed file again) */
function statKey(p: string): string {
  try {
    return keyOf(fs.statSync(p));
  } catch {
    return 'gone';
  }
}

function inodeOf(p: string): number | null {
  try {
    return fs.statSync(p).ino;
  } catch {
    return null;
  }
}

/** inode and birth time: a folder deleted and made again at once may get the same inode back */
function folderId(p: string): string | null {
  try {
    const st = fs.statSync(p);
    return `${st.ino}:${st.birthtimeMs}`;
  } catch {
    return null;
  }
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Can the folder be listed (without reading a 100k-entry listing)? */
function canList(dir: string): boolean {
  try {
    fs.opendirSync(dir).closeSync();
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder exists and was made after `readAt` (its birth time, where the file system keeps one), or —
 * without birth times — it is not the folder (inode) the file was read in.
 */
function folderRecreatedSince(dir: string, readAt: number | null, dirIno: number | null): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return false; // gone with its folder: the run is missing, its data stays
  }
  if (st.birthtimeMs > 0 && readAt !== null) return st.birthtimeMs > readAt;
  return dirIno !== null && st.ino !== dirIno;
}
