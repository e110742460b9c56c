/**
 * What the launcher passes on of `next dev`'s output (scripts/run.ts): each line a person needs,
 * once. Next's address lines are left out (the launcher gives the one to open once the first
 * pages are compiled, with the path), and so is the LAN address (passkeys need the localhost
 * origin that APP_ORIGIN names, so a phone on the LAN could not use it), which tsconfig Next
 * reads, and Turbopack's false warning about middleware.ts (below).
 */

const HIDDEN_LINES = [/^\s*- Local:\s+http/, /^\s*- Network:\s+http/, /^\s*Using tsconfig file: /];

/**
 * Turbopack (Next 15.5) checks middleware.ts against the Edge runtime although its config says
 * `runtime: 'nodejs'`, and prints a 10-line "A Node.js module is loaded ('node:crypto' ...)
 * which is not supported in the Edge Runtime" block after every compile. The middleware does
 * run on Node (its nonce comes from node:crypto: tests/http/first-run.test.ts checks the CSP
 * nonce in dev). Such a block starts with "⚠ ./middleware.ts:L:C" and ends with the link to
 * node-module-in-edge-runtime; any other block starting that way is passed on whole.
 */
const FALSE_WARNING_START = /^\s*⚠ \.\/middleware\.ts:\d+:\d+/;
const FALSE_WARNING_END = /nextjs\.org\/docs\/messages\/node-module-in-edge-runtime/;
const LONGEST_FALSE_WARNING = 20;

const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '');

/** The address from Next's "- Local: http://localhost:3000" line; undefined for other lines. */
export function localAddressOf(line: string): string | undefined {
  return /^\s*- Local:\s+(http:\/\/\S+)/.exec(plain(line))?.[1];
}

/** Takes `next dev`'s lines one by one and gives back those to print (none, one, or a held block). */
export class DevOutputFilter {
  private held: string[] = [];
  private afterFalseWarning = false;

  push(line: string): string[] {
    const text = plain(line);
    if (this.held.length > 0) {
      this.held.push(line);
      if (FALSE_WARNING_END.test(text)) {
        this.held = [];
        this.afterFalseWarning = true;
        return [];
      }
      if (this.held.length > LONGEST_FALSE_WARNING) return this.flush();
      return [];
    }
    // The blank lines that close a dropped block go with it.
    if (this.afterFalseWarning && text.trim() === '') return [];
    this.afterFalseWarning = false;
    if (FALSE_WARNING_START.test(text)) {
      this.held = [line];
      return [];
    }
    return HIDDEN_LINES.some((pattern) => pattern.test(text)) ? [] : [line];
  }

  /** What is held back (a block that did not end as the false warning does). */
  flush(): string[] {
    const held = this.held;
    this.held = [];
    return held;
  }
}
