// Speed only, never answers: libphonenumber-js checks a number against its metadata
// patterns through one helper, `matchesEntirely(text, pattern)`, which builds a new
// RegExp from the pattern text on every call. The patterns are long (the US fixed-line
// one is several KB) and V8 drops its own regexp cache at each full garbage collection,
// so in a large run every check recompiled them: about half of recall-normalize's time
// on 100k rows. This gives that helper a cache of compiled patterns (one per metadata
// pattern, a few hundred in all). A pattern compiled once tests exactly as a fresh one:
// no flags, so test() keeps no state between calls.
//
// The helper is internal to libphonenumber-js (not in its exports map), so it is reached
// by file and wrapped only when it has the expected shape; with another layout the
// library runs as it is, just slower. test/lib/contact/pattern-cache.spec holds the
// answers with and without the cache equal for every region's example numbers.
import * as path from 'node:path';

type MatchesEntirely = (text: string | undefined, pattern: string) => boolean;
type Cached = MatchesEntirely & { patternCache?: Map<string, RegExp>; uncached?: MatchesEntirely };
interface HelperModule {
  default?: Cached;
}

const HELPER = 'build/helpers/matchesEntirely.js';

function helperModule(): HelperModule | undefined {
  try {
    const root = path.dirname(require.resolve('libphonenumber-js/package.json'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(root, HELPER)) as HelperModule;
  } catch {
    return undefined;
  }
}

/** Installs the cache once per process; true when libphonenumber-js now uses it. */
export function cachePhonePatterns(): boolean {
  const mod = helperModule();
  const original = mod?.default;
  if (!mod || typeof original !== 'function' || original.length !== 2) return false;
  if (original.patternCache) return true;
  const compiled = new Map<string, RegExp>();
  const cached: Cached = (text, pattern) => {
    let re = compiled.get(pattern);
    if (!re) {
      re = new RegExp(`^(?:${pattern})$`);
      compiled.set(pattern, re);
    }
    return re.test(text || '');
  };
  cached.patternCache = compiled;
  cached.uncached = original;
  mod.default = cached;
  return true;
}

/** How many patterns are compiled (0 when the cache is not installed). */
export function cachedPatternCount(): number {
  return helperModule()?.default?.patternCache?.size ?? 0;
}

/** Runs `work` with libphonenumber-js's own helper, for tests comparing the two. */
export function withoutPatternCache<T>(work: () => T): T {
  const mod = helperModule();
  const cached = mod?.default;
  if (!mod || !cached?.uncached) return work();
  mod.default = cached.uncached;
  try {
    return work();
  } finally {
    mod.default = cached;
  }
}
