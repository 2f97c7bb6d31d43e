// `lrscope export-db --from DB --to DB`: every run with all its rows from one database into another
// (db/copyRun.ts). Either side a SQLite file or a postgres:// URL.
import { parseArgs, UsageError } from '../args';
import { openForRead, openForWrite, type CliIO } from '../context';
import { Store } from '../../db/store';
import { resolveDbPath } from '../../paths';
import { copyRuns } from '../../db/copyRun';
import { fileHost } from '../../db/pg/host';
import { redactUrl } from '../../db/pg/open';

export const help = `Usage: lrscope export-db --from FILE|URL --to FILE|URL

Copies every run, with everything stored about it (series, points, series summaries, GPU samples,
validation tables, findings, ingest errors, the files and their read offsets, notes, tags, alias,
archive state), from one database into another: a local history into the team's PostgreSQL database
(--to postgres://user@host:port/db) or back into a file. Idempotent: a run the destination already
holds unchanged is skipped; one that differs is replaced by the source's copy. Files keep their
offsets, so 'lrscope watch' on this machine continues where the source stopped: the source's own host
(SQLite: '', PostgreSQL: this machine's name; $LRSCOPE_SOURCE_HOST names it) becomes the destination's.

  --from FILE|URL   the database to read (not changed)
  --to FILE|URL     the database to write (created / migrated when needed)`;

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`export-db takes --from and --to, no arguments (got '${positionals[0]}')`);
  if (typeof flags.from !== 'string' || typeof flags.to !== 'string') throw new UsageError('export-db needs --from DB and --to DB');
  const from = resolveDbPath(flags.from);
  const to = resolveDbPath(flags.to);
  if (from === to) throw new UsageError('--from and --to are the same database');
  const src = openForRead(flags.from);
  try {
    const dst = openForWrite(flags.to);
    try {
      const store = new Store(dst);
      const t = Date.now();
      const r = copyRuns(src.sqlite, store, { from: fileHost(src), to: store.host }, (line) => io.out(`  ${line}\n`));
      io.out(
        `Copied ${r.copied} run${r.copied === 1 ? '' : 's'} (${r.points} points) from ${redactUrl(from)} to ${redactUrl(to)}` +
          `${r.unchanged ? `; ${r.unchanged} already there unchanged` : ''} in ${((Date.now() - t) / 1000).toFixed(1)} s.\n`,
      );
    } finally {
      dst.close();
    }
  } finally {
    src.close();
  }
  return 0;
}
