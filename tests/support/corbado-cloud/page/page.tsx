import {
  CorbadoConnectAppend,
  CorbadoConnectLogin,
  CorbadoConnectPasskeyList,
  CorbadoConnectProvider,
} from '@corbado/connect-react';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

/**
 * The smallest page that runs the real @corbado/connect-react components against the stand-in,
 * without the app: its server (component-page.ts) asks the Backend API for connect tokens and
 * verifies signedPasskeyData, as an app's server would.
 */

interface PageConfig {
  projectId: string;
  frontendApiUrlSuffix: string;
  mode: 'append' | 'login' | 'list';
  username: string;
  email: string;
  /** React's development build in <StrictMode>, as `npm run dev` runs the app. */
  strict: boolean;
}

declare global {
  interface Window {
    __PAGE_CONFIG__: PageConfig;
  }
}

const config = window.__PAGE_CONFIG__;

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as T;
}

const token = async (type: string) =>
  (await post<{ secret: string }>('/token', { type, username: config.username, email: config.email })).secret;

function Page() {
  const [status, setStatus] = useState('');
  return (
    <>
      <p id="status">{status}</p>
      <CorbadoConnectProvider projectId={config.projectId} frontendApiUrlSuffix={config.frontendApiUrlSuffix}>
        {config.mode === 'append' && (
          <CorbadoConnectAppend
            appendTokenProvider={() => token('passkey-append')}
            onSkip={async (appendStatus) => setStatus(`skip:${appendStatus}`)}
            onComplete={async (appendStatus) => setStatus(`append:${appendStatus ?? 'complete'}`)}
          />
        )}
        {config.mode === 'login' && (
          <CorbadoConnectLogin
            onFallback={(identifier, message) => setStatus(`fallback:${identifier}:${message}`)}
            onLoaded={() => undefined}
            onComplete={async (signedPasskeyData) => {
              const answer = await post<{ verificationResult: string }>('/complete', {
                signedPasskeyData,
                username: config.username,
              });
              setStatus(`login:${answer.verificationResult}`);
            }}
          />
        )}
        {config.mode === 'list' && <CorbadoConnectPasskeyList connectTokenProvider={(type) => token(type)} />}
      </CorbadoConnectProvider>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  config.strict ? (
    <StrictMode>
      <Page />
    </StrictMode>
  ) : (
    <Page />
  ),
);
