import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError } from '../args';
import { openStore, type CliIO } from '../context';
import { ingestPaths } from '../../ingest/ingest';
import { discoverRuns } from '../../ingest/discover';
import { refreshFindings } from '../../services/diagnosis';

export const help = `Usage: lrscope ingest <path>... [--db FILE]

Reads every run under the given paths (a LaMa experiments/ folder, one run folder, a tb_logs/ folder,
lightning_logs/, or a whole project) into the database, once. A file (an event file, metrics.csv, …)
means the run it belongs to, and only that run. Files already ingested contribute only
the bytes they gained; a file that was replaced or shrank is read again. Runs that changed are
diagnosed (see 'lrscope diagnose'), so the dashboard shows their findings.

  --db FILE           database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)
  --include-deleted   also read runs deleted in the dashboard (they are skipped otherwise) and restore them
  -h, --help          show this help

Exit status: 0 when the paths were read (problems inside files are listed by 'lrscope errors'),
2 when the arguments are unusable.`;

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, { db: { type: 'string' }, 'include-deleted': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (!positionals.length) throw new UsageError('ingest needs at least one path');
  for (const p of positionals) {
    if (!fs.existsSync(p)) throw new UsageError(`no such file or folder: ${p}`);
    // a file means the run it belongs to (that run only, not everything beside it)
    if (!fs.statSync(p).isDirectory() && !discoverRuns([p]).runs.some((r) => r.files.some((f) => f.path === path.resolve(p)))) {
      throw new UsageError(`${p} is not a file of a run lrscope reads (an event file, metrics.csv, train.log, a config, a GPU log): pass a run folder`);
    }
  }
  const { handle, store } = openStore(flags.db as string | undefined);
  try {
    const s = ingestPaths(store, positionals.map((p) => path.resolve(p)), { includeDeleted: !!flags['include-deleted'] });
    // the dashboard's findings column and run page read stored findings: diagnose what changed
    for (const r of s.runs) if (r.changed > 0) refreshFindings(store, r.id);
    for (const r of s.runs) {
      io.out(`${r.isNew ? 'new ' : '    '} run ${r.id} ${r.name} (${r.kind}): ${r.points} points, ${r.changed}/${r.files} files changed${r.issues ? `, ${r.issues} errors` : ''}\n`);
    }
    io.out(
      `Ingested ${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, ${s.points} points, ${s.files} files (${s.changedFiles} changed), ${s.errors} errors into ${handle.file}\n`,
    );
    if (s.skippedDeleted.length) {
      const n = s.skippedDeleted.length;
      io.out(`Skipped ${n} deleted run${n === 1 ? '' : 's'} (${s.skippedDeleted.join(', ')}); --include-deleted reads ${n === 1 ? 'it' : 'them'} again.\n`);
    }
    if (s.errors) io.out(`See 'lrscope errors${flags.db ? ` --db ${flags.db}` : ''}' for the problems found.\n`);
    return 0;
  } finally {
    handle.close();
  }
}
