// Preloaded into a process under test (NODE_OPTIONS=--import=<this file>, see cpu-profile.ts): the
// first SIGUSR2 starts V8's CPU profiler, the next one stops it and writes the profile to
// $BENCH_CPU_PROFILE (through a rename, so a reader never sees half a file). Unlike `node --cpu-prof`
// (refused in NODE_OPTIONS, and covering the whole life of the process) this profiles exactly the
// load phase of a benchmark. Plain JavaScript: it must load before any TypeScript loader.
// Over the same phase it samples allocations (V8's sampling heap profiler, objects that died young
// included) into `<file>.heapprofile`, and counts garbage collections by kind into `<file>.gc.json`.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const target = process.env.BENCH_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  let running = false;
  let gc = {};
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[e.detail?.kind] ?? String(e.detail?.kind);
      const g = (gc[kind] ??= { count: 0, ms: 0 });
      g.count++;
      g.ms += e.duration;
    }
  });
  const write = (file, text) => {
    writeFileSync(`${file}.part`, text);
    renameSync(`${file}.part`, file);
  };
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      gc = {};
      observer.observe({ entryTypes: ['gc'] });
      session.post('HeapProfiler.enable', () =>
        session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
      );
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    observer.disconnect();
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) write(`${target}.heapprofile`, JSON.stringify(result.profile));
      write(`${target}.gc.json`, JSON.stringify(gc));
      session.post('Profiler.stop', (err2, result2) => {
        if (err2) return void process.stderr.write(`cpu profiler: ${err2.message}\n`);
        write(target, JSON.stringify(result2.profile));
      });
    });
  });
}
