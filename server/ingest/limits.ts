// Bounds every reader keeps, whatever the input: a hostile or broken file costs an ingest error, never
// unbounded memory or time (docs/security.md, "Faults").

/**
 * A text line (train.log, metrics.csv, nvidia-smi log) longer than this is not a log line: it becomes one
 * ingest error and its bytes are skipped up to the next newline, in bounded memory, also when it spans
 * many chunks. Real lines are far shorter (a 1,000-metric CSV header is ~30 KB).
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** `1 MiB` for messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Input text quoted in an issue's reason: at most `max` characters (then `…`), so one reason stays small. */
export function clip(s: string, max = 80): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}
