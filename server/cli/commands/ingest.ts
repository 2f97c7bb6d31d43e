import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError } from '../args';
import { openStore, type CliIO } from '../context';
import { ingestPaths } from '../../ingest/ingest';
import { refreshFindings } from '../../services/diagnosis';

export const help = `Usage: lrscope ingest <path>... [--db FILE]

Reads every run under the given paths (a LaMa experiments/ folder, one run folder, a tb_logs/ folder,
lightning_logs/, or a whole project) into the database, once. Files already ingested contribute only
the bytes they gained; a file that was replaced or shrank is read again. Runs that changed are
diagnosed (see 'lrscope diagnose'), so the dashboard shows their findings.

  --db FILE   database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)
  -h, --help  show this help

Exit status: 0 when the paths were read (problems inside files are listed by 'lrscope errors'),
2 when the arguments are unusable.`;

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (!positionals.length) throw new UsageError('ingest needs at least one path');
  for (const p of positionals) {
    if (!fs.existsSync(p)) throw new UsageError(`no such file or folder: ${p}`);
  }
  const { handle, store } = openStore(flags.db as string | undefined);
  try {
    const s = ingestPaths(store, positionals.map((p) => path.resolve(p)));
    // the dashboard's findings column and run page read stored findings: diagnose what changed
    for (const r of s.runs) if (r.changed > 0) refreshFindings(store, r.id);
    for (const r of s.runs) {
      io.out(`${r.isNew ? 'new ' : '    '} run ${r.id} ${r.name} (${r.kind}): ${r.points} points, ${r.changed}/${r.files} files changed${r.issues ? `, ${r.issues} errors` : ''}\n`);
    }
    io.out(
      `Ingested ${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, ${s.points} points, ${s.files} files (${s.changedFiles} changed), ${s.errors} errors into ${handle.file}\n`,
    );
    if (s.errors) io.out(`See 'lrscope errors${flags.db ? ` --db ${flags.db}` : ''}' for the problems found.\n`);
    return 0;
  } finally {
    handle.close();
  }
}
