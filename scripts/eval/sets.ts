// The labelled real data sets the diagnosis is measured on (docs/benchmarks.md): each is ingested
// through the product's own path (discovery → readers → Store → loadRunData) into a throw-away SQLite
// database, then paired with its labels. Test/benchmark code, not product code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { loadRunData } from '../../server/db/runData';
import { FINDING_KINDS, type FindingKind, type RunData } from '../../server/analysis/types';

export interface LabelledRun {
  set: string;
  id: string;
  expected: FindingKind[];
  acceptable: FindingKind[];
  /** labelled onset step per expected kind, when the labels give one */
  onsets: Partial<Record<FindingKind, number>>;
  hardNegative: boolean;
  run: RunData;
}

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const SET_DIRS = {
  'lama-devset': path.join(REPO, 'tests/fixtures/lama-devset'),
  'real-lightning': path.resolve(REPO, '../shared/fixtures/real-lightning'),
  'torch-corpus': path.join(REPO, 'tests/fixtures/torch-corpus'),
  'torch-heldout': path.join(REPO, 'tests/fixtures/torch-heldout'),
  'torch-heldout-b': path.join(REPO, 'tests/fixtures/torch-heldout-b'),
  'torch-heldout-c': path.join(REPO, 'tests/fixtures/torch-heldout-c'),
} as const;
export type SetName = keyof typeof SET_DIRS;

/** Kind names in the label files → ours (the devset says gpu_underutilized in places). */
function kindOf(k: string): FindingKind | null {
  const n = k === 'gpu_underutilized' ? 'gpu_underutilization' : k;
  return (FINDING_KINDS as readonly string[]).includes(n) ? (n as FindingKind) : null;
}
const kinds = (ks: unknown): FindingKind[] => (Array.isArray(ks) ? ks.map((k) => kindOf(String(k))).filter((k): k is FindingKind => k !== null) : []);

/** Ingests a folder into a temporary database and returns each stored run's data, by run name. */
function ingestFolder(dir: string): { name: string; path: string; data: RunData }[] {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-eval-'));
  const handle = openDb(path.join(tmp, 'eval.db'));
  try {
    const summary = ingestPaths(new Store(handle), [dir]);
    return summary.runs.map((r) => ({ name: r.name, path: r.path, data: loadRunData(handle.sqlite, r.id)! }));
  } finally {
    handle.sqlite.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs resumed over several folders are one run: their series are concatenated in order. */
function mergeRuns(parts: RunData[]): RunData {
  if (parts.length === 1) return parts[0];
  const byTag = new Map<string, RunData['series'][number]>();
  const lrByTag = new Map<string, RunData['series'][number]>();
  let seg = 0;
  const add = (into: Map<string, RunData['series'][number]>, s: RunData['series'][number]) => {
    const cur = into.get(s.tag) ?? { tag: s.tag, steps: [], values: [], segments: [], wallTimes: [] };
    for (let i = 0; i < s.steps.length; i++) {
      cur.steps.push(s.steps[i]);
      cur.values.push(s.values[i]);
      cur.segments!.push(seg);
      cur.wallTimes!.push(s.wallTimes?.[i] ?? null);
    }
    into.set(s.tag, cur);
  };
  for (const p of parts) {
    for (const s of p.series) add(byTag, s);
    for (const s of p.lr ?? []) add(lrByTag, s);
    seg++;
  }
  const last = parts.map((p) => p.context.lastStep ?? -Infinity).reduce((a, b) => (b > a ? b : a), -Infinity);
  return {
    context: { ...parts[parts.length - 1].context, lastStep: Number.isFinite(last) ? last : null },
    series: [...byTag.values()],
    lr: [...lrByTag.values()],
    gpu: parts.flatMap((p) => p.gpu ?? []),
  };
}

interface DevsetLabel {
  run_name: string;
  scenario?: string;
  expected_kinds: string[];
  acceptable_extra_kinds?: string[];
  expected_findings?: { kind: string; start_step?: number }[];
  hard_negative?: boolean;
}

/** lama-devset and our torch corpus share one label format (labels.json → runs[].run_name). */
function loadLamaShaped(set: SetName): LabelledRun[] {
  const dir = SET_DIRS[set];
  const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as { runs: DevsetLabel[] };
  const runs = ingestFolder(dir);
  const out: LabelledRun[] = [];
  for (const l of labels.runs) {
    const r = runs.find((x) => x.name === l.run_name);
    if (!r) throw new Error(`${set}: run ${l.run_name} was not ingested`);
    const onsets: LabelledRun['onsets'] = {};
    for (const f of l.expected_findings ?? []) {
      const k = kindOf(f.kind);
      if (k && typeof f.start_step === 'number') onsets[k] = f.start_step;
    }
    out.push({
      set,
      id: l.scenario ? `${l.scenario} (${l.run_name})` : l.run_name,
      expected: kinds(l.expected_kinds),
      acceptable: kinds(l.acceptable_extra_kinds),
      onsets,
      hardNegative: l.hard_negative === true,
      run: r.data,
    });
  }
  return out;
}

interface LightningLabel {
  dir: string;
  kinds: string[];
  acceptable_extra_kinds?: string[];
}

function loadRealLightning(): LabelledRun[] {
  const dir = SET_DIRS['real-lightning'];
  const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as { runs: LightningLabel[] };
  const runs = ingestFolder(dir);
  return labels.runs.map((l) => {
    const parts = runs.filter((r) => r.path.split(path.sep).includes(l.dir)).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    if (!parts.length) throw new Error(`real-lightning: ${l.dir} was not ingested`);
    return {
      set: 'real-lightning',
      id: l.dir,
      expected: kinds(l.kinds),
      acceptable: kinds(l.acceptable_extra_kinds),
      onsets: {},
      hardNegative: false,
      run: mergeRuns(parts.map((p) => p.data)),
    };
  });
}

export function setAvailable(set: SetName): boolean {
  return fs.existsSync(path.join(SET_DIRS[set], 'labels.json'));
}

export function loadSet(set: SetName): LabelledRun[] {
  return set === 'real-lightning' ? loadRealLightning() : loadLamaShaped(set);
}
