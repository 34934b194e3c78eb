import { readdirSync, readFileSync } from 'node:fs';
import type { LabelledNamePair } from '../../src/name-match/name-match-metrics.js';

const DIR = new URL('../fixtures/name-match/', import.meta.url);

/**
 * Every labelled pair: the first round's set (labelled-pairs.json) and the per-category files in
 * pairs/, in a stable order.
 */
export function loadLabelledPairs(): LabelledNamePair[] {
  const read = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as LabelledNamePair[];
  const files = readdirSync(new URL('pairs/', DIR)).filter((f) => f.endsWith('.json')).sort();
  return [read(new URL('labelled-pairs.json', DIR)), ...files.map((f) => read(new URL(`pairs/${f}`, DIR)))].flat();
}
