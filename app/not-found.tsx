import Link from 'next/link';

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
        <Link href="/login">Go to sign-in</Link>
      </p>
    </div>
  );
}
