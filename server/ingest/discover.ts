// Which files make which run. Walks the given paths (I/O at the edge) and returns run plans; the
// readers and the store never look at the file system layout.
import fs from 'node:fs';
import path from 'node:path';
import type { FileKind, RunKind } from '../db/schema';
import { MAX_CONFIG_BYTES, parseConfigYaml, tbDirOf, type ConfigValue } from './hydraConfig';
import { isEventFileName, parseLamaRunName } from './runName';
import { sniffGpuLog } from './gpuLog';

export interface PlannedFile {
  path: string;
  kind: FileKind;
  /** series-name prefix for event files in add_scalars sub-folders ('' otherwise) */
  tagPrefix: string;
}

export interface RunPlan {
  key: string;
  name: string;
  path: string;
  kind: RunKind;
  files: PlannedFile[];
}

export interface Discovery {
  runs: RunPlan[];
  /** paths that could not be read (permissions, vanished) */
  issues: { path: string; reason: string }[];
  /** folders that exist but could not be listed (no permission): the watcher tries them again later */
  unreadable: string[];
  /**
   * folders walked through a symbolic link (or a root that is one): `path` as the runs' files name it,
   * `real` where it really is. Each real folder is walked once, whichever way is met first.
   */
  links: { path: string; real: string }[];
  /**
   * folders holding more than CROWDED_ENTRIES files, with their sub-folders (SKIP_DIRS left out): the
   * watcher watches their run files one by one and their sub-folders, not the folder itself
   */
  crowded: { path: string; subdirs: string[] }[];
}

/** A folder with more files than this is "crowded" (frames or samples written next to the logs). */
export const CROWDED_ENTRIES = 10_000;

const SKIP_DIRS = new Set(['node_modules', '.git', '.lrscope', '.next', '__pycache__', 'models', 'samples', '.ipynb_checkpoints']);
const CONFIG_FILES: Record<string, FileKind> = {
  'config.yaml': 'config',
};
const HYDRA_FILES: Record<string, FileKind> = {
  'config.yaml': 'hydra_config',
  'hydra.yaml': 'hydra_hydra',
  'overrides.yaml': 'hydra_overrides',
};
const VERSION_DIR = /^version_\d+$/;
const SNIFF_BYTES = 4096;
/** Text files worth sniffing for GPU logs by content; binaries and known files are not. */
const NOT_GPU = /\.(ckpt|pt|pth|jpg|jpeg|png|gif|yaml|yml|json|pkl|npy|npz|zip|gz|tar)$/i;

interface Walked {
  dirs: Map<string, { files: string[]; subdirs: string[] }>;
  byBase: Map<string, string[]>;
}

interface WalkNotes {
  issues: Discovery['issues'];
  unreadable: string[];
  links: Discovery['links'];
  crowded: Discovery['crowded'];
}

