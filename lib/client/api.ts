/** Browser-side calls to the app's JSON API, with the server's user-facing message on failure. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

/**
 * Automatic retries: a 503 whose body says `retry: true` (Cognito's quota held the request back,
 * lib/cognito/quota.ts) is sent again, unchanged, after its Retry-After plus a random part of a
 * second, so the clients of one burst do not come back in step. A passkey sign-in kept its
 * verified proof in a cookie for this retry (lib/sign-in/retry.ts): no second prompt. At
 * most RETRY_LIMITS.attempts retries, and none that would start after RETRY_LIMITS.withinMs
 * (the 60 s the server keeps a proof); then the 503's message is the answer.
 */
export const RETRY_LIMITS = { attempts: 5, withinMs: 55_000, jitterMs: 1_000 } as const;

/** What to do with a response: its Retry-After in ms when the server asked for an automatic retry, else null. */
function automaticRetryDelay(response: Response, body: { retry?: unknown } | null): number | null {
  if (response.status !== 503 || body?.retry !== true) return null;
  const seconds = Number(response.headers.get('retry-after'));
  return (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000) + Math.random() * RETRY_LIMITS.jitterMs;
}

export async function callApi<T>(url: string, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const startedAt = Date.now();
  for (let retries = 0; ; retries += 1) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method ?? 'POST',
        headers: init.body === undefined ? undefined : { 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch {
      return { ok: false, status: 0, message: 'The network is unreachable. Check your connection and try again.' };
    }
    const data = (await response.json().catch(() => null)) as
      (T & { error?: { message?: string }; retry?: unknown }) | null;
    if (response.ok) return { ok: true, data: data as T };
    const delay = automaticRetryDelay(response, data);
    if (delay !== null && retries < RETRY_LIMITS.attempts && Date.now() + delay - startedAt <= RETRY_LIMITS.withinMs) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      continue;
    }
    return { ok: false, status: response.status, message: data?.error?.message ?? 'Something went wrong. Try again.' };
  }
}

/** A WebAuthn error as a sentence for the user; null when the user simply cancelled. */
export function describeWebAuthnError(error: unknown): string | null {
  const name = (error as { name?: string; code?: string })?.name;
  if (name === 'AbortError') return null;
  if (name === 'NotAllowedError') {
    return 'The passkey prompt was cancelled or timed out, or your device could not verify you. Try again, or continue with your email.';
  }
  if (name === 'InvalidStateError') return 'This device already has a passkey for this account.';
  return 'Your browser could not use a passkey here. Try again, or use an email code.';
}
