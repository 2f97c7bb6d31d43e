// What tells compared runs apart: their configs resolved (`${a.b}` references replaced by their values,
// as OmegaConf does), the keys whose values differ, and from those a short, unique label per run
// (`lr_g=1e-3 bs=10 sched=cosine`). Labels never show an unresolved `${…}`, a `null` or a path; the
// user's alias comes first; runs still alike are told apart by alias, then name, then id.
import { resolveRef, type ConfigValue } from '../ingest/hydraConfig';
import { flattenConfig, configDiff, type Leaf } from './configDiff';

export interface LabelRun {
  id: number;
  name: string;
  alias: string | null;
  /** parsed JSON of runs.config / hparams / scheduler */
  config: unknown;
  hparams: unknown;
  scheduler: unknown;
  genLr: number | null;
  discLr: number | null;
  batchSize: number | null;
}

const REF = /\$\{([A-Za-z0-9_.]+)\}/g;

/** Every string leaf with its `${a.b}` references resolved against the same config (unknown ones kept). */
export function resolveConfig(root: unknown): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 40) return v;
    if (typeof v === 'string') {
      const whole = resolveRef(root as ConfigValue, v);
      if (whole !== v) return typeof whole === 'string' ? whole.replace(REF, (m, ref: string) => part(ref, m)) : walk(whole, depth + 1);
      return v.replace(REF, (m, ref: string) => part(ref, m));
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
    return v;
  };
  const part = (ref: string, m: string): string => {
    const t = resolveRef(root as ConfigValue, `\${${ref}}`);
    return typeof t === 'number' || typeof t === 'boolean' || (typeof t === 'string' && !t.includes('${')) ? String(t) : m;
  };
  return walk(root, 0);
}

/** The flattened, resolved config of a run: its config, else its hparams (Lightning). */
export function resolvedFlat(r: Pick<LabelRun, 'config' | 'hparams'>): Record<string, Leaf> {
  const src = r.config ?? r.hparams;
  return src ? flattenConfig(resolveConfig(src)) : {};
}

/** `1e-3`, `0.5`, `10`, `true`, text as it is. */
export function fmtLeaf(v: Leaf): string {
  if (typeof v === 'number' && v !== 0 && Number.isFinite(v) && (Math.abs(v) < 1e-2 || Math.abs(v) >= 1e5)) {
    return v.toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  return String(v);
}

/** A scheduler's name: `kind`, `name`, `type`, or the class of `_target_` / `class_path`; 'none' without one. */
export function schedulerName(s: unknown): string {
  if (s === null || s === undefined) return 'none';
  const names: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string') names.push(v.split('.').pop()!);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const n = [o.kind, o.name, o.type, o._target_, o.class_path, o.scheduler].find((x) => typeof x === 'string') as string | undefined;
      if (n) names.push(n.split('.').pop()!);
      else Object.values(o).forEach(visit);
    }
  };
  visit(s);
  return names.length ? [...new Set(names)].join('+') : 'custom';
}

// keys that say where things are, not how the run trains
const PLACE = /(^|\.)(location|hydra)(\.|$)|(^|\.)(outdir|out_dir|out_root_dir|tb_dir|log_dir|save_dir|data_root_dir|indir|root|path|dir|weights_path|pretrained_models|run_title|default_root_dir|dirpath|filename)$/;

/** Short names for the keys that matter, in order of priority. */
const SHORT: [RegExp, string][] = [
  [/^optimizers\.generator\.lr$/, 'lr_g'],
  [/^optimizers\.discriminator\.lr$/, 'lr_d'],
  [/^(data\.)?batch_size$/, 'bs'],
  [/^trainer\.kwargs\.max_epochs$/, 'epochs'],
  [/^trainer\.kwargs\.gradient_clip_val$/, 'clip'],
  [/(^|\.)(lr|learning_rate)$/, 'lr'],
  [/(^|\.)batch_size$/, 'bs'],
];

interface Candidate {
  short: string;
  /** formatted value per run; null where the run has none (nothing shown for it) */
  values: (string | null)[];
  rank: number;
}

