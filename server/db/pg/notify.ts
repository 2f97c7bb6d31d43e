// Live updates on PostgreSQL by LISTEN/NOTIFY: every append to the change log notifies 'lrscope_changes'
// at commit (a trigger, drizzle-pg/0001_changes_notify.sql), from any writer on any machine. One listening
// connection per database URL and process (the dashboard's), asynchronous (node-postgres directly, not
// the synchronous bridge); live.onChange waits on it instead of polling the log every 100 ms. A slow
// safety poll stays (a notification lost with a dropped connection costs at most FALLBACK_MS), and while
// the connection is not listening (starting, reconnecting) the caller polls as before.
import { createRequire } from 'node:module';
import path from 'node:path';
import type pgTypes from 'pg';
import { packageRoot } from '../../paths';

export const CHANNEL = 'lrscope_changes';
/** how long a wait lasts without a notification: a safety net, not the path updates take */
export const FALLBACK_MS = 1000;
const RECONNECT_MS = 1000;

class ChangeListener {
  /** bumped by every notification: a caller that read the log at generation g waits only if none came since */
  generation = 0;
  listening = false;
  private readonly waiters = new Set<() => void>();
  private client: pgTypes.Client | null = null;
  private stopped = false;

  constructor(private readonly url: string) {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    // loaded from the package (not bundled into the Next.js server), as the bridge's worker loads it
    const pg = createRequire(path.join(/*turbopackIgnore: true*/ packageRoot(), 'package.json'))('pg') as typeof pgTypes;
    const client = new pg.Client({ connectionString: this.url, application_name: 'lrscope-live' });
    this.client = client;
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      client.end().catch(() => {});
      this.wake(); // callers go back to polling at once
      if (!this.stopped) setTimeout(() => void this.connect(), RECONNECT_MS).unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      if (n.channel === CHANNEL) this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listening = true;
      this.wake(); // whatever happened before LISTEN: read the log once more
    } catch {
      lost();
    }
  }

  private wake(): void {
    this.generation++;
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** Resolves at the next notification after `generation`, after `ms`, or when `signal` aborts. */
  wait(generation: number, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || generation !== this.generation) return resolve();
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  stop(): void {
    this.stopped = true;
    const c = this.client;
    this.client = null;
    this.listening = false;
    c?.end().catch(() => {});
    this.wake();
  }
}

const listeners = new Map<string, ChangeListener>();

/** The process's listener on `url`'s change log (started on first use). LRSCOPE_PG_LISTEN=0 turns it off (polling only). */
export function changeListener(url: string): ChangeListener | null {
  if (process.env.LRSCOPE_PG_LISTEN === '0') return null;
  let l = listeners.get(url);
  if (!l) listeners.set(url, (l = new ChangeListener(url)));
  return l;
}

/** Stops every listener (tests, shutdown). */
export function stopChangeListeners(): void {
  for (const l of listeners.values()) l.stop();
  listeners.clear();
}

export type { ChangeListener };
