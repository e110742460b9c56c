import type { Locator, Page } from 'playwright-core';

/**
 * What a person does on a page, for the browser tests: click a field and type with the keyboard,
 * paste from the clipboard, click buttons and links by their visible name, and read what is on
 * the screen. Nothing here sets a value behind the page's back (`fill()` replaces whatever the
 * field held; a person cannot): a field that keeps stale text or refuses keys fails here as it
 * fails a person.
 */

/**
 * Clicks `field`, moves the caret to the end (as a person does before typing into a field that
 * shows text) and types `text` key by key. Fails when the field does not show what was typed
 * afterwards: digits lost to a `maxLength` already used up, a field that kept another value.
 */
export async function typeInto(field: Locator, text: string): Promise<void> {
  await field.click();
  await field.press('End');
  await field.pressSequentially(text);
  await expectFieldTook(field, text, 'typed');
}

/**
 * Types `text` where the focus is, without clicking first: where the page put the focus itself
 * (a code field after a refused code, with the code selected, so typing replaces it).
 */
export async function typeWhereFocused(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text);
}

/** The visible field labelled `label` (a closed <details> may hold another one, unseen). */
export function field(scope: Page | Locator, label: string | RegExp): Locator {
  return scope
    .getByLabel(label, { exact: typeof label === 'string' })
    .filter({ visible: true })
    .first();
}

/** Types into the visible field labelled `label`. */
export async function typeInField(scope: Page | Locator, label: string | RegExp, text: string): Promise<void> {
  await typeInto(field(scope, label), text);
}

/** Empties `field` as a person does: select everything in it, then Backspace. */
export async function clearField(field: Locator): Promise<void> {
  await field.click();
  await field.press('ControlOrMeta+A');
  await field.press('Backspace');
}

/**
 * Puts `text` on the clipboard and pastes it into `field` with Ctrl+V: a real, trusted paste
 * event goes through the field's own paste handling and the browser's default insertion, as a
 * code copied from an email does. Fails when the field shows nothing of it afterwards, unless
 * `shows` says what the page should have made of it (a code pasted as "123 456" shows "123456").
 */
export async function pasteInto(
  field: Locator,
  text: string,
  { shows = text }: { shows?: string } = {},
): Promise<void> {
  const page = field.page();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
  await page.bringToFront();
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await field.click();
  await field.press('ControlOrMeta+V');
  await expectFieldTook(field, shows, 'pasted');
}

async function expectFieldTook(field: Locator, text: string, how: 'typed' | 'pasted'): Promise<void> {
  const shown = await field.inputValue();
  if (!shown.includes(text)) {
    const name = (await field.getAttribute('aria-label')) ?? (await field.getAttribute('name')) ?? 'the field';
    throw new Error(`${how} "${text}" into ${name}, but it shows "${shown}"`);
  }
}

/** Clicks the button whose visible (accessible) name is `name`. */
export async function clickButton(scope: Page | Locator, name: string | RegExp): Promise<void> {
  await scope.getByRole('button', { name, exact: typeof name === 'string' }).click();
}

/** Clicks the link whose visible name is `name`. */
export async function clickLink(scope: Page | Locator, name: string | RegExp): Promise<void> {
  await scope.getByRole('link', { name, exact: typeof name === 'string' }).click();
}

/** Presses a key where the focus is (Enter submits the form a person just typed into). */
export async function pressKey(page: Page, key: string): Promise<void> {
  await page.keyboard.press(key);
}

/** Everything a person can read on the page now: the rendered text, without what is hidden. */
export async function screenText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

/** Waits until `text` is visible somewhere on the page (15 s: a busy machine renders slowly). */
export async function waitToSee(scope: Page | Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  await scope
    .getByText(text, { exact: typeof text === 'string' })
    .filter({ visible: true })
    .first()
    .waitFor({ timeout });
}

/** Whether `text` is visible on the page right now. */
export async function sees(scope: Page | Locator, text: string | RegExp): Promise<boolean> {
  return (
    (await scope
      .getByText(text, { exact: typeof text === 'string' })
      .filter({ visible: true })
      .count()) > 0
  );
}

/** What has the keyboard focus: its label, its value, and the part of the value selected. */
export interface Focus {
  tag: string;
  /** The label a person reads for it (its <label>, aria-label, or its own text for a button). */
  label: string;
  value: string | null;
  selected: string | null;
}

export async function focused(page: Page): Promise<Focus> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    const input = element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement ? element : null;
    const label = (input?.labels?.[0]?.textContent ?? element?.getAttribute('aria-label') ?? element?.textContent ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    let selected: string | null = null;
    if (input && input.selectionStart !== null && input.selectionEnd !== null) {
      selected = input.value.slice(input.selectionStart, input.selectionEnd);
    }
    return { tag: element?.tagName.toLowerCase() ?? 'none', label, value: input?.value ?? null, selected };
  });
}
