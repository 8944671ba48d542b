/**
 * "Did you mean" suggestions, by the rule commander uses for mistyped commands: the candidates
 * at the smallest optimal-string-alignment distance (at most 3 edits) that share more than 40%
 * of the longer word.
 */

const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;

/** The candidates closest to `word`, sorted; empty when none is close. */
export function similarWords(word: string, candidates: readonly string[]): string[] {
  let best = MAX_DISTANCE;
  let similar: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate.length <= 1 || candidate === word) continue;
    const d = editDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    if ((length - d) / length <= MIN_SIMILARITY) continue;
    if (d < best) {
      best = d;
      similar = [candidate];
    } else if (d === best) {
      similar.push(candidate);
    }
  }
  return similar.sort();
}

/** `(did you mean x?)` for the closest candidates, or "" when none is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const similar = similarWords(word, candidates);
  if (similar.length === 0) return "";
  return similar.length === 1
    ? ` (did you mean ${similar[0]}?)`
    : ` (did you mean one of ${similar.join(", ")}?)`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d[i] = [i];
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
