import { parseArgs, UsageError } from '../args';
import { openForRead, type CliIO } from '../context';
import { resolveRunRef, RunLookupError } from '../../db/runs';
import { iteratePoints, tagsOfRun } from '../../db/points';
import { csvText } from '../../lib/csv';

export const help = `Usage: lrscope export <run> [--tag TAG]... [--format csv|json] [--db FILE]

Prints every stored point of a run (tag, step, wall_time, value) exactly as stored, ordered by tag,
restart segment and step. Values print with enough digits to round-trip (float32 values from event
files read back bit-exact); NaN, Infinity and -Infinity print as such (strings in JSON). In CSV a tag
starting with = + - @ gets a leading ' so spreadsheets do not run it as a formula.

  <run>            an id, a unique run name, or a path
  --tag TAG        only this tag (repeatable)
  --format FORMAT  csv (default) or json: {"run":{"id","name"},"points":[{"tag","step","wall_time","value"}]}
  --db FILE        database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)`;

function num(v: number | null): string {
  if (v === null) return '';
  if (Number.isNaN(v)) return 'NaN';
  return String(v); // shortest text that parses back to the same double
}

function jsonNum(v: number | null): string {
  if (v === null) return 'null';
  return Number.isFinite(v) ? String(v) : JSON.stringify(num(v));
}

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, {
    db: { type: 'string' },
    tag: { type: 'multi' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('export needs exactly one <run>');
  const format = (flags.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json (got '${format}')`);
  const handle = openForRead(flags.db as string | undefined);
  try {
    let run;
    try {
      run = resolveRunRef(handle.sqlite, positionals[0]);
    } catch (e) {
      if (e instanceof RunLookupError) throw new UsageError(e.message);
      throw e;
    }
    const tags = (flags.tag as string[] | undefined) ?? [];
    const known = new Set(tagsOfRun(handle.sqlite, run.id));
    const unknown = tags.filter((t) => !known.has(t));
    if (unknown.length) throw new UsageError(`run ${run.id} has no tag ${unknown.map((t) => `'${t}'`).join(', ')}`);
    // Buffered writes: a run can hold millions of points.
    let buf = '';
    const flush = (force = false) => {
      if (buf.length > 1 << 16 || force) {
        io.out(buf);
        buf = '';
      }
    };
    if (format === 'csv') {
      buf += 'tag,step,wall_time,value\n';
      for (const p of iteratePoints(handle.sqlite, run.id, tags)) {
        buf += `${csvText(p.tag)},${p.step},${num(p.wallTime)},${num(p.value)}\n`;
        flush();
      }
    } else {
      buf += `{"run":${JSON.stringify({ id: run.id, name: run.name })},"points":[`;
      let first = true;
      for (const p of iteratePoints(handle.sqlite, run.id, tags)) {
        buf += `${first ? '' : ','}\n{"tag":${JSON.stringify(p.tag)},"step":${p.step},"wall_time":${jsonNum(p.wallTime)},"value":${jsonNum(p.value)}}`;
        first = false;
        flush();
      }
      buf += '\n]}\n';
    }
    flush(true);
    return 0;
  } finally {
    handle.close();
  }
}
