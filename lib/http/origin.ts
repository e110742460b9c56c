const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request a browser sent from another site. Browsers send Origin with every
 * cross-origin POST (and Sec-Fetch-Site where supported); a request with neither came from a
 * non-browser client, which cannot carry a victim's cookies.
 */
export function isCrossSiteWrite(method: string, headers: Headers, appOrigin: string): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const origin = headers.get('origin');
  if (origin !== null) return origin !== appOrigin;
  const fetchSite = headers.get('sec-fetch-site');
  return fetchSite !== null && fetchSite !== 'same-origin' && fetchSite !== 'none';
}
