import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * axe-core in the page under test: its source injected with playwright-core (no browser
 * download, no CDN), then axe.run over the whole document, every rule axe runs by default
 * (WCAG 2.x A and AA, and its best practices). The app's CSP allows no inline script, but
 * Playwright's evaluate runs through the DevTools protocol, which the CSP does not govern.
 */

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Fails with each violation's rule, help text and the elements it found, so the report says what to fix. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const inPage = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await inPage.run(document);
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  });
  expect(violations, `axe-core on ${page.url()}`).toEqual([]);
}
