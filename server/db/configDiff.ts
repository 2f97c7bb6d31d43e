// Config comparison: flatten nested configs to dotted paths, keep only the keys whose values differ.

export type Leaf = string | number | boolean | null;

export function flattenConfig(v: unknown, prefix = '', out: Record<string, Leaf> = {}): Record<string, Leaf> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) flattenConfig(val, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) out[prefix] = JSON.stringify(v);
    else v.forEach((x, i) => flattenConfig(x, `${prefix}.${i}`, out));
  } else if (prefix) {
    out[prefix] = v === undefined ? null : (v as Leaf);
  }
  return out;
}

/** Keys (sorted) whose values are not all equal; a key missing in a run shows as null there. */
export function configDiff(configs: Record<string, Leaf>[]): { key: string; values: Leaf[] }[] {
  const keys = new Set<string>();
  for (const c of configs) for (const k of Object.keys(c)) keys.add(k);
  const rows: { key: string; values: Leaf[] }[] = [];
  for (const key of [...keys].sort()) {
    const values = configs.map((c) => (key in c ? c[key] : null));
    if (values.some((v) => v !== values[0])) rows.push({ key, values });
  }
  return rows;
}
