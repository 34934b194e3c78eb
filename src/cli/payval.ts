// The `payval` command's entry point. bin/payval.mjs loads it (compiled, or the source through tsx);
// `npm start` runs its compiled form directly: `node dist/src/cli/payval.js serve`.
import { runCli } from './cli.js';

await runCli(process.argv.slice(2));
