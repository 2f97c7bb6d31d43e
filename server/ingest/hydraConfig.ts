// Config files of a run: Hydra's snapshot, LaMa's config.yaml copy, Lightning's hparams.yaml.
import YAML from 'yaml';
import type { ReadIssue } from './types';
import { clip } from './limits';

export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [k: string]: ConfigValue };
export type ConfigObject = { [k: string]: ConfigValue };

/** A config file larger than this is not read (real ones are a few KB; the parser takes ~3 s per MB): one ingest error instead. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Deeper nesting than this is not a config (Hydra's are < 15 levels): one ingest error instead. */
export const MAX_CONFIG_DEPTH = 64;
/**
 * Alias expansions allowed (the `yaml` package counts the nodes an alias brings in, so an alias bomb —
 * "billion laughs" — is refused after a few thousand nodes, not after building them).
 */
const MAX_ALIAS_COUNT = 1000;

class TooDeep extends Error {}

/** What a config file of more than MAX_CONFIG_BYTES gives (callers check the size before reading it). */
export function configTooLarge(): { value: null; issues: ReadIssue[] } {
  return { value: null, issues: [{ reason: `YAML does not parse: larger than ${MAX_CONFIG_BYTES / (1024 * 1024)} MiB; not read` }] };
}

/**
 * Flow collections (`[…]`, `{…}`) nested deeper than `max`. The `yaml` parser recurses per level: 4 MB
 * of `[` takes it 10 s, unclosed ones run it out of memory. Counted over every bracket (quotes and
 * comments included), which can only over-count: a config with 64 unclosed brackets in its strings is
 * refused, nothing deeper ever reaches the parser.
 */
function flowTooDeep(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return false;
}

/**
 * Parses YAML text into plain JSON data. `${…}` interpolations stay as text. YAML that does not parse —
 * or that is too large, too deeply nested or an alias bomb — gives an issue instead of throwing.
 */
export function parseConfigYaml(text: string): { value: ConfigValue; issues: ReadIssue[] } {
  if (text.length > MAX_CONFIG_BYTES) return configTooLarge();
  if (flowTooDeep(text, MAX_CONFIG_DEPTH)) {
    return { value: null, issues: [{ reason: `YAML does not parse: nested deeper than ${MAX_CONFIG_DEPTH} levels` }] };
  }
  let doc: YAML.Document.Parsed;
  try {
    doc = YAML.parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    return { value: null, issues: [{ reason: `YAML does not parse: ${clip((err as Error).message.split('\n')[0], 200)}` }] };
  }
  if (doc.errors.length > 0) {
    const issues = doc.errors.slice(0, 3).map((e) => ({
      offset: e.pos?.[0],
      line: e.linePos?.[0]?.line,
      // the parser quotes the offending token, which can be megabytes long: one reason stays small
      reason: `YAML does not parse: ${clip(e.message.split('\n')[0], 200)}`,
    }));
    return { value: null, issues };
  }
  try {
    return { value: toConfigValue(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), 0), issues: [] };
  } catch (err) {
    const why = err instanceof TooDeep ? `nested deeper than ${MAX_CONFIG_DEPTH} levels` : clip((err as Error).message.split('\n')[0], 200);
    return { value: null, issues: [{ reason: `YAML does not parse: ${why}` }] };
  }
}

function toConfigValue(v: unknown, depth: number): ConfigValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && depth >= MAX_CONFIG_DEPTH) throw new TooDeep();
  if (Array.isArray(v)) return v.map((x) => toConfigValue(x, depth + 1));
  if (v instanceof Map) {
    const o: ConfigObject = {};
    for (const [k, val] of v) o[String(k)] = toConfigValue(val, depth + 1);
    return o;
  }
  if (typeof v === 'object') {
    const o: ConfigObject = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) o[k] = toConfigValue(val, depth + 1);
    return o;
  }
  return String(v);
}

