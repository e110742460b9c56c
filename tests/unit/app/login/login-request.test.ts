import { describe, expect, it } from 'vitest';
import { waitInWords } from '@/app/login/login-request';

describe('waitInWords: Retry-After as the login screens say it', () => {
  it.each([
    [1, '1 second'],
    [40, '40 seconds'],
    [59, '59 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [899, '15 minutes'],
    [900, '15 minutes'],
    [3600, '1 hour'],
    [5400, '2 hours'],
  ])('%i s reads "%s", rounded up so nobody comes back too early', (seconds, words) => {
    expect(waitInWords(seconds)).toBe(words);
  });
});
