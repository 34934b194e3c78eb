// Reads docker-compose.yml the way `docker compose` would for payval's own services (the ones built
// from this repository), so a test can run them as local processes: no Docker engine runs here.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ComposeService {
  name: string;
  /** The image's ENV (Dockerfile) overlaid with the service's `environment`, interpolated. */
  env: Record<string, string>;
  /** `command`, or the Dockerfile's CMD. */
  command: string[];
  dependsOn: string[];
  /** Compose's `restart` policy, if any. */
  restart: string | undefined;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (which fails when VAR is unset or empty). */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string) => {
    const value = vars[name];
    if (value !== undefined && value !== '') return value;
    if (op === '-') return arg;
    if (op === '?') throw new Error(`compose: ${name} is required: ${arg}`);
    return '';
  });
}

function dockerfileRuntime(): { env: Record<string, string>; cmd: string[] } {
  const text = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const [, k, v] of line.slice(4).matchAll(/([A-Z0-9_]+)=("[^"]*"|\S+)/g)) env[k!] = v!.replace(/^"(.*)"$/, '$1');
  }
  const cmdLine = runtime.split('\n').find((l) => l.startsWith('CMD '));
  return { env, cmd: cmdLine ? (JSON.parse(cmdLine.slice(4)) as string[]) : [] };
}

/** The services of docker-compose.yml that `build: .` this repository, as written. */
export function payvalServices(vars: Record<string, string | undefined>): ComposeService[] {
  const raw = interpolate(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8').replace(/^\s*#.*$/gm, ''), vars);
  const doc = parse(raw, { merge: true }) as { services: Record<string, Record<string, unknown>> };
  const image = dockerfileRuntime();
  return Object.entries(doc.services)
    .filter(([, s]) => s.build === '.')
    .map(([name, s]) => {
      const env = { ...image.env };
      for (const [k, v] of Object.entries((s.environment as Record<string, unknown>) ?? {})) env[k] = String(v);
      const deps = s.depends_on;
      return {
        name,
        env,
        command: (s.command as string[] | undefined) ?? image.cmd,
        dependsOn: Array.isArray(deps) ? (deps as string[]) : Object.keys((deps as Record<string, unknown>) ?? {}),
        restart: typeof s.restart === 'string' ? s.restart : undefined,
      };
    });
}