export function isObject(v: ConfigValue | undefined): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Value at a dotted path (`trainer.kwargs.max_epochs`), or undefined. */
export function getPath(root: ConfigValue | undefined, dotted: string): ConfigValue | undefined {
  let cur: ConfigValue | undefined = root;
  for (const part of dotted.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/**
 * Resolves `${a.b.c}` node references against the same config (what OmegaConf would do), so that
 * `val_check_interval: ${trainer.kwargs.limit_train_batches}` yields a number. Resolvers such as
 * `${env:…}` or `${now:…}` cannot be known here and stay as text.
 */
export function resolveRef(root: ConfigValue, value: ConfigValue | undefined, depth = 0): ConfigValue | undefined {
  if (typeof value !== 'string' || depth > 10) return value;
  const m = /^\$\{([A-Za-z0-9_.]+)\}$/.exec(value.trim());
  if (!m) return value;
  const target = getPath(root, m[1]);
  return target === undefined ? value : resolveRef(root, target, depth + 1);
}

function num(root: ConfigValue, dotted: string): number | null {
  const v = resolveRef(root, getPath(root, dotted));
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function str(root: ConfigValue, dotted: string): string | null {
  const v = resolveRef(root, getPath(root, dotted));
  return typeof v === 'string' ? v : null;
}

/** First path (depth-first) whose last key is one of `keys`, for generic Lightning hparams. */
function findKey(root: ConfigValue, keys: string[], depth = 0): ConfigValue | undefined {
  if (!isObject(root) || depth > 6) return undefined;
  for (const k of keys) if (k in root && !isObject(root[k])) return resolveRef(root, root[k]);
  for (const v of Object.values(root)) {
    const found = findKey(v, keys, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function asNum(v: ConfigValue | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Subtrees that configure an LR scheduler (`lr_scheduler`, `scheduler`, `*_scheduler`), keyed by path. */
function findSchedulers(root: ConfigValue, prefix = '', out: ConfigObject = {}, depth = 0): ConfigObject {
  if (!isObject(root) || depth > 6) return out;
  for (const [k, v] of Object.entries(root)) {
    const p = prefix ? `${prefix}.${k}` : k;
    // rescale_scheduler_kwargs in LaMa ramps the image size, not the LR
    if (/(^|_)(lr_)?scheduler(s)?$/i.test(k) && v !== null && k !== 'rescale_scheduler_kwargs') out[p] = v;
    else findSchedulers(v, p, out, depth + 1);
  }
  return out;
}

export interface Hyperparams {
  genOptimizer: string | null;
  genLr: number | null;
  discOptimizer: string | null;
  discLr: number | null;
  batchSize: number | null;
  maxEpochs: number | null;
  limitTrainBatches: number | null;
  valCheckInterval: number | null;
  logEveryNSteps: number | null;
  gradientClipVal: number | null;
  scheduler: ConfigObject | null;
  runTitle: string | null;
}

/**
 * The hyper-parameters that matter for LR tuning. Sources in order of trust: hparams.yaml (resolved),
 * then the run's config (LaMa layout first: optimizers.generator.lr …, then generic Lightning keys).
 */
export function extractHyperparams(sources: ConfigValue[]): Hyperparams {
  const pick = <T>(f: (c: ConfigValue) => T | null): T | null => {
    for (const c of sources) {
      if (c === null) continue;
      const v = f(c);
      if (v !== null && v !== undefined) return v;
    }
    return null;
  };
  const int = (v: number | null) => (v === null ? null : Math.round(v));
  const schedulers = pick((c) => {
    const s = findSchedulers(c);
    return Object.keys(s).length ? s : null;
  });
  return {
    genOptimizer: pick((c) => str(c, 'optimizers.generator.kind') ?? str(c, 'optimizer.kind')),
    genLr: pick((c) => num(c, 'optimizers.generator.lr') ?? asNum(findKey(c, ['lr', 'learning_rate']))),
    discOptimizer: pick((c) => str(c, 'optimizers.discriminator.kind')),
    discLr: pick((c) => num(c, 'optimizers.discriminator.lr')),
    batchSize: int(pick((c) => num(c, 'data.batch_size') ?? asNum(findKey(c, ['batch_size'])))),
    maxEpochs: int(pick((c) => num(c, 'trainer.kwargs.max_epochs') ?? asNum(findKey(c, ['max_epochs'])))),
    limitTrainBatches: pick((c) => num(c, 'trainer.kwargs.limit_train_batches') ?? asNum(findKey(c, ['limit_train_batches']))),
    valCheckInterval: pick((c) => num(c, 'trainer.kwargs.val_check_interval') ?? asNum(findKey(c, ['val_check_interval']))),
    logEveryNSteps: int(pick((c) => num(c, 'trainer.kwargs.log_every_n_steps') ?? asNum(findKey(c, ['log_every_n_steps'])))),
    gradientClipVal: pick((c) => num(c, 'trainer.kwargs.gradient_clip_val') ?? asNum(findKey(c, ['gradient_clip_val']))),
    scheduler: schedulers,
    runTitle: pick((c) => str(c, 'run_title')),
  };
}

/** `hydra.job.config_name` from `.hydra/hydra.yaml`, and the task overrides it recorded. */
export function hydraJobInfo(hydraYaml: ConfigValue): { configName: string | null; overrides: string[] | null } {
  const configName = str(hydraYaml, 'hydra.job.config_name');
  const task = getPath(hydraYaml, 'hydra.overrides.task');
  const overrides = Array.isArray(task) ? task.map((t) => String(t)) : null;
  return { configName, overrides };
}

/** `location.tb_dir` of a LaMa config (where its TensorBoard folders live), when it is a plain path. */
export function tbDirOf(config: ConfigValue): string | null {
  const v = resolveRef(config, getPath(config, 'location.tb_dir'));
  return typeof v === 'string' && !v.includes('${') ? v : null;
}

/**
 * The config name from a LaMa run folder `<user>_<YYYY-MM-DD_HH-MM-SS>_<job>_<config>_<run_title>`
 * (hydra/overrides.yaml), for runs whose `.hydra/hydra.yaml` was not copied. The timestamp anchors the
 * split (user names contain `_`); a non-empty run title is cut off the end. Config names may contain
 * `_` themselves, so with an unknown title the whole tail is the name.
 */
export function configNameFromRunName(name: string, runTitle: string | null = null): string | null {
  const m = /\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_([A-Za-z0-9-]+)_(.+)$/.exec(name) ?? /^.+?_(train)_(.+)$/.exec(name);
  if (!m) return null;
  let tail = m[2].replace(/_$/, '');
  if (runTitle && tail.endsWith(`_${runTitle}`)) tail = tail.slice(0, -runTitle.length - 1);
  return tail || null;
}

/** `data.num_workers`, else the training data loader's own `num_workers` (LaMa: 3 in the shipped data configs). */
export function numWorkersOf(config: ConfigValue): number | null {
  const v = num(config, 'data.num_workers') ?? num(config, 'data.train.dataloader_kwargs.num_workers');
  return v === null ? null : Math.round(v);
}

/** LaMa's R1 gradient-penalty weight (`losses.adversarial.gp_coef`; 0.001 in lama-fourier). */
export function gpCoefOf(config: ConfigValue): number | null {
  return num(config, 'losses.adversarial.gp_coef');
}

/** `${a.b}` references inside a longer string replaced by their values (OmegaConf string interpolation). */
function interpolate(root: ConfigValue, text: string): string {
  return text.replace(/\$\{([A-Za-z0-9_.]+)\}/g, (whole, ref: string) => {
    const v = resolveRef(root, getPath(root, ref));
    return typeof v === 'string' || typeof v === 'number' ? String(v) : whole;
  });
}

/** A data set named in a location / path / config name: CelebA(-HQ) and Places2 by their usual spellings. */
function knownDataset(text: string): 'celeba' | 'places' | null {
  if (/celeb/i.test(text)) return 'celeba';
  if (/places/i.test(text)) return 'places';
  return null;
}

/**
 * The data set a LaMa run trains on, from (in order of trust) a `location=<name>` override, the config's
 * `location` when it is still a group name (an uncomposed training config or its `defaults` list), the data
 * root / training folder path, then the config name (`lama-fourier-celeba`). 'celeba' / 'places' when one
 * of those names them, else the location's own name (or the data root's folder name), else null.
 */
export function datasetOf(config: ConfigValue, overrides: string[] | null, configName: string | null): string | null {
  const named: string[] = [];
  for (const o of overrides ?? []) {
    const m = /^\+*location=(.+)$/.exec(o.trim());
    if (m) named.push(m[1].trim());
  }
  const loc = getPath(config, 'location');
  if (typeof loc === 'string') named.push(loc);
  const defaults = getPath(config, 'defaults');
  if (Array.isArray(defaults)) for (const d of defaults) if (isObject(d) && typeof d.location === 'string') named.push(d.location);
  // `${location.data_root_dir}/train` is resolved; what stays unresolved (`${env:…}`) says nothing
  const root = str(config, 'location.data_root_dir');
  const paths = [root, str(config, 'data.train.indir')].filter((p): p is string => p !== null).map((p) => interpolate(config, p).replace(/\$\{[^}]*\}/g, ''));
  for (const text of [...named, ...paths, configName ?? '']) {
    const k = knownDataset(text);
    if (k) return k;
  }
  if (named.length) return named[0];
  const folder = root ? interpolate(config, root).split(/[\\/]+/).filter((x) => x && !x.includes('${')).pop() : undefined;
  if (folder) return folder.replace(/_dataset$/, '');
  return null;
}
