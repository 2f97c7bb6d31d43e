// Hydra log stamps, nvidia-smi timestamps and LaMa run-folder names carry local time without a zone:
// they are read as the ingesting machine's local time.

/** ms since the epoch of a local date and time (month 1-based), or null when it is not a real time. */
export function localMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  const t = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  return Number.isFinite(t) ? t : null;
}
