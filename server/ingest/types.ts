// Shapes that readers return. Readers are pure: bytes/lines in, these records out.

/** A problem found in the input; becomes a row of `lrscope errors`. */
export interface ReadIssue {
  /** byte offset in the file where the problem starts (absolute), when known */
  offset?: number;
  /** 1-based line number, for line-oriented formats */
  line?: number;
  reason: string;
}

/** One scalar value of one tag. NaN and ±Infinity are kept as they are. */
export interface ScalarRecord {
  tag: string;
  step: number;
  /** seconds since the Unix epoch, or null when the format has no time */
  wallTime: number | null;
  value: number;
}

/** One sample of one GPU, from nvidia-smi or from Lightning's `gpu_id: N/…` tags. */
export interface GpuSample {
  gpu: number;
  /** ms since the Unix epoch, or null when the log has no time column */
  time: number | null;
  /** compute utilization, % */
  util: number | null;
  /** memory (bandwidth) utilization, % */
  memUtil: number | null;
  memUsedMb: number | null;
  memTotalMb: number | null;
  powerW: number | null;
  tempC: number | null;
}
