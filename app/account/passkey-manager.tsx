'use client';

import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { callApi, describeWebAuthnError } from '@/lib/client/api';
import type { PasskeySummary } from '@/lib/passkeys/credentials';

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** Embedded mode: the account's passkeys, with add, rename and delete. */
export function PasskeyManager({ initial, recentSignIn }: { initial: PasskeySummary[]; recentSignIn: boolean }) {
  const [passkeys, setPasskeys] = useState(initial);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const reauthenticate = () => window.location.assign('/login?reauth=1&next=/account');

  async function refresh() {
    const result = await callApi<{ passkeys: PasskeySummary[] }>('/api/account/passkeys', { method: 'GET' });
    if (result.ok) setPasskeys(result.data.passkeys);
  }

  async function addPasskey() {
    setError(null);
    setBusy('Creating your passkey…');
    const options = await callApi<{ options: PublicKeyCredentialCreationOptionsJSON }>('/api/account/passkeys/options');
    if (!options.ok) {
      setBusy(null);
      return options.status === 403 ? reauthenticate() : setError(options.message);
    }
    try {
      const response = await startRegistration({ optionsJSON: options.data.options });
      const saved = await callApi('/api/account/passkeys', { body: { response, name: `Passkey ${passkeys.length + 1}` } });
      if (!saved.ok) setError(saved.message);
      await refresh();
    } catch (cause) {
      setError(describeWebAuthnError(cause));
    }
    setBusy(null);
  }

  async function rename(event: FormEvent<HTMLFormElement>, id: string) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    const result = await callApi(`/api/account/passkeys/${encodeURIComponent(id)}`, { method: 'PATCH', body: { name } });
    if (!result.ok) return setError(result.message);
    setRenaming(null);
    await refresh();
  }

  async function remove(passkey: PasskeySummary) {
    if (!window.confirm(`Delete “${passkey.name}”? You will no longer be able to sign in with it.`)) return;
    setError(null);
    const result = await callApi(`/api/account/passkeys/${encodeURIComponent(passkey.id)}`, { method: 'DELETE' });
    if (!result.ok) return result.status === 403 ? reauthenticate() : setError(result.message);
    await refresh();
  }

  return (
    <section aria-labelledby="passkeys-title" className="stack">
      <h2 id="passkeys-title">Passkeys</h2>
      {passkeys.length === 0 ? (
        <p className="lead">
          Sign in faster and safer: create a passkey and use your fingerprint, face or screen lock next time.
        </p>
      ) : (
        <ul className="passkeys">
          {passkeys.map((passkey) => (
            <li key={passkey.id}>
              {renaming === passkey.id ? (
                <form onSubmit={(event) => rename(event, passkey.id)} className="inline">
                  <label>
                    New name
                    <input name="name" defaultValue={passkey.name} maxLength={64} required autoFocus />
                  </label>
                  <button type="submit">Save</button>
                  <button type="button" className="secondary" onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <>
                  <div>
                    <strong>{passkey.name}</strong>
                    <span className="muted">
                      Added {dateFormat.format(passkey.createdAt)} UTC
                      {passkey.lastUsedAt ? ` · last used ${dateFormat.format(passkey.lastUsedAt)} UTC` : ' · never used'}
                    </span>
                  </div>
                  <div className="actions">
                    <button type="button" className="link" onClick={() => setRenaming(passkey.id)}>
                      Rename<span className="visually-hidden"> {passkey.name}</span>
                    </button>
                    <button type="button" className="link danger" onClick={() => remove(passkey)}>
                      Delete<span className="visually-hidden"> {passkey.name}</span>
                    </button>
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {recentSignIn ? (
        <button type="button" onClick={addPasskey} disabled={busy !== null} aria-busy={busy !== null}>
          {passkeys.length === 0 ? 'Create a passkey' : 'Add another passkey'}
        </button>
      ) : (
        <button type="button" className="secondary" onClick={reauthenticate}>
          Sign in again to {passkeys.length === 0 ? 'create a passkey' : 'add or remove passkeys'}
        </button>
      )}
      <p className="status" role="status" aria-live="polite">
        {busy}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
