// The figures of chaos:redis-wipe, from samples of a batch's final-row count: the normal drain rate
// before the wipe and the drain after it, as rates and as their ratio.

export interface DrainSample {
  /** ms on the script's clock (Date.now()). */
  at: number;
  /** completed + failed rows. */
  final: number;
}

export interface DrainFigures {
  normalRowsPerSecond: number;
  /** Rows the batch still had to finish when Redis was wiped. */
  remainingAtWipe: number;
  drainAfterWipeSeconds: number;
  afterWipeRowsPerSecond: number;
  /** What the remaining rows would have taken at the normal rate. */
  expectedSeconds: number;
  /** drain after the wipe ÷ expected: 1 is no slowdown at all. */
  slowdown: number;
}

/**
 * `samples` up to the wipe; the normal rate is measured from the first sample at `warmUpShare` of
 * the batch (after the workers' start-up) to the last sample before the wipe.
 */
export function drainFigures(samples: readonly DrainSample[], accepted: number, wipe: DrainSample, completedAt: number, warmUpShare = 0.05): DrainFigures {
  const from = samples.find((s) => s.final >= warmUpShare * accepted);
  const to = [...samples].reverse().find((s) => s.at <= wipe.at);
  if (!from || !to || to.at <= from.at || to.final <= from.final) throw new Error('not enough progress before the wipe to measure a normal drain rate');
  const normalRowsPerSecond = (to.final - from.final) / ((to.at - from.at) / 1000);
  const remainingAtWipe = accepted - wipe.final;
  const drainAfterWipeSeconds = (completedAt - wipe.at) / 1000;
  const expectedSeconds = remainingAtWipe / normalRowsPerSecond;
  return {
    normalRowsPerSecond,
    remainingAtWipe,
    drainAfterWipeSeconds,
    afterWipeRowsPerSecond: remainingAtWipe / drainAfterWipeSeconds,
    expectedSeconds,
    slowdown: drainAfterWipeSeconds / expectedSeconds,
  };
}
