import { z } from 'zod';
import type { Switches } from './schema';
import type { AppConfig } from './types';

/**
 * The deployment rules: setups whose every variable is well-formed but that would start and then
 * fail or leak, refused as refinements of the parsed configuration. They run after every section
 * parsed, so a malformed variable is reported first and the operator fixes that first.
 */
export const deploymentRules = z
  .custom<{ config: AppConfig; switches: Switches }>()
  .superRefine(({ config, switches }, ctx) => {
    // A switch for tests only: a deployment with a real Cognito pool cannot turn the gate off.
    if (switches.TEST_ONLY_SESSION_GATE_OFF && !config.embedded) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEST_ONLY_SESSION_GATE_OFF'],
        message: 'is for tests on the embedded Cognito only (EMBEDDED=1)',
      });
      return;
    }
    // One-time codes written to the outbox file and the logs of a production server. Embedded
    // mode is one machine with its own Cognito: nothing there reaches real users. Corbado
    // Complete sends no codes of ours.
    const sendsCodes = config.passkeyLayer !== 'corbado-complete';
    if (sendsCodes && config.production && !config.embedded) {
      if (!config.email.smtpUrl && !switches.EMAIL_OUTBOX_IN_PRODUCTION) {
        ctx.addIssue({
          code: 'custom',
          path: ['SMTP_URL'],
          message:
            'is missing: one-time codes would go to the outbox file and the logs; set it, or EMAIL_OUTBOX_IN_PRODUCTION=1 to accept that',
        });
      }
    }
  });

/** Start-up warnings: printed once, one line each, by stopOnConfigurationError. */
export function startupWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (config.sessionGateOff) {
    warnings.push('Warning: TEST_ONLY_SESSION_GATE_OFF=1: middleware checks no sessions (tests only)');
  }
  if (config.production && !config.embedded && !config.redisUrl) {
    warnings.push(
      'Warning: REDIS_URL is not set: rate limits are counted per instance, so N instances allow N times the limits',
    );
  }
  return warnings;
}
