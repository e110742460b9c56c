'use client';

import { useState, type ReactNode } from 'react';
import { EmailCodeForm, type EmailCodeFormProps } from './email-code-form';
import { PasswordForm } from './password-form';

type Props = Omit<EmailCodeFormProps, 'email' | 'onEmailChange' | 'showEmailField' | 'children'> & {
  next: string;
  initialEmail?: string;
  /** Open "Sign in with your password instead" from the start (Connect's "Use password instead"). */
  passwordFirst?: boolean;
  /** After a password sign-in; by default the page goes on to `next`. */
  onPasswordSignedIn?: () => void;
  /** Under the email form (the passkey button); given the email typed so far when it needs it. */
  children?: ReactNode | ((email: string) => ReactNode);
};

/**
 * The email-code form and "Sign in with your password instead", sharing one email: while the
 * password form is open, its Email field (filled with what was typed) is the only one shown;
 * while it is closed, the code form's is.
 */
export function CodeOrPassword({
  next,
  initialEmail = '',
  passwordFirst = false,
  onPasswordSignedIn,
  children,
  ...codeForm
}: Props) {
  const [email, setEmail] = useState(initialEmail);
  const [passwordOpen, setPasswordOpen] = useState(passwordFirst);
  return (
    <>
      <EmailCodeForm {...codeForm} email={email} onEmailChange={setEmail} showEmailField={!passwordOpen}>
        {typeof children === 'function' ? children(email) : children}
      </EmailCodeForm>
      <details open={passwordOpen} onToggle={(event) => setPasswordOpen(event.currentTarget.open)}>
        <summary>Sign in with your password instead</summary>
        {/* Always in the page (a closed <details> shows nothing and hides it from assistive
            technology), so password managers find the field; made anew on each opening, so it
            starts from the email typed so far. */}
        <PasswordForm key={String(passwordOpen)} next={next} email={email} onSignedIn={onPasswordSignedIn} />
      </details>
    </>
  );
}
