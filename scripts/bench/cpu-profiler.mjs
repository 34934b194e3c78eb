// Preloaded into a process under test (NODE_OPTIONS=--import=<this file>, see cpu-profile.ts): the
// first SIGUSR2 starts V8's CPU profiler, the next one stops it and writes the profile to
// $BENCH_CPU_PROFILE (through a rename, so a reader never sees half a file). Unlike `node --cpu-prof`
// (refused in NODE_OPTIONS, and covering the whole life of the process) this profiles exactly the
// load phase of a benchmark. Plain JavaScript: it must load before any TypeScript loader.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const target = process.env.BENCH_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) return void process.stderr.write(`cpu profiler: ${err.message}\n`);
      writeFileSync(`${target}.part`, JSON.stringify(result.profile));
      renameSync(`${target}.part`, target);
    });
  });
}
