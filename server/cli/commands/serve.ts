// `lrscope serve`: the dashboard and API on a database, watching nothing (issue 12: one dashboard for a
// team's PostgreSQL database that watchers, `lrscope ingest` and agents on other machines write into).
// The same supervised Next.js process as `lrscope watch` (../dashboard.ts); live updates follow the
// change log, which every writer appends to, so an open page sees what any process wrote.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError } from '../args';
import { openForWrite, type CliIO } from '../context';
import { resolveDbPath } from '../../paths';
import { announceDashboard, DASHBOARD_FLAGS, dashboardSettings, ensureBuild, portIsFree, startDashboard, type Dashboard } from '../dashboard';
import { redactUrl } from '../../db/pg/open';

export const help = `Usage: lrscope serve [--db FILE|URL] [--port 3000] [--host 127.0.0.1] [--token T] [--tls-cert FILE --tls-key FILE] [--read-only]

Serves the dashboard and its API on a database without watching any folder: the team set-up's one
dashboard on a PostgreSQL database (--db postgres://user@host:port/db) that 'lrscope watch
--no-dashboard' and 'lrscope ingest' on other machines write into. Open pages update live from every
writer (the change log is polled). Ctrl-C stops it.

  --db FILE|URL     database file or postgres:// URL (default: $LRSCOPE_DB or .lrscope/lrscope.db)
  --port N          dashboard port (default 3000; 0 picks a free one)
  --host ADDR       dashboard address (default 127.0.0.1; 0.0.0.0 to share on the network)
  --token T         require this access token (16+ characters from A-Z a-z 0-9 . _ ~ -); default:
                    $LRSCOPE_TOKEN, else off loopback a random one, printed in the dashboard address
  --allow-host NAME also answer to this Host name (a DNS name, a reverse proxy; repeatable)
  --tls-cert FILE   serve HTTPS with this certificate (PEM; with --tls-key): agents and browsers on other
  --tls-key FILE    machines then send the token encrypted (an agent trusts a private CA through
                    NODE_EXTRA_CA_CERTS=ca.pem)
  --read-only       the dashboard refuses every change (notes, tags, archive, delete)`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, {
    db: { type: 'string' },
    ...DASHBOARD_FLAGS,
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`serve takes no paths (got '${positionals[0]}'): it watches nothing; use 'lrscope watch' to follow folders`);
  const dash = dashboardSettings(flags);
  const { port, host, access, allowHosts, readOnly } = dash;
  const cert = flags['tls-cert'] as string | undefined;
  const key = flags['tls-key'] as string | undefined;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together (a PEM certificate and its private key)');
  for (const f of [cert, key]) if (f !== undefined && !fs.existsSync(f)) throw new UsageError(`no such file: ${f}`);
  const tls = cert && key ? { cert: path.resolve(cert), key: path.resolve(key) } : null;
  if (!(await portIsFree(port, host))) throw new UsageError(`port ${port} is in use on ${host}: stop the other process or pass --port N`);

  // opened here first: migrations applied, and an unreachable database is one clear line before the build
  const dbPath = resolveDbPath(flags.db as string | undefined);
  openForWrite(flags.db as string | undefined).close();

  let dashboard: Dashboard | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    io.err('\nStopping…\n');
    await dashboard?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    ensureBuild(io.out);
    dashboard = await startDashboard({ port, host, db: dbPath, token: access.token, allowHosts, readOnly, tls });
    dashboard.child.once('exit', (code) => {
      if (!stopping) {
        io.err(`lrscope serve: the dashboard process exited (code ${code}); stopping.\n`);
        void stop(1);
      }
    });
    io.out(`Database: ${redactUrl(dbPath)}\n`);
    announceDashboard(io.out, dash, dashboard.url);
  } catch (err) {
    io.err(`lrscope serve: ${(err as Error).message}\n`);
    await stop(err instanceof UsageError ? 2 : 1);
  }
  await new Promise<void>(() => {}); // runs until a signal
  return 0;
}
