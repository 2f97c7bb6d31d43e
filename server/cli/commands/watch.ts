import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError } from '../args';
import { openForWrite, type CliIO } from '../context';
import { Store } from '../../db/store';
import { resolveDbPath } from '../../paths';
import { RunWatcher } from '../../watch/watcher';
import { announceDashboard, DASHBOARD_FLAGS, dashboardSettings, ensureBuild, portIsFree, startDashboard, type Dashboard } from '../dashboard';

export const help = `Usage: lrscope watch <path>... [--db FILE] [--port 3000] [--host 127.0.0.1] [--token T] [--read-only] [--poll [MS]]

Ingests every run under the paths, keeps following them while they train (new runs, new event files,
growing logs, files replaced or truncated, runs deleted), and serves the dashboard. One process:
the watcher, plus the Next.js dashboard it supervises. Ctrl-C stops both.

  --db FILE         database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)
  --port N          dashboard port (default 3000)
  --host ADDR       dashboard address (default 127.0.0.1; 0.0.0.0 to share on the network)
  --token T         require this access token (16+ characters from A-Z a-z 0-9 . _ ~ -), also on
                    loopback; default: $LRSCOPE_TOKEN, else off loopback a random one, printed in
                    the dashboard address (open it once: a cookie keeps you in)
  --allow-host NAME also answer to this Host name, on any port (a DNS name, a reverse proxy, an SSH
                    tunnel's local port; repeatable); other Host names are refused (DNS rebinding)
  --read-only       the dashboard refuses every change (tRPC mutations answer FORBIDDEN)
  --poll [MS]       poll files every MS ms (default 1000) instead of inotify: for NFS/SMB/sshfs folders
  --demo-when-empty if the paths hold no run yet, also start 'lrscope demo <first path>/demo' (npm start)
  --no-dashboard    only watch and ingest`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, {
    db: { type: 'string' },
    ...DASHBOARD_FLAGS,
    poll: { type: 'optional-number' },
    'demo-when-empty': { type: 'boolean' },
    'no-dashboard': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (!positionals.length) throw new UsageError('watch needs at least one path');
  const dash = dashboardSettings(flags);
  const { port, host, access, allowHosts, readOnly } = dash;
  const pollMs = flags.poll === undefined ? null : flags.poll === true ? 1000 : (flags.poll as number);
  const demoWhenEmpty = flags['demo-when-empty'] === true;
  for (const p of positionals) {
    if (!fs.existsSync(p)) {
      if (demoWhenEmpty) fs.mkdirSync(p, { recursive: true });
      else throw new UsageError(`no such folder: ${p}`);
    } else if (!fs.statSync(p).isDirectory()) {
      throw new UsageError(`${p} is a file: watch follows folders (pass its run folder, ${path.dirname(p)})`);
    }
  }
  const dbPath = resolveDbPath(flags.db as string | undefined);
  const withDashboard = flags['no-dashboard'] !== true;
  if (withDashboard && !(await portIsFree(port, host))) {
    throw new UsageError(`port ${port} is in use on ${host}: stop the other process or pass --port N`);
  }

  const handle = openForWrite(flags.db as string | undefined);
  const store = new Store(handle);
  const watcher = new RunWatcher({ paths: positionals, store, pollMs, log: (l) => io.err(l + '\n') });
  let dashboard: Dashboard | null = null;
  let demo: { stop(): Promise<void> } | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    io.err('\nStopping…\n');
    await demo?.stop();
    await watcher.close();
    await dashboard?.stop();
    handle.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    if (withDashboard) {
      ensureBuild(io.out);
      dashboard = await startDashboard({ port, host, db: dbPath, token: access.token, allowHosts, readOnly });
      dashboard.child.once('exit', (code) => {
        if (!stopping) {
          io.err(`lrscope watch: the dashboard process exited (code ${code}); stopping.\n`);
          void stop(1);
        }
      });
    }
    io.out(`Watching ${positionals.map((p) => path.resolve(p)).join(', ')}${pollMs ? ` (polling every ${pollMs} ms)` : ''}\n`);
    io.out(`Database: ${dbPath}\n`);
    await watcher.start();
    const runs = (handle.sqlite.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
    io.out(`${runs} run${runs === 1 ? '' : 's'} in the database.\n`);
    if (demoWhenEmpty && runsUnder(handle.sqlite, positionals) === 0) {
      const dir = path.resolve(positionals[0], 'demo');
      const { startDemo } = await import('../../demo/demoWriter');
      demo = startDemo({ dir, scenario: 'healthy', speed: 1, steps: 200_000 });
      io.out(`No runs in ${positionals[0]} yet: started a simulated LaMa job writing to ${dir} (lrscope demo) so there is something live to look at.\n`);
    }
    if (dashboard) {
      announceDashboard(io.out, dash, dashboard.url);
    }
  } catch (err) {
    io.err(`lrscope watch: ${(err as Error).message}\n`);
    await stop(err instanceof UsageError ? 2 : 1);
  }
  await new Promise<void>(() => {}); // runs until a signal
  return 0;
}

function runsUnder(sqlite: import('../../db/sqlDb').SqlDb, roots: string[]): number {
  const abs = roots.map((r) => path.resolve(r));
  const rows = sqlite.prepare('SELECT path FROM runs').all() as { path: string }[];
  return rows.filter((r) => abs.some((a) => r.path === a || r.path.startsWith(a + path.sep))).length;
}
