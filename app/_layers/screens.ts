import type { ReactNode } from 'react';
import type { PasskeyLayerName } from '@/lib/layers';
import type { SessionUser } from '@/lib/session/session';

/**
 * What each passkey layer shows on /login and /account: server components that render its own
 * client components. app/login/page.tsx and app/account/page.tsx keep the frame (heading,
 * session check, who is signed in) and render the chosen layer's screens inside it.
 *
 * They live in app/, apart from the layer objects in lib/layers/, because middleware.ts and
 * readiness load those objects, and must not pull React and the vendors' components in.
 */
export interface LayerScreens {
  /** The line under /login's heading (re-authentication says its own). */
  intro: string;
  Login(props: { next: string; confirming: boolean; user: SessionUser | null }): ReactNode | Promise<ReactNode>;
  /** Below who is signed in: the user's passkeys, and a way out. */
  Account(props: { user: SessionUser }): ReactNode | Promise<ReactNode>;
}

export type LayerScreensByName = Record<PasskeyLayerName, LayerScreens>;
