import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Page not found' };

/**
 * The 404 page. Next's built-in one styles itself inline, which the Content-Security-Policy
 * (middleware.ts) refuses; this one uses the app's stylesheet.
 */
export default function NotFound() {
  return (
    <div className="card stack">
      <div>
        <h1>Page not found</h1>
        <p className="lead">There is nothing at this address.</p>
      </div>
      <p>
        <Link href="/login" className="button">
          Go to sign-in
        </Link>
      </p>
    </div>
  );
}
