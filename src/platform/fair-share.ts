/**
 * Fair shares of the validation workers, expressed as BullMQ priorities. Pure: the Lua script in
 * fair-share-redis.ts applies exactly these rules atomically in Redis, and a component test checks
 * the two agree. See docs/decisions/0024-fair-scheduling.md.
 *
 * A BullMQ worker takes a job from the plain wait list first and only then from the prioritized set,
 * lowest priority first, FIFO within a priority. Single validations carry no priority, so they never
 * wait behind bulk rows. Batch rows carry a "round": each slice of a tenant's page gets the tenant's
 * next round, never below the round the workers are at (the head) and never more than `maxAhead`
 * rounds past it. A tenant that starts while another has a long backlog therefore begins at the head
 * and alternates slice by slice with it instead of waiting behind it.
 */

/** BullMQ's PRIORITY_LIMIT (2^21 - 1); a test pins it to the installed version. */
export const MAX_PRIORITY = 2 ** 21 - 1;

/** BullMQ 6 scores a prioritized job `priority × 2^32 + counter` (includes/getPriorityScore.lua). */
export const PRIORITY_SCORE_SHIFT = 2 ** 32;

export const priorityOfScore = (score: number): number => Math.floor(score / PRIORITY_SCORE_SHIFT);

/** What Redis holds when a tenant asks for rounds. */
export interface FairState {
  /** Lowest priority in the prioritized set (the round being worked on); null when it is empty. */
  head: number | null;
  /** Highest priority in the prioritized set; null when it is empty. */
  tail: number | null;
  /** The last round given to this tenant, if remembered. */
  last: number | null;
  /** Jobs waiting: the wait list plus the prioritized set. */
  queued: number;
}

export interface FairLimits {
  /** How many rounds past the head a tenant's slices may be placed. */
  maxAhead: number;
  /** Backpressure: past this many queued jobs only a tenant with nothing queued past the head may add (0: no bound). */
  maxWaiting: number;
  maxPriority?: number;
}

/** Rounds for a tenant's next slices: slice k gets min(first + k, cap). */
export interface RoundPlan {
  first: number;
  cap: number;
  /** The tenant's last round after this plan (what Redis remembers). */
  last: number;
}

/** The round bulk work is at: the head, or 1 when nothing is prioritized (rounds start over). */
export const baseRound = (head: number | null): number => head ?? 1;

/**
 * A tenant's remembered round is stale when no job is queued at or past it: its slices were all
 * taken (it is behind the head) or the queue emptied and rounds started over.
 */
export function currentLast(state: Pick<FairState, 'last' | 'tail'>): number | null {
  if (state.last === null || state.tail === null || state.last > state.tail) return null;
  return state.last;
}

/**
 * Places `slices` slices of a tenant's next page, or null when the tenant must wait for room. The
 * bound on queued jobs never blocks a tenant that has nothing queued past the head round, so a
 * feeder waiting for room always gets its turn however many others poll; the bound is exceeded by
 * at most one page per such tenant.
 */
export function planRounds(state: FairState, slices: number, limits: FairLimits): RoundPlan | null {
  const maxPriority = limits.maxPriority ?? MAX_PRIORITY;
  const base = baseRound(state.head);
  const last = currentLast(state);
  const full = limits.maxWaiting > 0 && state.queued > limits.maxWaiting;
  if (full && last !== null && last > base) return null;
  const cap = Math.min(base + limits.maxAhead, maxPriority);
  const first = last === null ? base : Math.max(base, Math.min(last + 1, cap));
  return { first, cap, last: Math.min(first + Math.max(1, slices) - 1, cap) };
}

/** The slices of a page: how many, for `rows` rows of `sliceRows` each. */
export const sliceCount = (rows: number, sliceRows: number): number => Math.ceil(rows / sliceRows);

/** The BullMQ priority (round) of the page's slice k. */
export const slicePriority = (plan: RoundPlan, k: number): number => Math.min(plan.first + k, plan.cap);
