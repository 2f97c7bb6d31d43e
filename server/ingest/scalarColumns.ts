// Scalar records as columns (typed arrays + a tag table): how the decode worker hands a chunk's scalars
// to the writer thread. The arrays are transferred, not copied, and the writer builds the records from
// them in one pass (cheaper than structured-cloning a quarter million small objects).
import type { ScalarRecord } from './types';

export interface ScalarColumns {
  n: number;
  tags: string[];
  /** index into `tags` */
  tag: Uint32Array;
  step: Float64Array;
  wall: Float64Array;
  value: Float64Array;
  /** 1 where wallTime is null; null when no record has a null wallTime */
  wallNull: Uint8Array | null;
}

/** Appends scalar records to growing columns; `finish()` hands them over (views of exactly `n` rows). */
export class ColumnsBuilder {
  n = 0;
  private tags: string[] = [];
  private index = new Map<string, number>();
  private tag: Uint32Array;
  private step: Float64Array;
  private wall: Float64Array;
  private value: Float64Array;
  private wallNull: Uint8Array | null = null;
  private lastTag: string | null = null;
  private lastIdx = 0;

  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.tag = new Uint32Array(c);
    this.step = new Float64Array(c);
    this.wall = new Float64Array(c);
    this.value = new Float64Array(c);
  }

  private grow(need: number): void {
    let c = this.tag.length;
    while (c < need) c *= 2;
    const g = <T extends Uint32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.tag = g(this.tag, (k) => new Uint32Array(k));
    this.step = g(this.step, (k) => new Float64Array(k));
    this.wall = g(this.wall, (k) => new Float64Array(k));
    this.value = g(this.value, (k) => new Float64Array(k));
    if (this.wallNull) this.wallNull = g(this.wallNull, (k) => new Uint8Array(k));
  }

  add(scalars: readonly ScalarRecord[]): void {
    const m = scalars.length;
    if (this.n + m > this.tag.length) this.grow(this.n + m);
    let i = this.n;
    for (let k = 0; k < m; k++, i++) {
      const s = scalars[k];
      if (s.tag !== this.lastTag) {
        let idx = this.index.get(s.tag);
        if (idx === undefined) {
          idx = this.tags.length;
          this.tags.push(s.tag);
          this.index.set(s.tag, idx);
        }
        this.lastTag = s.tag;
        this.lastIdx = idx;
      }
      this.tag[i] = this.lastIdx;
      this.step[i] = s.step;
      this.value[i] = s.value;
      if (s.wallTime === null) {
        this.wallNull ??= new Uint8Array(this.tag.length);
        this.wallNull[i] = 1;
      } else this.wall[i] = s.wallTime;
    }
    this.n = i;
  }

  finish(): ScalarColumns {
    const n = this.n;
    return {
      n,
      tags: this.tags,
      tag: this.tag.subarray(0, n),
      step: this.step.subarray(0, n),
      wall: this.wall.subarray(0, n),
      value: this.value.subarray(0, n),
      wallNull: this.wallNull ? this.wallNull.subarray(0, n) : null,
    };
  }
}

export function toColumns(scalars: readonly ScalarRecord[]): ScalarColumns {
  const b = new ColumnsBuilder(scalars.length);
  b.add(scalars);
  return b.finish();
}

export function fromColumns(c: ScalarColumns): ScalarRecord[] {
  const out = new Array<ScalarRecord>(c.n);
  const { tags, tag, step, wall, value, wallNull } = c;
  for (let i = 0; i < c.n; i++) {
    out[i] = { tag: tags[tag[i]], step: step[i], wallTime: wallNull !== null && wallNull[i] === 1 ? null : wall[i], value: value[i] };
  }
  return out;
}

/** The buffers to transfer with a postMessage. */
export function columnBuffers(c: ScalarColumns): ArrayBuffer[] {
  const out = [c.tag.buffer, c.step.buffer, c.wall.buffer, c.value.buffer] as ArrayBuffer[];
  if (c.wallNull) out.push(c.wallNull.buffer as ArrayBuffer);
  return out;
}
