import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets or full account numbers. Bodies are never logged, but errors and
 * ad-hoc objects can be, so the usual suspects are censored wherever they appear.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'req.headers.cookie',
  'account_number',
  'accountNumber',
  '*.account_number',
  '*.accountNumber',
  '*.*.account_number',
  '*.*.accountNumber',
  'apiKey',
  '*.apiKey',
  'key',
  // Payee data that retention and erasure must be able to remove: a log line already shipped cannot be.
  'vpa',
  '*.vpa',
  '*.*.vpa',
  'expectedName',
  '*.expectedName',
  '*.*.expectedName',
  'expected_name',
  '*.expected_name',
  '*.*.expected_name',
  'registeredName',
  '*.registeredName',
  '*.*.registeredName',
  'registered_name',
  '*.registered_name',
  '*.*.registered_name',
  'metadata',
  '*.metadata',
  '*.*.metadata',
];

const LONG_DIGIT_RUN = /\d{9,}/g;

/** Masks any run of 9+ digits in a log message: a last line of defence against account numbers. */
export function scrubDigits(text: string): string {
  return text.replace(LONG_DIGIT_RUN, (m) => 'X'.repeat(Math.max(0, m.length - 4)) + m.slice(-4));
}

// 9+ digits, even when written with spaces or dashes between them (`5010-0012-3456-78`).
const SPACED_DIGIT_RUN = /\d(?:[\s-]*\d){8,}/g;

/**
 * A request URL as it may be logged: the path only (a query string can carry `?api_key=`), percent-decoded
 * so an encoded number is seen, with every account-number-like digit run masked to its last four digits.
 */
export function scrubUrlPath(url: string): string {
  const raw = url.split(/[?#]/, 1)[0] ?? '';
  let path = raw;
  try {
    path = decodeURIComponent(raw);
  } catch {
    // Malformed escapes: mask the raw form.
  }
  return maskDigitRuns(path).replace(BEARER_PATH, '$1[token]');
}

/** Paths that carry a bearer secret: a console invitation link (`/console/invitations/<token>`). */
const BEARER_PATH = /^(\/console\/invitations\/).+/i;

/** Every run of 9+ digits (spaces or dashes between them allowed) as X's and its last four digits. */
export function maskDigitRuns(text: string): string {
  return text.replace(SPACED_DIGIT_RUN, (m) => {
    const digits = m.replace(/\D/g, '');
    return 'X'.repeat(digits.length - 4) + digits.slice(-4);
  });
}

/**
 * Lines go to stdout asynchronously: under load many lines leave in one write instead of one write
 * each, and pino flushes what is buffered when the process exits (a crash included).
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: 'payval' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return { ...s, message: scrubDigits(String(s.message ?? '')), stack: scrubDigits(String(s.stack ?? '')) };
        },
      },
      hooks: {
        logMethod(args, method) {
          const mapped = args.map((a) => (typeof a === 'string' ? scrubDigits(a) : a)) as typeof args;
          method.apply(this, mapped);
        },
      },
    },
    destination,
  );
}

/**
 * A logger for lines whose every field payval builds itself from values that cannot hold a secret or
 * an account number (the access log: request id, method, a path already masked by `scrubUrlPath`,
 * status, time). Same level, base fields and destination as `logger`, without the redaction pass,
 * which walked every such line's objects for the wildcard paths: about 15 KB of garbage per request
 * (decision 0025, fifth pass).
 */
export function fixedShapeLogger(logger: Logger): Logger {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  if (!stream) throw new Error('logger has no destination stream');
  return pino({ level: logger.level, base: { service: 'payval' } }, stream);
}
