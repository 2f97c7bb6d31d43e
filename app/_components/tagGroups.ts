// How LaMa users read their curves: the chart groups of the run page.
import { isLrTag } from '../../server/domain/tags';

export type GroupId = 'gen' | 'disc' | 'valLoss' | 'valQuality' | 'buckets' | 'lr' | 'other';

export interface TagGroup {
  id: GroupId;
  title: string;
  tags: string[];
  /** which config LR belongs on these charts when no LR tag is logged */
  lrRole: 'gen' | 'disc' | null;
}

const BUCKET = /^(val|test|extra_val_.+?)[_/](ssim|lpips|fid)_(\d+-\d+%)_(mean|std)$/;
const QUALITY = /^(val|test|extra_val_.+?)[_/](ssim|lpips|fid|ssim_fid100_f1|lpips_fid100_f1)_total_mean$/;

export { isLrTag };

/**
 * NaN by LaMa's rule, not a training problem: FID has no value for a mask-area bucket holding one image,
 * nor has the std of a one-sample bucket, and the fid100_f1 scores exist only for `total`
 * (docs: lama-run-format §3.2, §8.12).
 */
const EXPECTED_NAN = /^(val|test|extra_val_.+?)[_/]((fid|ssim_fid100_f1|lpips_fid100_f1)_\d+-\d+%_mean|(ssim|lpips|fid)_\d+-\d+%_std)$/;

export function nanExpected(tag: string): boolean {
  return EXPECTED_NAN.test(tag);
}

/**
 * The run page's tag search: a substring (any case), or a regular expression when the query is written
 * `/…/` (flags after the closing slash) or `regex` is set. A regex that does not compile matches by
 * substring and says why.
 */
export function tagMatcher(query: string, regex = false): { test: (tag: string) => boolean; error: string | null; active: boolean } {
  const q = query.trim();
  if (!q) return { test: () => true, error: null, active: false };
  const slashed = /^\/(.+)\/([a-z]*)$/.exec(q);
  if (slashed || regex) {
    try {
      // always case-insensitive; no g / y (stateful .test)
      const flags = slashed ? [...new Set(`${slashed[2]}i`.replace(/[gy]/g, ''))].join('') : 'i';
      const re = new RegExp(slashed ? slashed[1] : q, flags);
      return { test: (t) => re.test(t), error: null, active: true };
    } catch (err) {
      const lower = q.toLowerCase();
      return { test: (t) => t.toLowerCase().includes(lower), error: `not a regular expression (${(err as Error).message}); matching as text`, active: true };
    }
  }
  const lower = q.toLowerCase();
  return { test: (t) => t.toLowerCase().includes(lower), error: null, active: true };
}

export function groupTags(tags: string[]): TagGroup[] {
  const groups: Record<GroupId, TagGroup> = {
    gen: { id: 'gen', title: 'Generator losses', tags: [], lrRole: 'gen' },
    disc: { id: 'disc', title: 'Discriminator', tags: [], lrRole: 'disc' },
    valLoss: { id: 'valLoss', title: 'Validation losses', tags: [], lrRole: 'gen' },
    valQuality: { id: 'valQuality', title: 'Validation quality', tags: [], lrRole: 'gen' },
    buckets: { id: 'buckets', title: 'Quality per mask-area bucket', tags: [], lrRole: null },
    lr: { id: 'lr', title: 'Learning rate', tags: [], lrRole: null },
    other: { id: 'other', title: 'Other', tags: [], lrRole: 'gen' },
  };
  for (const t of [...tags].sort()) {
    if (t.startsWith('gpu_id: ')) continue; // shown in the GPU section
    if (isLrTag(t)) groups.lr.tags.push(t);
    else if (/^train[_/]gen[_/]/.test(t)) groups.gen.tags.push(t);
    else if (/^train[_/](discr|adv_discr)/.test(t)) groups.disc.tags.push(t);
    else if (/^(val|test|extra_val_.+?)[_/]gen[_/]/.test(t)) groups.valLoss.tags.push(t);
    else if (QUALITY.test(t)) groups.valQuality.tags.push(t);
    else if (BUCKET.test(t)) {
      if (t.endsWith('_mean')) groups.buckets.tags.push(t);
      else groups.other.tags.push(t);
    } else groups.other.tags.push(t);
  }
  // the checkpoint metric first: it is what ModelCheckpoint keeps the best of
  groups.valQuality.tags.sort((a, b) => Number(b.includes('fid100_f1')) - Number(a.includes('fid100_f1')) || a.localeCompare(b));
  return Object.values(groups).filter((g) => g.tags.length);
}

/** Short names for the config keys that matter when telling runs apart. */
const SHORT: [RegExp, string][] = [
  [/^optimizers\.generator\.lr$/, 'lr_g'],
  [/^optimizers\.discriminator\.lr$/, 'lr_d'],
  [/^data\.batch_size$/, 'bs'],
  [/^trainer\.kwargs\.max_epochs$/, 'epochs'],
  [/^trainer\.kwargs\.gradient_clip_val$/, 'clip'],
  [/(^|\.)lr$/, 'lr'],
  [/(^|\.)batch_size$/, 'bs'],
];

/** Legend labels that name what differs between runs (`lr_g=1e-3 bs=10`), from a config diff. */
export function differenceLabels(names: string[], diff: { key: string; values: (string | number | boolean | null)[] }[]): string[] {
  const keyed = diff
    .map((d) => ({ d, short: SHORT.find(([re]) => re.test(d.key))?.[1] ?? null }))
    .filter((x) => !/(^|\.)(outdir|out_root_dir|tb_dir|data_root_dir|indir|weights_path|pretrained_models)$/.test(x.d.key));
  const important = keyed.filter((x) => x.short).slice(0, 3);
  const chosen = important.length ? important : keyed.slice(0, 2).map((x) => ({ ...x, short: x.d.key.split('.').slice(-2).join('.') }));
  if (!chosen.length) return names;
  return names.map((_, i) => chosen.map((c) => `${c.short}=${fmtVal(c.d.values[i])}`).join(' '));
}

function fmtVal(v: string | number | boolean | null): string {
  if (typeof v === 'number' && v !== 0 && (Math.abs(v) < 1e-2 || Math.abs(v) >= 1e5)) return v.toExponential().replace(/\.?0+e/, 'e').replace('e-', 'e-');
  return String(v);
}

export const PALETTE = ['#3b5bdb', '#e8590c', '#2f9e44', '#c2255c', '#7048e8', '#0c8599', '#e67700', '#5c940d', '#862e9c', '#1864ab'];
