// The metric a run's checkpoints are chosen by, read from its tag names: LaMa's ModelCheckpoint
// monitors val_ssim_fid100_f1_total_mean (higher is better); a generic Lightning run's validation
// loss (val_loss, val/loss, valid_loss, val_loss_epoch …; lower is better) is the usual monitor.
import { classifyTag } from './tags';

export interface CheckpointMetric {
  tag: string;
  mode: 'min' | 'max';
}

// tag names repeat across runs and chunks: classify each once (bounded)
const RANKS = new Map<string, number | null>();

/** Rank of a tag as the checkpoint metric (lower is better); null when it is not a candidate. */
export function checkpointRank(tag: string): number | null {
  let r = RANKS.get(tag);
  if (r !== undefined) return r;
  const info = classifyTag(tag);
  // the quality monitor (LaMa) before a loss; the plain name (what ModelCheckpoint names) before _epoch
  r = info.monitor ? (info.role === 'val_quality' ? 0 : 2) + (info.granularity === null ? 0 : 1) : null;
  if (RANKS.size >= 10_000) RANKS.clear();
  RANKS.set(tag, r);
  return r;
}

/** true when `a` is a better checkpoint metric than `b` (ties: the shorter, then the smaller name). */
export function betterCheckpointTag(a: string, b: string | null): boolean {
  const ra = checkpointRank(a);
  if (ra === null) return false;
  if (b === null || b === a) return b === null;
  const rb = checkpointRank(b);
  if (rb === null || ra !== rb) return rb === null || ra < rb;
  return a.length !== b.length ? a.length < b.length : a < b;
}

/** The checkpoint metric among a run's tags, or null when none is a candidate. */
export function checkpointMetric(tags: Iterable<string>): CheckpointMetric | null {
  let best: string | null = null;
  for (const t of tags) if (betterCheckpointTag(t, best)) best = t;
  return best === null ? null : { tag: best, mode: classifyTag(best).direction };
}
