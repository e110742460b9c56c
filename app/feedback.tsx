import type { ReactNode } from 'react';

/**
 * What a form says about its request, placed right under the button it is about: a polite live
 * region for progress and results (always in the page, so screen readers hear each change) and,
 * when there is one, the error as an alert. One at a time: an error replaces the status.
 */
export function Feedback({ status, error, errorId }: { status: ReactNode; error: string | null; errorId?: string }) {
  return (
    <>
      <p className="status" role="status" aria-live="polite">
        {error ? null : status}
      </p>
      {error && (
        <p className="error" role="alert" id={errorId}>
          {error}
        </p>
      )}
    </>
  );
}
