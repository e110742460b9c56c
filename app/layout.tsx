import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sign in',
  description: 'Passkey-first sign-in for Amazon Cognito users',
  // public/favicon.ico: said here too, so no browser guesses another path.
  icons: { icon: '/favicon.ico' },
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

// Every page, the 404 page included, renders per request: Next puts the nonce of the request's
// Content-Security-Policy (middleware.ts) on its scripts, which a page prerendered at build time
// could not carry, so the policy would block it.
export const dynamic = 'force-dynamic';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <main>{children}</main>
      </body>
    </html>
  );
}
