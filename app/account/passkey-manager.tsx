'use client';

import {
  browserSupportsWebAuthn,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/browser';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { callApi, describeWebAuthnError } from '@/lib/client/api';
import { formatUtc, isoInstant } from './format';
import { confirmationUrl, takeResumedAction, type PendingAction } from './pending-action';
import { useRecentSignInExpired } from './recent-sign-in';
import { useReportSignedOut } from './session-watch';
import { takePasskeyCreatedNotice } from '../login/passkey-created';
import { Feedback } from '../feedback';

/** A passkey as the layers list it (no key material); `provider` where its AAGUID named one. */
export interface PasskeySummary {
  id: string;
  name: string;
  provider?: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  lastUsedAt: number | null;
}

/** What is in flight, so that its button can say so. */
type Busy = { kind: 'add' } | { kind: 'rename' | 'delete'; id: string } | null;

/**
 * Embedded mode: the account's passkeys, with add, rename and delete. Adding and deleting need a
 * sign-in at most 5 minutes old: once that window closes (or the server says so), the page says
 * why and offers to confirm, and after the confirmation it does what was asked, once.
 */
export function PasskeyManager({
  initial,
  recentSignInSecondsLeft,
  passkeysApi = '/api/account/passkeys',
}: {
  initial: PasskeySummary[];
  recentSignInSecondsLeft: number;
  /** The layer's passkey routes: GET/POST here, POST `/options`, PATCH/DELETE `/<id>`. */
  passkeysApi?: string;
}) {
  const [passkeys, setPasskeys] = useState(initial);
  const [busy, setBusy] = useState<Busy>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const { expired, expire } = useRecentSignInExpired(recentSignInSecondsLeft);
  /** The action waiting for "Confirm it's you", shown in the notice. */
  const [waiting, setWaiting] = useState<PendingAction | null>(null);
  const notice = useRef<HTMLDivElement>(null);
  const reportSignedOut = useReportSignedOut();
  /** Until the page has looked, assume the browser can (the server renders the same). */
  const [passkeysSupported, setPasskeysSupported] = useState(true);

  /** The app's API; a 401 means the session ended (another tab signed out): the page says so. */
  async function api<T>(url: string, init?: Parameters<typeof callApi>[1]) {
    const result = await callApi<T>(url, init);
    if (!result.ok && result.status === 401) reportSignedOut();
    return result;
  }

  function askToConfirm(action: PendingAction) {
    expire();
    setWaiting(action);
    setBusy(null);
    setStatus(null);
    // The notice replaces what the user clicked: move focus there so they hear why.
    requestAnimationFrame(() => notice.current?.focus());
  }

  async function refresh() {
    const result = await api<{ passkeys: PasskeySummary[] }>(passkeysApi, { method: 'GET' });
    if (result.ok) setPasskeys(result.data.passkeys);
  }

  async function addPasskey() {
    if (expired) return askToConfirm({ kind: 'add' });
    setError(null);
    setStatus('Creating your passkey…');
    setBusy({ kind: 'add' });
    const options = await api<{ options: PublicKeyCredentialCreationOptionsJSON }>(`${passkeysApi}/options`);
    if (!options.ok) {
      setBusy(null);
      setStatus(null);
      return options.status === 403 ? askToConfirm({ kind: 'add' }) : setError(options.message);
    }
    try {
      const response = await startRegistration({ optionsJSON: options.data.options });
      // No name: the server names it after its provider (or this browser and system).
      const saved = await api<{ passkey: PasskeySummary }>(passkeysApi, { body: { response } });
      setBusy(null);
      if (saved.ok) setStatus(`Passkey “${saved.data.passkey.name}” created.`);
      else if (saved.status === 403) askToConfirm({ kind: 'add' });
      else setError(saved.message);
      await refresh();
    } catch (cause) {
      setBusy(null);
      setStatus(null);
      setError(describeWebAuthnError(cause));
    }
  }

  async function rename(event: FormEvent<HTMLFormElement>, passkey: PasskeySummary) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    setError(null);
    setBusy({ kind: 'rename', id: passkey.id });
    const result = await api<{ name: string }>(`${passkeysApi}/${encodeURIComponent(passkey.id)}`, {
      method: 'PATCH',
      body: { name },
    });
    setBusy(null);
    if (!result.ok) return setError(result.message);
    setRenaming(null);
    setStatus(`Renamed to “${result.data.name}”.`);
    setPasskeys((list) => list.map((item) => (item.id === passkey.id ? { ...item, name: result.data.name } : item)));
  }

  /** `confirmed`: the user already said yes (before confirming who they are). */
  async function remove(passkey: Pick<PasskeySummary, 'id' | 'name'>, confirmed = false) {
    const action: PendingAction = { kind: 'delete', id: passkey.id, name: passkey.name };
    if (expired) return askToConfirm(action);
    if (!confirmed && !window.confirm(`Delete “${passkey.name}”? You will no longer be able to sign in with it.`))
      return;
    setError(null);
    setStatus(`Deleting “${passkey.name}”…`);
    setBusy({ kind: 'delete', id: passkey.id });
    const result = await api(`${passkeysApi}/${encodeURIComponent(passkey.id)}`, { method: 'DELETE' });
    if (!result.ok && result.status === 403) return askToConfirm(action);
    setBusy(null);
    if (result.ok) {
      setPasskeys((list) => list.filter((item) => item.id !== passkey.id));
      setStatus(`Deleted “${passkey.name}”.`);
    } else {
      setStatus(null);
      setError(result.message);
    }
    await refresh();
  }

  // Back from "Confirm it's you": do what was asked, once (pending-action.ts).
  // No dependency list: the effect sees this render's handlers, and the ref lets it act once.
  const resumed = useRef(false);
  useEffect(() => {
    if (resumed.current) return;
    resumed.current = true;

    const action = takeResumedAction();
    if (action?.kind === 'add') void addPasskey();
    if (action?.kind === 'delete') void remove(action, true);
  });

  useEffect(() => {
    setPasskeysSupported(browserSupportsWebAuthn());
    // Just created from the offer after a code sign-in: say so here, where the list shows it.
    const created = takePasskeyCreatedNotice();
    if (created) setStatus(`Passkey “${created}” created. Next time, sign in with it.`);
  }, []);

  const isBusy = (kind: 'rename' | 'delete', id: string) => busy?.kind === kind && busy.id === id;

  return (
    <section aria-labelledby="passkeys-title" className="stack">
      <h2 id="passkeys-title">Passkeys</h2>
      {passkeys.length === 0 ? (
        passkeysSupported && (
          <p className="lead">
            Sign in faster and safer: create a passkey and use your fingerprint, face or screen lock next time.
          </p>
        )
      ) : (
        <ul className="passkeys">
          {passkeys.map((passkey) => (
            <li
              key={passkey.id}
              aria-busy={isBusy('delete', passkey.id)}
              className={isBusy('delete', passkey.id) ? 'pending' : undefined}
            >
              {renaming === passkey.id ? (
                <form onSubmit={(event) => rename(event, passkey)} className="inline">
                  <label>
                    New name
                    <input name="name" defaultValue={passkey.name} maxLength={64} required autoFocus />
                  </label>
                  <button
                    type="submit"
                    disabled={isBusy('rename', passkey.id)}
                    aria-busy={isBusy('rename', passkey.id)}
                  >
                    {isBusy('rename', passkey.id) ? 'Saving…' : 'Save'}
                  </button>
                  <button type="button" className="secondary" onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <>
                  <div className="passkey">
                    <strong>{passkey.name}</strong>
                    <span className="muted">
                      {passkey.provider && passkey.provider !== passkey.name && (
                        <span data-testid="passkey-provider">{passkey.provider} · </span>
                      )}
                      Added <time dateTime={isoInstant(passkey.createdAt)}>{formatUtc(passkey.createdAt)}</time>
                      {passkey.lastUsedAt ? (
                        <>
                          {' · last used '}
                          <time dateTime={isoInstant(passkey.lastUsedAt)}>{formatUtc(passkey.lastUsedAt)}</time>
                        </>
                      ) : (
                        ' · never used'
                      )}
                    </span>
                  </div>
                  <div className="actions">
                    <button
                      type="button"
                      className="link"
                      onClick={() => setRenaming(passkey.id)}
                      disabled={busy !== null}
                    >
                      Rename<span className="visually-hidden"> {passkey.name}</span>
                    </button>
                    <button
                      type="button"
                      className="link danger"
                      onClick={() => remove(passkey)}
                      disabled={busy !== null}
                      aria-busy={isBusy('delete', passkey.id)}
                    >
                      {isBusy('delete', passkey.id) ? 'Deleting…' : 'Delete'}
                      <span className="visually-hidden"> {passkey.name}</span>
                    </button>
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {expired && (
        <div className="notice stack" ref={notice} tabIndex={-1} role="region" aria-labelledby="reauth-title">
          <h3 id="reauth-title">Confirm it’s you</h3>
          <p>
            Adding or deleting a passkey needs a sign-in in the last 5 minutes, and yours is older.
            {waiting?.kind === 'delete' && ` Sign in again, and “${waiting.name}” is deleted right after.`}
            {waiting?.kind === 'add' && ' Sign in again, and your new passkey is created right after.'}
          </p>
          <div className="actions">
            <button type="button" onClick={() => window.location.assign(confirmationUrl(waiting))}>
              {waiting?.kind === 'delete'
                ? 'Confirm it’s you and delete'
                : waiting?.kind === 'add'
                  ? 'Confirm it’s you and create'
                  : 'Confirm it’s you'}
            </button>
            {waiting && (
              <button type="button" className="secondary" onClick={() => setWaiting(null)}>
                Cancel
              </button>
            )}
          </div>
        </div>
      )}
      {passkeysSupported ? (
        <button type="button" onClick={addPasskey} disabled={busy !== null} aria-busy={busy?.kind === 'add'}>
          {busy?.kind === 'add'
            ? 'Creating your passkey…'
            : passkeys.length === 0
              ? 'Create a passkey'
              : 'Add another passkey'}
        </button>
      ) : (
        <p className="notice" data-testid="no-webauthn">
          This browser cannot create passkeys. To add one, open this page in a browser that supports passkeys (recent
          Chrome, Safari, Edge or Firefox) on a phone or computer with a screen lock.
        </p>
      )}
      <Feedback status={status} error={error} />
    </section>
  );
}
