// The days and months usage is counted in and spend caps reset on: calendar days at a fixed UTC
// offset (USAGE_TIMEZONE, `+05:30` by default: Indian partners invoice by IST days, and India has no
// daylight saving, so a fixed offset is exact there). Pure: no I/O. See docs/decisions/0036.

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const MINUTE_MS = 60_000;

/** `+05:30`, `-03:00`, `Z` or `UTC` as minutes east of UTC; null when it is none of these (or beyond ±14:00). */
export function parseUtcOffset(text: string): number | null {
  if (text === 'Z' || text === 'UTC') return 0;
  const m = OFFSET.exec(text);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  const total = hours * 60 + minutes;
  if (minutes > 59 || total > 14 * 60) return null;
  return m[1] === '-' ? -total : total;
}

/** Minutes east of UTC as `+05:30` (what the API shows). */
export function formatUtcOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface UsagePeriod {
  /** The local calendar day, `YYYY-MM-DD`. */
  day: string;
  /** The local month, `YYYY-MM`. */
  month: string;
  /** Its first and last days, for range reads over daily rows. */
  monthFirstDay: string;
  monthLastDay: string;
  /** When the day and the month end (the next local midnight, the next first of a month), in UTC. */
  dayEndsAt: Date;
  monthEndsAt: Date;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const ymd = (d: Date): string => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** The day and month `now` falls in, at `offsetMinutes` east of UTC. */
export function periodAt(now: Date, offsetMinutes: number): UsagePeriod {
  const offsetMs = offsetMinutes * MINUTE_MS;
  // A Date shifted by the offset, read with the UTC getters, shows the local wall clock.
  const local = new Date(now.getTime() + offsetMs);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const nextDay = Date.UTC(y, m, local.getUTCDate() + 1);
  const nextMonth = Date.UTC(y, m + 1, 1);
  return {
    day: ymd(local),
    month: `${pad(y, 4)}-${pad(m + 1)}`,
    monthFirstDay: ymd(new Date(Date.UTC(y, m, 1))),
    monthLastDay: ymd(new Date(nextMonth - 86_400_000)),
    dayEndsAt: new Date(nextDay - offsetMs),
    monthEndsAt: new Date(nextMonth - offsetMs),
  };
}

/** The first and last days of a `YYYY-MM` month. */
export function monthDays(month: string): { first: string; last: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { first: `${month}-01`, last: ymd(new Date(Date.UTC(y, m, 0))) };
}

/** Whole days from `from` to `to` (`YYYY-MM-DD`), both counted; negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}
