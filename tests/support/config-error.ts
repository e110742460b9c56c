import { expect } from 'vitest';
import { ConfigError, parseConfig } from '@/lib/config';

/** The ConfigError that parseConfig stops `env` with (a failed test when it accepts it). */
export function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('parseConfig accepted the environment');
}
