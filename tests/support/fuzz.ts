import type { Parameters } from 'fast-check';
import { expect } from 'vitest';
import { allUsers } from './http';
import type { TestApp } from './stack';

/**
 * Shared by the fuzz tests. Every property runs from a fixed seed, so a failure reproduces:
 * fast-check prints the seed and the shrunk counterexample path; rerun with FUZZ_SEED=<seed>
 * (and the path in `fuzz(...)` if needed). Each property is bounded in runs and in time.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_517);

/** fast-check parameters: at most `numRuns` runs and about `seconds` of generating. */
export function fuzz<T>(numRuns: number, seconds: number): Parameters<T> {
  return {
    seed: FUZZ_SEED,
    numRuns,
    interruptAfterTimeLimit: seconds * 1000,
    markInterruptAsFailure: false,
    endOnFailure: true,
  };
}

/** Cognito operations that create, change or remove users or their sessions. */
export const WRITING_OPERATIONS = [
  'AdminCreateUser',
  'AdminSetUserPassword',
  'AdminUpdateUserAttributes',
  'AdminDeleteUser',
  'AdminDisableUser',
  'AdminEnableUser',
  'AdminRespondToAuthChallenge',
  'RespondToAuthChallenge',
  'RevokeToken',
  'GlobalSignOut',
  'AdminUserGlobalSignOut',
];

/** Everything about the pool a hostile request could change, as one comparable value. */
export async function poolState(app: TestApp): Promise<string> {
  const users = await allUsers(app);
  return JSON.stringify(
    users
      .map(({ Username, UserStatus, Enabled, Attributes, UserLastModifiedDate }) => ({
        Username,
        UserStatus,
        Enabled,
        Attributes: [...(Attributes ?? [])].sort((a, b) => a.Name!.localeCompare(b.Name!)),
        UserLastModifiedDate,
      }))
      .sort((a, b) => a.Username!.localeCompare(b.Username!)),
  );
}

/** The number of writing Cognito calls that reached the emulator so far. */
export function writingCalls(app: TestApp): number {
  return WRITING_OPERATIONS.reduce((sum, operation) => sum + app.cognito.faults.arrived(operation), 0);
}

/** After a run of hostile requests: the server never logged an unhandled error. */
export function expectNoUnhandledErrors(app: TestApp): void {
  expect(app.output()).not.toContain('unhandled_error');
}
