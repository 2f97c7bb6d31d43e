import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lrscope package folder (holds drizzle/ migrations). The CLI shim sets LRSCOPE_ROOT. */
export function packageRoot(): string {
  if (process.env.LRSCOPE_ROOT) return process.env.LRSCOPE_ROOT;
  try {
    const here = path.resolve(/*turbopackIgnore: true*/ path.dirname(fileURLToPath(import.meta.url)), '..');
    if (fs.existsSync(/*turbopackIgnore: true*/ path.join(here, 'drizzle'))) return here;
  } catch {
    // bundled (Next.js): import.meta.url is not a file URL; fall through to cwd
  }
  return process.cwd();
}

/** `--db FILE` beats `LRSCOPE_DB`, which beats `.lrscope/lrscope.db` under the working directory. */
export function resolveDbPath(flag?: string): string {
  const chosen = flag ?? process.env.LRSCOPE_DB ?? path.join('.lrscope', 'lrscope.db');
  // a PostgreSQL URL (postgres://user@host:port/db) is taken as it is
  if (/^postgres(ql)?:\/\//i.test(chosen)) return chosen;
  return path.resolve(/*turbopackIgnore: true*/ chosen);
}
