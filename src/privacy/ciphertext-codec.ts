// How a field-cipher ciphertext sits in a stored value, in code and in SQL, so key rotation, `keys
// status` and `keys retire-check` read the same thing. A ciphertext is `v1.<key id>.<iv>.<ct>.<tag>`
// (platform/field-cipher.ts); anything else in the column (NULL, plaintext written before a column was
// encrypted in place) is not a ciphertext and is left alone.

const PREFIX = 'v1.';

export interface CiphertextCodec {
  /** The ciphertext held in a stored value, or null when it holds none. */
  read(stored: string | null): string | null;
  /** The stored value with its ciphertext replaced. */
  write(stored: string, ciphertext: string): string;
  /** SQL: the same ciphertext as `read`, or NULL, for the column expression `column`. */
  sql(column: string): string;
}

/** The key id a ciphertext names, or null when the text is not a ciphertext. */
export function keyIdOf(ciphertext: string | null): string | null {
  if (ciphertext === null || !ciphertext.startsWith(PREFIX)) return null;
  const end = ciphertext.indexOf('.', PREFIX.length);
  return end > PREFIX.length ? ciphertext.slice(PREFIX.length, end) : null;
}

/**
 * SQL: the key id of the ciphertext expression `ciphertextSql`, or NULL. Compared byte for byte
 * (`k1` and `K1` are two key ids), whatever the column's character set.
 */
export function keyIdSql(ciphertextSql: string): string {
  return `CONVERT(CASE WHEN LEFT(${ciphertextSql}, 3) = '${PREFIX}' THEN SUBSTRING_INDEX(SUBSTRING_INDEX(${ciphertextSql}, '.', 2), '.', -1) END USING utf8mb4) COLLATE utf8mb4_bin`;
}

/** The whole column is the ciphertext (account numbers, webhook secrets, TOTP secrets). */
export const wholeValue: CiphertextCodec = {
  read: (stored) => (stored !== null && stored.startsWith(PREFIX) ? stored : null),
  write: (_stored, ciphertext) => ciphertext,
  sql: (column) => column,
};

const JSON_FIELD = /^[a-z_]{1,64}$/;

/**
 * A top-level string field of a JSON document (the `sealed_secret` of a stored idempotent answer).
 * Only the top level counts, in code and in SQL alike: a client's metadata nested in the same
 * document cannot pass for a ciphertext.
 */
export function jsonField(field: string): CiphertextCodec {
  if (!JSON_FIELD.test(field)) throw new Error(`jsonField: unsupported field name ${field}`);
  const documentOf = (stored: string | null): Record<string, unknown> | null => {
    if (stored === null) return null;
    try {
      const doc: unknown = JSON.parse(stored);
      return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  return {
    read(stored) {
      const value = documentOf(stored)?.[field];
      return typeof value === 'string' && value.startsWith(PREFIX) ? value : null;
    },
    write(stored, ciphertext) {
      const doc = documentOf(stored);
      if (!doc) throw new Error('jsonField: the stored value is not a JSON object');
      return JSON.stringify({ ...doc, [field]: ciphertext });
    },
    // JSON_VALID first: MySQL 8 refuses JSON_EXTRACT of a value that is not JSON (one encrypted in place).
    sql: (column) => `CASE WHEN JSON_VALID(${column}) THEN JSON_UNQUOTE(JSON_EXTRACT(${column}, '$.${field}')) END`,
  };
}

/**
 * A column encrypted in place whose older values are JSON documents with a ciphertext of their own in a
 * top-level field: `idempotency_keys.response_body`, whose answers stored before decision 0039 kept only
 * a webhook secret sealed, as `sealed_secret`. The whole value when it is a ciphertext, else that field.
 */
export function wholeOrJsonField(field: string): CiphertextCodec {
  const inner = jsonField(field);
  return {
    read: (stored) => wholeValue.read(stored) ?? inner.read(stored),
    write: (stored, ciphertext) => (wholeValue.read(stored) !== null ? ciphertext : inner.write(stored, ciphertext)),
    sql: (column) => `CASE WHEN LEFT(${column}, 3) = '${PREFIX}' THEN ${column} ELSE ${inner.sql(column)} END`,
  };
}
