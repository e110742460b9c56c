import type { ReactNode } from 'react';

/**
 * What a form says about its request: a polite live region for progress and results (always in
 * the page, so screen readers hear each change) and, when there is one, the error as an alert.
 */
export function Feedback({ status, error }: { status: ReactNode; error: string | null }) {
  return (
    <>
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
