// What the watcher knows about each file between reads: the stat it was last read at, when the sweep
// should look at it again (often while it changes, rarely once it has been quiet), and whether reading
// it failed (then it is tried again with back-off). No I/O here.
import { backoffMs } from './backoff';

export interface TrackTimes {
  /** sweep interval of a file that just changed */
  baseMs: number;
  /** the interval doubles while the file stays unchanged, up to this */
  maxMs: number;
  /** first retry of a file whose read failed, doubling up to fileRetryMaxMs */
  retryMinMs: number;
  retryMaxMs: number;
}

export interface FileTrack {
  /** `ino:size:mtime:ctime` when last read completely; null before (or after a failure) */
  key: string | null;
  /** inode of the file's folder when it was read (to tell a recreated folder where birthtimes are missing) */
  dirIno: number | null;
  interval: number;
  nextCheck: number;
  /** reads that failed in a row, the next retry time, and the stat key then */
  failures: number;
  retryAt: number | null;
  failedKey: string | null;
  lastAttempt: number;
  /** first sweep that found the file gone (it is acted on at the next one) */
  goneSince: number | null;
}

export class FileTracks {
  private readonly tracks = new Map<string, FileTrack>();

  constructor(private readonly t: TrackTimes) {}

  get size(): number {
    return this.tracks.size;
  }

  get(p: string): FileTrack | undefined {
    return this.tracks.get(p);
  }

  /** A new file: checked at the next sweep. */
  add(p: string, now: number): FileTrack {
    let tr = this.tracks.get(p);
    if (!tr) {
      tr = { key: null, dirIno: null, interval: this.t.baseMs, nextCheck: now, failures: 0, retryAt: null, failedKey: null, lastAttempt: 0, goneSince: null };
      this.tracks.set(p, tr);
    }
    return tr;
  }

  delete(p: string): void {
    this.tracks.delete(p);
  }

  /** Every track (no entry arrays allocated: the sweep walks thousands every 2 s). Deleting meanwhile is fine. */
  forEach(fn: (tr: FileTrack, p: string) => void): void {
    this.tracks.forEach(fn);
  }

  /** The file changed (an event or the sweep saw it): look at it often again. */
  active(p: string, now: number): void {
    const tr = this.add(p, now);
    tr.interval = this.t.baseMs;
    tr.nextCheck = now + tr.interval;
  }

  /** The sweep found it as it was: look less often. */
  quiet(tr: FileTrack, now: number): void {
    tr.interval = Math.min(this.t.maxMs, tr.interval * 2);
    tr.nextCheck = now + tr.interval;
  }

  /** Read completely at stat `key`. Returns true when it had been failing (a recovery to report). */
  read(p: string, key: string, dirIno: number | null, now: number): boolean {
    const tr = this.add(p, now);
    const recovered = tr.failures > 0;
    tr.key = key;
    if (dirIno !== null) tr.dirIno = dirIno;
    tr.failures = 0;
    tr.retryAt = null;
    tr.failedKey = null;
    tr.lastAttempt = now;
    tr.goneSince = null;
    tr.interval = this.t.baseMs;
    tr.nextCheck = now + tr.interval;
    return recovered;
  }

  /** Reading failed at stat `key`: the next try is after a back-off. Returns the delay. */
  failed(p: string, key: string, now: number): number {
    const tr = this.add(p, now);
    tr.failures++;
    tr.key = null;
    tr.failedKey = key;
    tr.lastAttempt = now;
    const delay = backoffMs(tr.failures, this.t.retryMinMs, this.t.retryMaxMs);
    tr.retryAt = now + delay;
    tr.nextCheck = now + this.t.baseMs; // a change (permissions granted, the file rewritten) is noticed sooner
    return delay;
  }

  /**
   * Whether a file should be read now, given its current stat key: it changed since it was read, or —
   * after a failure — its back-off is over, or it changed and the last try is at least retryMinMs old.
   */
  wants(tr: FileTrack, key: string, now: number): boolean {
    if (tr.retryAt !== null) return now >= tr.retryAt || (key !== tr.failedKey && now - tr.lastAttempt >= this.t.retryMinMs);
    return key !== tr.key;
  }
}
