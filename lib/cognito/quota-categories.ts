/**
 * The quota table moved to lib/config/cognito-quota.ts: the configuration owns its defaults, and
 * nothing in lib/ imports upwards for it. This re-export keeps embedded-cognito/faults.ts and
 * bench/quota.ts compiling until they import it from there; lib/ never uses it.
 */
export {
  DEFAULT_QUOTA_MAX_WAIT_MS,
  QUOTA_CATEGORIES,
  QUOTA_CATEGORY_NAMES,
  quotaCategoryOf,
  type QuotaCategory,
} from '../config/cognito-quota';
