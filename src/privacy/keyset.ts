// SQL for walking a table in primary-key order and naming a page of its rows, for any primary key
// (one column or several). Composite comparisons are written out as ORs of equalities rather than as
// row constructors: both MySQL 8 and MariaDB turn these into ranges on the primary key.

export interface SqlFragment {
  sql: string;
  bindings: unknown[];
}

const COLUMN = /^[a-z_][a-z0-9_]{0,63}$/;

function quoted(column: string): string {
  if (!COLUMN.test(column)) throw new Error(`keyset: unsupported column name ${column}`);
  return `\`${column}\``;
}

/** Rows strictly after `last` in the lexicographic order of `key`. */
export function afterKey(key: readonly string[], last: readonly unknown[]): SqlFragment {
  if (key.length === 0 || last.length !== key.length) throw new Error('keyset: the cursor does not match the key');
  const terms: string[] = [];
  const bindings: unknown[] = [];
  key.forEach((column, i) => {
    const equal = key.slice(0, i).map((c) => `${quoted(c)} = ?`);
    terms.push(`(${[...equal, `${quoted(column)} > ?`].join(' AND ')})`);
    bindings.push(...last.slice(0, i + 1));
  });
  return { sql: `(${terms.join(' OR ')})`, bindings };
}

/** Exactly the rows whose keys are `keys` (at least one). */
export function keyIn(key: readonly string[], keys: readonly (readonly unknown[])[]): SqlFragment {
  if (keys.length === 0) throw new Error('keyset: no keys');
  if (keys.some((k) => k.length !== key.length)) throw new Error('keyset: a key does not match the key columns');
  if (key.length === 1) return { sql: `${quoted(key[0]!)} IN (${keys.map(() => '?').join(', ')})`, bindings: keys.map((k) => k[0]) };
  const one = `(${key.map((c) => `${quoted(c)} = ?`).join(' AND ')})`;
  return { sql: `(${keys.map(() => one).join(' OR ')})`, bindings: keys.flat() };
}

/** A row's key values, in key order. */
export const keyOf = (key: readonly string[], row: Record<string, unknown>): unknown[] => key.map((c) => row[c]);

/** A stable text form of a key, for sets of keys. */
export const keyText = (values: readonly unknown[]): string => JSON.stringify(values.map((v) => (typeof v === 'bigint' ? String(v) : v)));
