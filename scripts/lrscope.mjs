#!/usr/bin/env node
// The `lrscope` bin. Runs the CLI compiled at install (dist/cli.mjs, see scripts/build-cli.mjs) while it is
// newer than every source file it was built from; otherwise (no bundle yet, or server/ edited since) it
// compiles the TypeScript through tsx at start, as before — slower, never stale.
// LRSCOPE_CLI=source forces tsx, LRSCOPE_CLI=bundle the bundle; LRSCOPE_CLI_TRACE=1 says which ran;
// LRSCOPE_DIST=DIR uses the bundle built in DIR (tests).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.LRSCOPE_ROOT ??= root;

const dist = process.env.LRSCOPE_DIST ? path.resolve(process.env.LRSCOPE_DIST) : path.join(root, 'dist');

/** dist/cli.mjs when it exists and no source it was built from changed since (a stat per source file). */
function freshBundle() {
  const bundle = path.join(dist, 'cli.mjs');
  try {
    const built = fs.statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(fs.readFileSync(path.join(dist, 'cli.inputs.json'), 'utf8'));
    for (const p of inputs) if (fs.statSync(path.join(root, p)).mtimeMs > built) return null;
    return bundle;
  } catch {
    return null; // no bundle, no inputs list, or a source gone: compile from source
  }
}

const mode = process.env.LRSCOPE_CLI;
const bundle = mode === 'source' ? null : mode === 'bundle' ? path.join(dist, 'cli.mjs') : freshBundle();
if (process.env.LRSCOPE_CLI_TRACE) process.stderr.write(`lrscope: running ${bundle ? path.relative(root, bundle) : 'server/cli/main.ts through tsx'}\n`);
let main;
if (bundle) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(path.join(root, 'server/cli/main.ts')).href));
}
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // main turns every error into one line; this is the last guard (LRSCOPE_DEBUG=1 shows the stack)
  process.stderr.write(`lrscope: ${process.env.LRSCOPE_DEBUG ? (err?.stack ?? err) : (err?.message ?? err)}\n`);
  process.exitCode = 1;
}
