import { openDb, type DbHandle } from '../db/open';
import { Store } from '../db/store';
import { resolveDbPath } from '../paths';
import { maxOf } from '../lib/reduce';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export function openStore(dbFlag: string | undefined): { handle: DbHandle; store: Store } {
  const handle = openDb(resolveDbPath(dbFlag));
  return { handle, store: new Store(handle) };
}

/** Fixed-width text table for terminal output. */
export function formatTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = headers.map((_, i) => maxOf(cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

export function fmtTime(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
