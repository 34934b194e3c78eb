export type NameMatchResult = 'match' | 'close_match' | 'no_match' | 'not_checked';

const HONORIFICS = new Set(['MR', 'MRS', 'MS', 'MISS', 'SHRI', 'SRI', 'SMT', 'KUMARI', 'DR']);

function tokenize(name: string): string[] {
  return name
    .toUpperCase()
    // M/S must go before punctuation is stripped, or it would read as the initials M and S.
    .replace(/(^|[^\p{L}\p{N}])M\/S(?![\p{L}\p{N}])/gu, '$1 ')
    .replace(/['\u2019]/g, '')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((t) => t !== '' && !HONORIFICS.has(t));
}

function isInitialOf(initial: string, token: string): boolean {
  return [...initial].length === 1 && token.startsWith(initial);
}

// Exact token pairs count 1, an initial paired with a full token counts 0.5.
function commonWeight(a: string[], b: string[]): number {
  const restA: string[] = [];
  const restB = [...b];
  let common = 0;
  for (const token of a) {
    const i = restB.indexOf(token);
    if (i >= 0) {
      restB.splice(i, 1);
      common += 1;
    } else {
      restA.push(token);
    }
  }
  for (const token of restA) {
    const i = restB.findIndex((other) => isInitialOf(token, other) || isInitialOf(other, token));
    if (i >= 0) {
      restB.splice(i, 1);
      common += 0.5;
    }
  }
  return common;
}

export function matchNames(expected: string | null, registered: string | null): { score: number | null; result: NameMatchResult } {
  const a = expected === null ? [] : tokenize(expected);
  const b = registered === null ? [] : tokenize(registered);
  if (a.length === 0 || b.length === 0) return { score: null, result: 'not_checked' };
  const score = Math.round((100 * 2 * commonWeight(a, b)) / (a.length + b.length));
  const result: NameMatchResult = score >= 90 ? 'match' : score >= 60 ? 'close_match' : 'no_match';
  return { score, result };
}