function walk(roots: string[], notes: WalkNotes): Walked {
  const dirs: Walked['dirs'] = new Map();
  const byBase: Walked['byBase'] = new Map();
  const seenReal = new Set<string>();
  // [folder, whether it was reached through a symbolic link (roots: whether they are one)]
  const stack: [string, boolean][] = roots.map((r) => [r, true]);
  while (stack.length) {
    const [dir, viaLink] = stack.pop()!;
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(dir);
      if (seenReal.has(real)) continue; // a symlink loop, or a folder already walked another way
      seenReal.add(real);
      if (viaLink && real !== dir) notes.links.push({ path: dir, real });
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') notes.unreadable.push(dir);
      notes.issues.push({ path: dir, reason: `cannot read folder: ${(err as Error).message}` });
      continue;
    }
    const files: string[] = [];
    const subdirs: string[] = [];
    for (const e of entries) {
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isDir) {
        subdirs.push(e.name);
        if (!SKIP_DIRS.has(e.name)) stack.push([full, e.isSymbolicLink()]);
      } else if (isFile) files.push(e.name);
    }
    files.sort();
    if (files.length > CROWDED_ENTRIES) notes.crowded.push({ path: dir, subdirs: subdirs.filter((d) => !SKIP_DIRS.has(d)) });
    dirs.set(dir, { files, subdirs });
    const base = path.basename(dir);
    const list = byBase.get(base);
    if (list) list.push(dir);
    else byBase.set(base, [dir]);
  }
  return { dirs, byBase };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function readHead(file: string): string | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const n = fs.readSync(fd, buf, 0, SNIFF_BYTES, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Parsed run configs by path, while inode, size and mtime stay the same (the watcher rediscovers often). */
const configs = new Map<string, { key: string; value: ConfigValue }>();

function readConfig(file: string): ConfigValue {
  try {
    const st = fs.statSync(file);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const hit = configs.get(file);
    if (hit && hit.key === key) return hit.value;
    if (st.size > MAX_CONFIG_BYTES) return null; // not a config (its ingest reports it)
    const value = parseConfigYaml(fs.readFileSync(file, 'utf8')).value;
    if (configs.size >= 50_000) configs.clear();
    configs.set(file, { key, value });
    return value;
  } catch {
    return null;
  }
}

/** Whether `dir` is one of `roots` or inside one: a walk up its ancestors (not a scan of the roots). */
function underAny(dir: string, roots: Set<string>): boolean {
  for (let d = dir; ; ) {
    if (roots.has(d)) return true;
    const up = path.dirname(d);
    if (up === d) return false;
    d = up;
  }
}

/**
 * Sniffing results by path, kept while the file's inode, size and mtime stay the same: the watcher
 * rediscovers often, and a run folder with 100,000 other files must not be read 100,000 times per
 * rescan (a stat each instead). Bounded: cleared when it passes SNIFF_CACHE_MAX entries.
 */
const sniffed = new Map<string, { key: string; gpu: boolean }>();
const SNIFF_CACHE_MAX = 500_000;

function isGpuLog(full: string): boolean {
  let key: string;
  try {
    const st = fs.statSync(full);
    key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return false;
  }
  const hit = sniffed.get(full);
  if (hit && hit.key === key) return hit.gpu;
  const head = readHead(full);
  if (head === null) return false; // unreadable now (permissions): sniffed again next time
  const gpu = sniffGpuLog(head) !== null;
  if (sniffed.size >= SNIFF_CACHE_MAX) sniffed.clear();
  sniffed.set(full, { key, gpu });
  return gpu;
}

/** GPU logs among a folder's own files, recognised by content. */
function gpuLogsIn(dir: string, files: string[], known: Set<string>): PlannedFile[] {
  const out: PlannedFile[] = [];
  for (const f of files) {
    if (known.has(f) || NOT_GPU.test(f) || isEventFileName(f) || f === 'metrics.csv') continue;
    const full = path.join(dir, f);
    if (isGpuLog(full)) out.push({ path: full, kind: 'gpu_log', tagPrefix: '' });
  }
  return out;
}

function isLamaRunDir(dir: string, entry: { files: string[]; subdirs: string[] }): boolean {
  if (entry.subdirs.includes('.hydra')) return true;
  return parseLamaRunName(path.basename(dir)) !== null && (entry.files.includes('train.log') || entry.files.includes('config.yaml'));
}

/** Event-file folders under a TensorBoard run root; version_N below the root is not part of tag names. */
function eventFilesUnder(root: string, w: Walked): PlannedFile[] {
  const out: PlannedFile[] = [];
  // the folders under root: down from it through the walked sub-folders (a scan of every walked folder
  // per run made discovery quadratic: 1,000 runs took 5 s); a root that was not walked itself (a
  // version_N folder given as the path) falls back to the scan
  const under: [string, { files: string[]; subdirs: string[] }][] = [];
  if (w.dirs.has(root)) {
    const stack = [root];
    while (stack.length) {
      const d = stack.pop()!;
      const entry = w.dirs.get(d);
      if (!entry) continue;
      under.push([d, entry]);
      for (const sub of entry.subdirs) stack.push(path.join(d, sub));
    }
  } else {
    for (const [dir, entry] of w.dirs) if (isInside(dir, root)) under.push([dir, entry]);
  }
  for (const [dir, entry] of under) {
    const rel = path.relative(root, dir).split(path.sep).filter(Boolean);
    if (rel.length && VERSION_DIR.test(rel[0])) rel.shift();
    const prefix = rel.length ? rel.join('/') + '/' : '';
    for (const f of entry.files) {
      if (isEventFileName(f)) out.push({ path: path.join(dir, f), kind: 'tfevents', tagPrefix: prefix });
      else if (f === 'hparams.yaml') out.push({ path: path.join(dir, f), kind: 'hparams', tagPrefix: '' });
      else if (f === 'metrics.csv') out.push({ path: path.join(dir, f), kind: 'metrics_csv', tagPrefix: '' });
    }
  }
  // Event files are read in name order (a resumed job adds a later file); sub-folders after their parent.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function keyFor(name: string, dir: string): string {
  return parseLamaRunName(name) ? `lama:${name}` : `path:${dir}`;
}

/**
 * Finds every run under the given paths: LaMa run folders (by name or by `.hydra/`) with their
 * TensorBoard folder (from `location.tb_dir`, else `tb_logs/<name>` beside the experiments folder or
 * anywhere under the given paths), Lightning `lightning_logs/version_N` folders, and event-file folders
 * that belong to no run folder.
 */
export function discoverRuns(inputPaths: string[]): Discovery {
  const issues: Discovery['issues'] = [];
  const notes: WalkNotes = { issues, unreadable: [], links: [], crowded: [] };
  const roots: string[] = [];
  // a file given means the run it belongs to: its folder is walked, and only that file's run kept
  const fileInputs = new Set<string>();
  const dirInputs: string[] = [];
  for (const p of inputPaths) {
    const abs = path.resolve(p);
    try {
      const st = fs.statSync(abs);
      if (st.isDirectory()) dirInputs.push(abs);
      else fileInputs.add(abs);
      roots.push(st.isDirectory() ? abs : path.dirname(abs));
    } catch (err) {
      issues.push({ path: abs, reason: `cannot read: ${(err as Error).message}` });
    }
  }
  const w = walk(roots, notes);
  const runs: RunPlan[] = [];
  const claimedRoots: string[] = [];

  // 1. LaMa run folders.
  for (const [dir, entry] of w.dirs) {
    if (!isLamaRunDir(dir, entry)) continue;
    const name = path.basename(dir);
    const files: PlannedFile[] = [];
    const known = new Set<string>();
    for (const [f, kind] of Object.entries(CONFIG_FILES)) {
      if (entry.files.includes(f)) {
        files.push({ path: path.join(dir, f), kind, tagPrefix: '' });
        known.add(f);
      }
    }
    const hydraDir = path.join(dir, '.hydra');
    const hydraEntry = w.dirs.get(hydraDir);
    if (hydraEntry) {
      for (const [f, kind] of Object.entries(HYDRA_FILES)) {
        if (hydraEntry.files.includes(f)) files.push({ path: path.join(hydraDir, f), kind, tagPrefix: '' });
      }
    }
    if (entry.files.includes('train.log')) {
      files.push({ path: path.join(dir, 'train.log'), kind: 'train_log', tagPrefix: '' });
      known.add('train.log');
    }
    files.push(...gpuLogsIn(dir, entry.files, known));
    for (const f of entry.files) {
      if (isEventFileName(f)) files.push({ path: path.join(dir, f), kind: 'tfevents', tagPrefix: '' });
    }

    // Its TensorBoard folder: tb_dir from the config, else tb_logs/<name> beside experiments/, else anywhere.
    const candidates: string[] = [];
    const cfg = entry.files.includes('config.yaml')
      ? readConfig(path.join(dir, 'config.yaml'))
      : hydraEntry?.files.includes('config.yaml')
        ? readConfig(path.join(hydraDir, 'config.yaml'))
        : null;
    const tbDir = cfg ? tbDirOf(cfg) : null;
    if (tbDir) candidates.push(path.join(tbDir, name));
    candidates.push(path.join(dir, '..', '..', 'tb_logs', name), path.join(dir, '..', 'tb_logs', name));
    for (const d of w.byBase.get(name) ?? []) if (d !== dir) candidates.push(d);
    for (const c of candidates) {
      const tbRoot = path.resolve(c);
      if (!fs.existsSync(tbRoot) || tbRoot === dir) continue;
      if (!w.dirs.has(tbRoot)) {
        // outside the given paths (tb_dir elsewhere): walk it too
        const extra = walk([tbRoot], notes);
        for (const [k, v] of extra.dirs) w.dirs.set(k, v);
      }
      files.push(...eventFilesUnder(tbRoot, w));
      claimedRoots.push(tbRoot);
      break;
    }
    claimedRoots.push(dir);
    runs.push({ key: keyFor(name, dir), name, path: dir, kind: 'lama', files });
  }

  // 2. Event-file and metrics.csv folders that no run folder claimed.
  const orphanRoots = new Set<string>();
  const claimed = new Set(claimedRoots);
  for (const [dir, entry] of w.dirs) {
    if (!entry.files.some((f) => isEventFileName(f) || f === 'metrics.csv')) continue;
    if (underAny(dir, claimed)) continue;
    const parent = path.dirname(dir);
    const base = path.basename(dir);
    let root = dir;
    if (VERSION_DIR.test(base) && path.basename(parent) !== 'lightning_logs') root = parent;
    orphanRoots.add(root);
  }
  const sortedRoots = [...orphanRoots].sort((a, b) => a.length - b.length);
  const taken = new Set<string>();
  for (const root of sortedRoots) {
    if (underAny(root, taken)) continue; // add_scalars sub-folder of a run already planned
    taken.add(root);
    const base = path.basename(root);
    const parent = path.dirname(root);
    const lightning = path.basename(parent) === 'lightning_logs';
    const name = lightning ? `${path.basename(path.dirname(parent))}/${base}` : base;
    const files = eventFilesUnder(root, w);
    const entry = w.dirs.get(root);
    if (entry) files.push(...gpuLogsIn(root, entry.files, new Set(['hparams.yaml'])));
    runs.push({ key: keyFor(base, root), name, path: root, kind: lightning ? 'lightning' : 'tensorboard', files });
  }
  if (fileInputs.size) {
    const wanted = (r: RunPlan) =>
      r.files.some((f) => fileInputs.has(f.path)) || dirInputs.some((d) => isInside(r.path, d) || r.files.some((f) => isInside(f.path, d)));
    return { runs: runs.filter(wanted), issues, unreadable: notes.unreadable, links: notes.links, crowded: notes.crowded };
  }
  return { runs, issues, unreadable: notes.unreadable, links: notes.links, crowded: notes.crowded };
}