const usable = (v: Leaf | undefined): string | null => {
  if (v === null || v === undefined) return null;
  const s = fmtLeaf(v);
  if (s === '' || s.includes('${') || s === 'null' || s.length > 40 || /[\\/]/.test(s)) return null;
  return s;
};

function distinct(values: (string | null)[]): number {
  return new Set(values.map((v) => v ?? '\u0000')).size;
}

function candidates(runs: LabelRun[], flats: Record<string, Leaf>[]): Candidate[] {
  const out: Candidate[] = [];
  // the hyper-parameters the ingest already resolved (hparams.yaml first, then the config)
  out.push({ short: 'lr_g', values: runs.map((r) => usable(r.genLr)), rank: 0 });
  out.push({ short: 'lr_d', values: runs.map((r) => usable(r.discLr)), rank: 1 });
  out.push({ short: 'bs', values: runs.map((r) => usable(r.batchSize)), rank: 2 });
  out.push({ short: 'sched', values: runs.map((r) => schedulerName(r.scheduler)), rank: 3 });
  for (const row of configDiff(flats)) {
    if (PLACE.test(row.key)) continue;
    const values = row.values.map(usable);
    const sched = /(^|\.|_)scheduler(s)?(\.|$)/i.exec(row.key);
    const known = SHORT.findIndex(([re]) => re.test(row.key));
    const short = sched
      ? `sched.${row.key.split('.').pop()}`
      : known >= 0
        ? SHORT[known][1]
        : row.key.split('.').slice(-2).join('.');
    out.push({ short, values, rank: sched ? 4 : known >= 0 ? 5 + known : 100 });
  }
  // keep keys that tell runs apart, once per set of values (data.batch_size and a `${data.batch_size}`
  // elsewhere resolve to the same values: one of them is enough)
  const seen = new Set<string>();
  return out
    .filter((c) => c.values.some((v) => v !== null) && distinct(c.values) > 1)
    .sort((a, b) => a.rank - b.rank || a.short.localeCompare(b.short))
    .filter((c) => {
      const sig = JSON.stringify(c.values);
      if (seen.has(sig)) return false;
      seen.add(sig);
      return true;
    });
}

/**
 * A label per run (same order as `runs`), unique among them. Built from the first differing keys in order
 * of priority (LRs, batch size, scheduler, epochs, clipping, then any other key), more keys added while
 * they tell more runs apart (at most 5); the user's alias first.
 */
export function runLabels(runs: LabelRun[]): { labels: string[]; keys: string[] } {
  if (!runs.length) return { labels: [], keys: [] };
  const flats = runs.map(resolvedFlat);
  const cands = runs.length > 1 ? candidates(runs, flats) : [];
  const chosen: Candidate[] = cands.filter((c) => c.rank < 10).slice(0, 3);
  const render = (set: Candidate[]) => runs.map((_, i) => set.flatMap((c) => (c.values[i] === null ? [] : [`${c.short}=${c.values[i]}`])).join(' '));
  const tellApart = (set: Candidate[]) => distinct(render(set));
  for (const c of cands) {
    if (chosen.length >= 5 || tellApart(chosen) === runs.length) break;
    if (chosen.includes(c)) continue;
    if (tellApart([...chosen, c]) > tellApart(chosen)) chosen.push(c);
  }
  const parts = render(chosen);
  let labels = runs.map((r, i) => [r.alias?.trim() || '', parts[i]].filter(Boolean).join(' · ') || r.name);
  // still alike: the name (or id) tells them apart
  const count = (ls: string[]) => ls.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  let n = count(labels);
  labels = labels.map((l, i) => (n.get(l)! > 1 && !l.endsWith(runs[i].name) ? `${l} · ${runs[i].name}` : l));
  n = count(labels);
  labels = labels.map((l, i) => (n.get(l)! > 1 ? `${l} #${runs[i].id}` : l));
  return { labels, keys: chosen.map((c) => c.short) };
}
