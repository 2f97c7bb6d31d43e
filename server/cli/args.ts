// A small argv parser: flags from a spec, positionals kept in order, clear errors (exit 2).

export class UsageError extends Error {}

/** A clear, expected failure (no database there, not a database, …): one line, exit `code` (default 1). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export interface FlagSpec {
  [name: string]: { type: 'string' | 'boolean' | 'multi' | 'optional-number'; short?: string };
}

export interface Parsed {
  flags: Record<string, string | boolean | string[] | number | undefined>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const flags: Parsed['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    let name = a.startsWith('--') ? a.slice(2) : a.slice(1);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!a.startsWith('--')) {
      const long = Object.entries(spec).find(([, s]) => s.short === name)?.[0];
      if (!long) throw new UsageError(`unknown option '${a}'`);
      name = long;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option '--${name}'`);
    if (s.type === 'boolean') {
      flags[name] = true;
    } else if (s.type === 'optional-number') {
      const next = inline ?? (argv[i + 1] !== undefined && /^\d+$/.test(argv[i + 1]) ? argv[++i] : undefined);
      flags[name] = next === undefined ? true : Number(next);
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`option '--${name}' needs a value`);
      if (s.type === 'multi') flags[name] = [...((flags[name] as string[] | undefined) ?? []), v];
      else flags[name] = v;
    }
  }
  return { flags, positionals };
}
