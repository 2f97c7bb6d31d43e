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

/** Absolute path of a sample image, or null when `rel` escapes the run's samples folder. */
export function samplePath(runDir: string, rel: string): string | null {
  const root = path.resolve(runDir, 'samples');
  const full = path.resolve(root, rel);
  if (!full.startsWith(root + path.sep) || !IMAGE.test(full)) return null;
  return full;
}
