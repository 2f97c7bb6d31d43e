// Starting the dashboard for `lrscope watch`: build when needed, check the port, run the supervised
// Next.js process (scripts/serve.mjs).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { packageRoot } from '../paths';
import { AccessConfigError, chooseToken, displayHost, type TokenChoice } from '../http/access';
import { UsageError, type FlagSpec, type Parsed } from './args';

const SOURCES = ['app', 'server', 'next.config.mjs', 'package.json'];

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

/** True when .next holds a build newer than every source file of the dashboard. */
export function buildIsFresh(root = packageRoot()): boolean {
  const id = path.join(root, '.next', 'BUILD_ID');
  if (!fs.existsSync(id)) return false;
  const built = fs.statSync(id).mtimeMs;
  return SOURCES.every((s) => newestMtime(path.join(root, s)) <= built);
}

export function ensureBuild(log: (s: string) => void): void {
  const root = packageRoot();
  if (buildIsFresh(root)) return;
  log('Building the dashboard (next build, first start or sources changed; ~30 s)…\n');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) throw new Error('next build failed (see the output above)');
}

export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export interface Dashboard {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

export interface DashboardOptions {
  port: number;
  host: string;
  db: string;
  /** the token every request must carry (null: open, loopback only) */
  token?: string | null;
  /** more Host names to answer to */
  allowHosts?: string[];
  /** refuse every tRPC mutation */
  readOnly?: boolean;
  /** serve HTTPS with this certificate and key (PEM files) */
  tls?: { cert: string; key: string } | null;
}

export function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const root = packageRoot();
  const child = fork(path.join(root, 'scripts', 'serve.mjs'), [], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      LRSCOPE_ROOT: root,
      LRSCOPE_DB: opts.db,
      LRSCOPE_HOST: opts.host,
      LRSCOPE_PORT: String(opts.port),
      LRSCOPE_TOKEN: opts.token ?? '',
      LRSCOPE_ALLOW_HOSTS: (opts.allowHosts ?? []).join(','),
      LRSCOPE_READ_ONLY: opts.readOnly ? '1' : '',
      LRSCOPE_TLS_CERT: opts.tls?.cert ?? '',
      LRSCOPE_TLS_KEY: opts.tls?.key ?? '',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string; port?: number; code?: string; message?: string }) => {
      if (m.type === 'ready') {
        resolve({ child, url: `${opts.tls ? 'https' : 'http'}://${displayHost(opts.host)}:${m.port}`, stop });
      } else if (m.type === 'error') {
        reject(new Error(m.code === 'EADDRINUSE' ? `port ${opts.port} is in use on ${opts.host}: stop the other process or pass --port N` : `dashboard failed: ${m.message}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`dashboard process exited (code ${code})`)));
  });
}

/** The flags `watch` and `serve` share for their dashboard. */
export const DASHBOARD_FLAGS: FlagSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  'allow-host': { type: 'multi' },
  'read-only': { type: 'boolean' },
};

export interface DashboardSettings {
  port: number;
  host: string;
  access: TokenChoice;
  allowHosts: string[];
  readOnly: boolean;
}

/** DASHBOARD_FLAGS read and checked: a bad port or token is a UsageError (one line, exit 2). */
export function dashboardSettings(flags: Parsed['flags']): DashboardSettings {
  const port = flags.port === undefined ? 3000 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got '${flags.port}')`);
  const host = (flags.host as string | undefined) ?? '127.0.0.1';
  let access: TokenChoice;
  try {
    access = chooseToken({ host, flag: flags.token as string | undefined, env: process.env.LRSCOPE_TOKEN });
  } catch (e) {
    if (e instanceof AccessConfigError) throw new UsageError(e.message);
    throw e;
  }
  return { port, host, access, allowHosts: (flags['allow-host'] as string[] | undefined) ?? [], readOnly: flags['read-only'] === true };
}

/** The lines that tell the user where the dashboard is and how it is guarded. */
export function announceDashboard(out: (s: string) => void, d: DashboardSettings, url: string): void {
  if (d.access.generated) out(`Bound to ${d.host}: every request needs the access token generated below (or pass --token / $LRSCOPE_TOKEN).\n`);
  if (d.readOnly) out('Read-only: the dashboard refuses every change.\n');
  // the token rides in the address once; the dashboard then sets a cookie and drops it from the URL
  out(`Dashboard: ${url}${d.access.token ? `/?token=${d.access.token}` : ''}   (Ctrl-C to stop)\n`);
}
