import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, UsageError } from '../args';
import { openForRead, openForWrite, type CliIO } from '../context';
import { openDb, type DbHandle } from '../../db/open';
import { Store } from '../../db/store';
import { loadRunData } from '../../db/runData';
import { diagnoseRun } from '../../analysis/diagnose';
import { ingestPaths } from '../../ingest/ingest';
import { resolveRunRef, RunLookupError } from '../../db/runs';
import { refreshFindings } from '../../services/diagnosis';
import type { Finding } from '../../analysis/types';

export const help = `Usage: lrscope diagnose <run|path>... [--db FILE] [--json]

Detects oscillation, plateaus, overfitting, divergence, GAN imbalance, slow convergence and GPU
under-use in a run, and suggests the learning-rate schedule change for each problem — with the
parameters computed from the run, the YAML for configs/training/optimizers/, the Python for
configure_optimizers, and the LR curve the change would produce.

  <run>      an id, a unique run name or a run's path in the database
  <path>     a folder: it is ingested first (into --db, or a temporary database without --db)
             and every run found in it is diagnosed
  --json     print {"runs":[{"id","name","path","findings":[{"kind","severity","metrics","startStep",
             "endStep","summary","evidence","suggestions":[{"title","scheduler","params","config",
             "code","previewLr"}]}]}]}
  --db FILE  database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)`;

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, { db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (!positionals.length) throw new UsageError('diagnose needs at least one run or path');
  const paths = positionals.filter((p) => fs.existsSync(p));
  const refs = positionals.filter((p) => !fs.existsSync(p));
  let tmp: string | null = null;
  let handle: DbHandle;
  // runs only: the database is read, never created or written (findings are computed, not stored);
  // paths are ingested: into --db / $LRSCOPE_DB (or the default) when runs are named too, else a temporary one
  if (!paths.length) handle = openForRead(flags.db as string | undefined);
  else if (flags.db || refs.length || process.env.LRSCOPE_DB) handle = openForWrite(flags.db as string | undefined);
  else {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-diagnose-'));
    handle = openDb(path.join(tmp, 'lrscope.db'));
  }
  try {
    const store = paths.length ? new Store(handle) : null;
    const ids: number[] = [];
    for (const ref of refs) {
      try {
        ids.push(resolveRunRef(handle.sqlite, ref).id);
      } catch (e) {
        if (e instanceof RunLookupError) throw new UsageError(`${e.message} (and no such file or folder)`);
        throw e;
      }
    }
    if (store) {
      const summary = ingestPaths(store, paths.map((p) => path.resolve(p)));
      for (const r of summary.runs) if (!ids.includes(r.id)) ids.push(r.id);
      if (!summary.runs.length && !refs.length) throw new UsageError(`no runs found under ${paths.join(', ')}`);
    }
    const out = ids.map((id) => {
      const r = handle.sqlite.prepare('SELECT id, name, path FROM runs WHERE id = ?').get(id) as { id: number; name: string; path: string };
      const data = store ? null : loadRunData(handle.sqlite, id);
      const findings = store ? refreshFindings(store, id) : data ? diagnoseRun(data) : [];
      return { id: r.id, name: r.name, path: r.path, findings: findings.map(contractFinding) };
    });
    if (flags.json) {
      io.out(JSON.stringify({ runs: out }) + '\n');
      return 0;
    }
    for (const r of out) {
      io.out(`run ${r.id} ${r.name}\n`);
      if (!r.findings.length) io.out('  no findings: nothing in this run calls for a schedule change.\n');
      for (const f of r.findings) {
        io.out(`  [${f.severity}] ${f.kind} (steps ${f.startStep}–${f.endStep}, ${f.metrics.join(', ')}): ${f.summary}\n`);
        for (const s of f.suggestions) {
          io.out(`    → ${s.title}\n`);
          io.out(s.config.replace(/^/gm, '      ') + '\n');
        }
      }
    }
    return 0;
  } finally {
    handle.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Exactly the keys of the documented JSON contract, in its order. */
function contractFinding(f: Finding) {
  return {
    kind: f.kind,
    severity: f.severity,
    metrics: f.metrics,
    startStep: f.startStep,
    endStep: f.endStep,
    summary: f.summary,
    evidence: f.evidence,
    suggestions: f.suggestions.map((s) => ({
      title: s.title,
      scheduler: s.scheduler,
      params: s.params,
      config: s.config,
      code: s.code,
      previewLr: s.previewLr,
    })),
  };
}
