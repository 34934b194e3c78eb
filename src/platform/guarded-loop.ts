/**
 * Runs `work` every `everyMs` after the previous run ends (or only when kicked, if null), between
 * start and stop, never twice at once: a kick while it runs is dropped (callers kick again). `stop`
 * waits for a run in progress, so nothing touches a client after its owner closed it.
 */
export function guardedLoop(everyMs: number | null, work: () => Promise<void>, onError: (err: unknown) => void, onSuccess: () => void = () => undefined) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  const schedule = () => {
    if (!stopped && everyMs !== null) timer = setTimeout(run, everyMs);
  };
  function run(): void {
    if (running) return;
    running = work()
      .then(onSuccess, onError)
      .finally(() => {
        running = null;
        schedule();
      });
  }
  return {
    start(): void {
      stopped = false;
      schedule();
    },
    kick(): void {
      if (!stopped) run();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
