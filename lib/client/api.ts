/** Browser-side calls to the app's JSON API, with the server's user-facing message on failure. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

export async function callApi<T>(url: string, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
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
  const data = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (response.ok) return { ok: true, data: data as T };
  return { ok: false, status: response.status, message: data?.error?.message ?? 'Something went wrong. Try again.' };
}

/** A WebAuthn error as a sentence for the user; null when the user simply cancelled. */
export function describeWebAuthnError(error: unknown): string | null {
  const name = (error as { name?: string; code?: string })?.name;
  if (name === 'AbortError') return null;
  if (name === 'NotAllowedError') {
    return 'The passkey prompt was cancelled or timed out, or your device could not verify you. Try again.';
  }
  if (name === 'InvalidStateError') return 'This device already has a passkey for this account.';
  return 'Your browser could not use a passkey here. Try again, or use an email code.';
}
