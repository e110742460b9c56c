/**
 * The client's address for rate limits: the right-most X-Forwarded-For entry, which the
 * nearest proxy (Next's own server, Vercel, a load balancer) appends, so a client cannot choose
 * it by sending its own header. 'unknown' when there is none.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers.get('x-forwarded-for');
  const last = forwarded?.split(',').pop()?.trim();
  return last || headers.get('x-real-ip')?.trim() || 'unknown';
}
