import { distance } from 'fastest-levenshtein';

/**
 * Closest candidate to a mistyped word, or undefined when nothing is close enough to be a
 * plausible typo. Matching is case-insensitive so `Office` still finds `office`.
 *
 * The threshold max(2, ⌊len/3⌋) lets short keys absorb a transposition (two edits) while long
 * keys tolerate proportionally more. A suggestion must also keep at least one character of the
 * word (distance < word length); otherwise `x` would "suggest" any one-letter candidate.
 * Ties break alphabetically (code-unit order, not locale order) so output is identical on every
 * machine — error messages are asserted in tests and diffed in CI logs.
 *
 * A candidate the word starts with (or that starts with the word) is suggested instead, when the
 * shared part is at least 4 characters and half the longer one and no candidate is within two
 * edits: `expectations:`
 * is six edits from `expect:`, yet plainly meant it, and silently dropping every expectation is
 * the worst outcome of that typo.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const needle = word.toLowerCase();
  const max_distance = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let best_distance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // Suggesting the very word the user wrote helps nobody.
    if (candidate === word) continue;
    const d = distance(needle, candidate.toLowerCase());
    if (d > max_distance || d >= word.length) continue;
    if (d < best_distance || (d === best_distance && best !== undefined && candidate < best)) {
      best = candidate;
      best_distance = d;
    }
  }
  // A word that extends a key (or a key it shortens) was plainly meant as that key: it wins over
  // an edit-distance match that is more than a transposition away (`expectations` → `expect`,
  // not `operations`, four edits away).
  const prefix = prefixMatch(needle, candidates);
  if (prefix !== undefined && best_distance > 2) return prefix;
  return best ?? prefix;
}

function prefixMatch(needle: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let best_gap = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === needle) continue;
    const [short, long] = c.length < needle.length ? [c, needle] : [needle, c];
    if (short.length < 4 || short.length * 2 < long.length || !long.startsWith(short)) continue;
    const gap = long.length - short.length;
    if (gap < best_gap || (gap === best_gap && best !== undefined && candidate < best)) {
      best = candidate;
      best_gap = gap;
    }
  }
  return best;
}
