#!/usr/bin/env node
// payval runs its TypeScript sources through tsx (no build step for `npm start` / `npx payval`);
// see docs/decisions/0001-run-typescript-with-tsx.md.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/cli.ts');
await runCli(process.argv.slice(2));
