/**
 * The login screens' POSTs. Like lib/client/api.ts's callApi, but a 429 or 503 also says how
 * long to wait, from the Retry-After header, in words ("Try again in 15 minutes."): the user
 * sees how long, not "a moment".
 */
export type LoginResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string; mustWait: boolean };

export async function postLogin<T>(url: string, body: unknown): Promise<LoginResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return {
      ok: false,
      status: 0,
      message: 'The network is unreachable. Check your connection and try again.',
      mustWait: false,
    };
  }
  const data = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (response.ok) return { ok: true, data: data as T };
  const wait = Number(response.headers.get('retry-after'));
  if (response.status === 429 && wait > 0) {
    return { ok: false, status: 429, message: `Too many attempts. Try again in ${waitInWords(wait)}.`, mustWait: true };
  }
  return {
    ok: false,
    status: response.status,
    message: data?.error?.message ?? 'Something went wrong. Try again.',
    mustWait: false,
  };
}

/** 40 → "40 seconds", 900 → "15 minutes", 5400 → "2 hours": rounded up, so the user never comes back too early. */
export function waitInWords(seconds: number): string {
  const [amount, unit] =
    seconds < 60
      ? [Math.ceil(seconds), 'second']
      : seconds < 3600
        ? [Math.ceil(seconds / 60), 'minute']
        : [Math.ceil(seconds / 3600), 'hour'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
