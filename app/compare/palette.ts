// Run colours: twelve that are told apart on a white chart, derived from the run (its id), not from its
// place in the URL, so a run keeps its colour from one comparison to the next. Within one comparison no
// colour repeats while there are at most twelve runs: a run whose colour another run (of lower id) already
// holds takes the next free one.
export const RUN_PALETTE = [
  '#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#17becf',
  '#e377c2', '#8c564b', '#bcbd22', '#393b79', '#637939', '#f0027f',
] as const;

/** The colour each run id gets among `ids` (order does not matter). */
export function runColors(ids: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  const taken = new Set<number>();
  const n = RUN_PALETTE.length;
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    let k = ((id % n) + n) % n;
    if (taken.size < n) while (taken.has(k)) k = (k + 1) % n;
    taken.add(k);
    out.set(id, RUN_PALETTE[k]);
  }
  return out;
}
