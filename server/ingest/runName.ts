import { localMs } from './localTime';

// LaMa run-folder names: <user>_<YYYY-MM-DD_HH-MM-SS>_train_<config>_<title>. User and config may
// contain `_`, so anchor on the timestamp.
const LAMA_NAME = /^(.+)_(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})_train_(.*)$/;

export interface LamaName {
  user: string;
  /** ms since epoch, read as local time (Hydra's `now` resolver has no zone) */
  startedAt: number;
  /** `<config>_<title>`: ambiguous when either contains `_`; the config name comes from .hydra/hydra.yaml */
  rest: string;
}

export function parseLamaRunName(name: string): LamaName | null {
  const m = LAMA_NAME.exec(name);
  if (!m) return null;
  const [, user, y, mo, d, h, mi, s, rest] = m;
  const startedAt = localMs(+y, +mo, +d, +h, +mi, +s);
  return startedAt === null ? null : { user, startedAt, rest };
}

/** Host from `events.out.tfevents.<unix>.<host>[.<pid>.<k>]`. */
export function hostFromEventFileName(file: string): string | null {
  const m = /tfevents\.\d+\.(.+)$/.exec(file);
  if (!m) return null;
  const host = m[1].replace(/(\.\d+){1,2}$/, '');
  return host || null;
}

export function isEventFileName(file: string): boolean {
  return /(^|\.)tfevents\./.test(file) || file.startsWith('events.out.tfevents');
}
