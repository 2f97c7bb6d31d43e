// A throw-away PostgreSQL cluster for tests and benchmarks: initdb in a temp folder, pg_ctl start on a free
// port (TCP on 127.0.0.1 and a unix socket in the temp folder), torn down by stop(). initdb refuses to run
// as root: as root the cluster runs as the `postgres` user (runuser), otherwise as the current user.
// Missing binaries are an error with the fix, never a skipped test.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PgCluster {
  /** postgres://lrscope@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** a new, empty database; its URL */
  createDb(name?: string): string;
  stop(): void;
}

export const PG_MISSING =
  'PostgreSQL server binaries (initdb, pg_ctl) not found. Fix: apt-get install -y postgresql (or set LRSCOPE_PG_BIN to their folder)';

/** The folder holding initdb and pg_ctl: $LRSCOPE_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function pgBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.LRSCOPE_PG_BIN) candidates.push(process.env.LRSCOPE_PG_BIN);
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(base, v, 'bin'));
  }
  return candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl'))) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary as a user initdb accepts (postgres when we are root). */
function runPg(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error(PG_MISSING);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-pg-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  fs.mkdirSync(sock);
  if (isRoot()) {
    // the cluster runs as postgres: it owns the folder
    execFileSync('chown', ['-R', 'postgres:', dir]);
  }
  runPg(path.join(bin, 'initdb'), ['-D', data, '-U', 'lrscope', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions']);
  let port = 0;
  let lastErr: unknown = null;
  for (let attempt = 0; attempt < 5 && !port; attempt++) {
    const p = await freePort();
    try {
      runPg(path.join(bin, 'pg_ctl'), [
        '-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start',
        '-o', `-p ${p} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`,
      ]);
      port = p;
    } catch (err) {
      lastErr = err; // the port was taken between the probe and the start: another one
    }
  }
  if (!port) throw lastErr instanceof Error ? lastErr : new Error('could not start PostgreSQL');
  const psql = fs.existsSync(path.join(bin, 'psql')) ? path.join(bin, 'psql') : 'psql';
  let stopped = false;
  let n = 0;
  return {
    url: `postgres://lrscope@127.0.0.1:${port}/postgres`,
    port,
    dir,
    createDb(name = `db${++n}_${process.pid}`) {
      execFileSync(psql, ['-h', '127.0.0.1', '-p', String(port), '-U', 'lrscope', '-d', 'postgres', '-qAtc', `CREATE DATABASE "${name}"`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      return `postgres://lrscope@127.0.0.1:${port}/${name}`;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        runPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
