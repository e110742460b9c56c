/**
 * Dates and ids on /account, rendered the same by the server and the browser.
 *
 * The page is rendered on the server and hydrated in the browser: any text that differs between
 * the two is a hydration mismatch. Intl.DateTimeFormat's output depends on the ICU data of the
 * runtime (Node's and each browser's differ, e.g. the space before "AM" is a narrow no-break
 * space in some versions and not in others), so dates are spelled out here from UTC fields.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** No-break space: "2 Dec 2026" and "11:56 UTC" never split; a line may break only after the comma. */
const NBSP = '\u00a0';

const pad = (value: number) => String(value).padStart(2, '0');

/** "2 Dec 2026, 11:56 UTC". */
export function formatUtc(epochMs: number): string {
  const date = new Date(epochMs);
  const day = [date.getUTCDate(), MONTHS[date.getUTCMonth()], date.getUTCFullYear()].join(NBSP);
  return `${day}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${NBSP}UTC`;
}

/** For <time dateTime>: the machine-readable instant. */
export const isoInstant = (epochMs: number) => new Date(epochMs).toISOString();
