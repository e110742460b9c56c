'use client';

import { CorbadoConnectPasskeyList, CorbadoConnectProvider } from '@corbado/connect-react';
import { callApi } from '@/lib/client/api';
import type { ConnectProject } from '../login/connect-sign-in';
import '../login/corbado-connect.css';

/**
 * Corbado Connect mode, on /account: Corbado's list of the user's passkeys. Every action it
 * takes (list, add, delete) is authorized by a connect token the app issues for the signed-in
 * user only; adding and deleting need a sign-in at most 5 minutes old.
 */
export function ConnectPasskeys({ project }: { project: ConnectProject }) {
  async function connectToken(type: string): Promise<string> {
    const result = await callApi<{ token: string }>('/api/corbado/connect/tokens', { body: { type } });
    if (!result.ok) throw new Error(result.message);
    return result.data.token;
  }
  return (
    <CorbadoConnectProvider projectId={project.projectId} frontendApiUrlSuffix={project.frontendApiUrlSuffix}>
      <CorbadoConnectPasskeyList connectTokenProvider={connectToken} />
    </CorbadoConnectProvider>
  );
}
