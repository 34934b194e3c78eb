import { matchPayeeNames, type NameMatchFlag, type NameMatchReason, type NameMatchThresholds } from '../name-match/name-matcher.js';
import type { NameMatchResult } from './validation-types.js';

export interface NameCheck { score: number | null; result: NameMatchResult; reasons: NameMatchReason[]; flags: NameMatchFlag[] }

/** The expected payee name against the bank's; `not_checked` when either side is missing. */
export function checkPayeeName(expected: string | null, registered: string | null, thresholds: NameMatchThresholds): NameCheck {
  if (!expected?.trim() || !registered?.trim()) return { score: null, result: 'not_checked', reasons: [], flags: [] };
  return matchPayeeNames(expected, registered, thresholds);
}
