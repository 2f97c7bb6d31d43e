// Sample images LaMa's DirectoryVisualizer writes: <run>/samples/epoch<EEEE>_<kind>/batch<NNNNNNN>.jpg
import fs from 'node:fs';
import path from 'node:path';

export interface SampleGroup {
  epoch: number;
  kind: string;
  files: string[];
}

const DIR = /^epoch(\d+)_(.+)$/;
const IMAGE = /\.(jpe?g|png|webp)$/i;

/** Newest epoch first; within an epoch train, val, test, extra_val_*. */
export function listSamples(runDir: string, limitPerGroup = 8): SampleGroup[] {
  const root = path.join(runDir, 'samples');
  let dirs: string[];
  try {
    dirs = fs.readdirSync(root);
  } catch {
    return [];
  }
  const groups: SampleGroup[] = [];
  for (const d of dirs) {
    const m = DIR.exec(d);
    if (!m) continue;
    let files: string[];
    try {
      files = fs.readdirSync(path.join(root, d)).filter((f) => IMAGE.test(f)).sort();
    } catch {
      continue;
    }
    if (files.length) groups.push({ epoch: Number(m[1]), kind: m[2], files: files.slice(0, limitPerGroup).map((f) => `${d}/${f}`) });
  }
  const order = (k: string) => (k === 'train' ? 0 : k === 'val' ? 1 : k === 'test' ? 2 : 3);
  return groups.sort((a, b) => b.epoch - a.epoch || order(a.kind) - order(b.kind) || a.kind.localeCompare(b.kind));
}

/** What listSamples hands out: `epoch<N>_<kind>/<file>.<jpg|png|webp>`, two plain path segments. */
const SAMPLE_REL = /^epoch\d+_[^/\\]+\/[^/\\]+\.(jpe?g|png|webp)$/i;

function inside(dir: string, p: string): boolean {
  return p.startsWith(dir + path.sep);
}

function realpath(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * The real path of a sample image of a run, or null unless `rel` names an image file that really is in
 * the run's `samples/` folder: only the `epoch…_kind/file.jpg` shape listSamples gives, no `..`, no
 * absolute path, no NUL, and after resolving every symlink still inside the run folder's `samples/`
 * (a symlink pointing out, or a `samples/` that is itself a link out of the run, is refused).
 */
export function samplePath(runDir: string, rel: string): string | null {
  if (rel.length > 1000 || !SAMPLE_REL.test(rel) || rel.includes('\0') || rel.split('/').some((seg) => seg === '..' || seg === '.')) return null;
  const runReal = realpath(runDir);
  if (!runReal) return null;
  const rootReal = realpath(path.join(runReal, 'samples'));
  if (!rootReal || !inside(runReal, rootReal)) return null;
  const fileReal = realpath(path.join(/*turbopackIgnore: true*/ rootReal, rel));
  if (!fileReal || !inside(rootReal, fileReal) || !IMAGE.test(fileReal)) return null;
  try {
    if (!fs.statSync(/*turbopackIgnore: true*/ fileReal).isFile()) return null;
  } catch {
    return null;
  }
  return fileReal;
}
