import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { clickButton, field, focused, typeInField, typeInto, typeWhereFocused, waitToSee } from './person';

/**
 * The self-hosted sign-in's steps as a person takes them (tests/support/person.ts), shared by
 * the browser tests of /login.
 */

export const startForm = (page: Page) => page.getByRole('form', { name: 'Sign in or create an account' });
export const codeField = (page: Page) => field(page, '6-digit code');

/** /login at `baseUrl`: types the email, presses Continue, and waits for the code step. */
export async function askForCode(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await typeInField(startForm(page), 'Email', email);
  await clickButton(startForm(page), 'Continue');
  await waitToSee(page, `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`);
}

/** Types a code into the code field as it stands (after a refusal the page has selected the old code), then Continue. */
export async function enterCode(page: Page, code: string): Promise<void> {
  const focus = await focused(page);
  if (focus.label === '6-digit code' && focus.value && focus.selected === focus.value) {
    await typeWhereFocused(page, code);
  } else {
    await typeInto(codeField(page), code);
  }
  await clickButton(page, 'Continue');
}

/** After a refused code: the field has the focus, with the refused code selected so typing replaces it. */
export async function expectRefusedCodeSelected(page: Page, refused: string): Promise<void> {
  await expect
    .poll(() => focused(page), { timeout: 15_000 })
    .toEqual({ tag: 'input', label: '6-digit code', value: refused, selected: refused });
}
