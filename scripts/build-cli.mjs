#!/usr/bin/env node
// Compiles the CLI once (npm's `prepare`, i.e. every `npm install` / `npm ci` in this folder, or
// `npm run build:cli`): server/cli/main.ts → dist/cli.mjs and the decode worker → dist/decodeWorker.mjs,
// one ESM file each with the npm packages left as imports. scripts/lrscope.mjs runs the bundle while it is
// newer than every source file it was built from (dist/cli.inputs.json), and falls back to compiling
// through tsx otherwise, so an edit under server/ never runs stale code.
//
//   node scripts/build-cli.mjs [--outdir DIR] [--quiet]
//
// Without esbuild (a production install without devDependencies) it says so and exits 0: the CLI then
// runs through tsx, as before.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const i = args.indexOf('--outdir');
const outdir = path.resolve(i >= 0 ? args[i + 1] : path.join(root, 'dist'));

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('lrscope: esbuild is not installed, the CLI is not pre-compiled (it runs through tsx: slower start)');
  process.exit(0);
}

const t0 = performance.now();
const started = new Date();
// built into a temporary folder and renamed file by file: a CLI starting meanwhile sees the old bundle or
// the new one, never half of one
const tmp = fs.mkdtempSync(path.join(path.dirname(outdir), `.${path.basename(outdir)}-build-`));
try {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { cli: 'server/cli/main.ts', decodeWorker: 'server/ingest/decodeWorker.ts' },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // each command is its own chunk, loaded when used: `lrscope --help` loads none of them. Chunks sit
    // beside cli.mjs: chunkSource's new URL('./decodeWorker.mjs', import.meta.url) must find the worker
    splitting: true,
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  // the sources the bundle was made from: the launcher compares their mtimes with the bundle's
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/')).sort();
  fs.writeFileSync(path.join(tmp, 'cli.inputs.json'), JSON.stringify({ inputs }) + '\n');
  fs.mkdirSync(outdir, { recursive: true });
  // the bundle last: its mtime is what "built at" means to the launcher
  const files = fs.readdirSync(tmp);
  files.sort((a, b) => (a === 'cli.mjs') - (b === 'cli.mjs'));
  // stamped with the build's start: a source saved while esbuild ran is newer, so the bundle counts as stale
  fs.utimesSync(path.join(tmp, 'cli.mjs'), started, started);
  const before = fs.existsSync(outdir) ? fs.readdirSync(outdir) : [];
  for (const f of files) fs.renameSync(path.join(tmp, f), path.join(outdir, f));
  // chunks of earlier builds (content-hashed names) are no longer referenced
  for (const f of before) if (/-[A-Z0-9]{8}\.mjs(\.map)?$/.test(f) && !files.includes(f)) fs.rmSync(path.join(outdir, f), { force: true });
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
if (!quiet) console.log(`lrscope: CLI compiled to ${path.relative(process.cwd(), outdir) || '.'}/cli.mjs in ${Math.round(performance.now() - t0)} ms`);
