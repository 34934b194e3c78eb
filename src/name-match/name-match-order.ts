import { NAME_MATCH_FLAGS, NAME_MATCH_REASONS, type NameMatchFlag, type NameMatchReason } from './name-match-types.js';

/** Reasons in their documented order. */
export const orderedReasons = (set: ReadonlySet<NameMatchReason>): NameMatchReason[] => NAME_MATCH_REASONS.filter((r) => set.has(r));
/** Flags in their documented order. */
export const orderedFlags = (set: ReadonlySet<NameMatchFlag>): NameMatchFlag[] => NAME_MATCH_FLAGS.filter((f) => set.has(f));
