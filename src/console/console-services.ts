// The console's own services, built over the clients the API role already has.
import { derivedKey } from '../platform/key-material.js';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { BatchService } from '../batches/batch-service.js';
import { createSignInThrottle } from '../users/sign-in-throttle.js';
import { createSessionService } from '../users/session-service.js';
import { createTeamService } from '../users/team-service.js';
import { createTotpService } from '../users/totp-service.js';
import { createPasswordService } from '../users/password-service.js';
import { partnerHealthKey } from '../partners/partner-health-board.js';
import { createConsoleOverview } from './console-overview.js';

/** The sign-in throttle's key, derived from the blind-index key (one secret, a key per purpose). */
export const signInThrottleSecret = (config: Config): Buffer => derivedKey(config.crypto.blindIndexKey, 'payval sign-in throttle');

type CountableQueue = Parameters<typeof createConsoleOverview>[0]['queues'][number];

export function createConsoleServices(d: { config: Config; db: Db; cipher: FieldCipher; failFastRedis: Redis; redis: Redis; batches: BatchService; queues: CountableQueue[] }) {
  const { config, db, cipher } = d;
  const prefix = config.redis.queuePrefix;
  const throttle = createSignInThrottle(d.failFastRedis, { ...config.console.signIn, keyPrefix: `${prefix}:signin`, secret: signInThrottleSecret(config) });
  return {
    sessions: createSessionService({ db, cipher, throttle, policy: { idleMs: config.console.idleMs, absoluteMs: config.console.absoluteMs } }),
    team: createTeamService({ db, invitationMs: config.console.invitationMs }),
    totp: createTotpService({ db, cipher, throttle }),
    passwords: createPasswordService({ db, throttle }),
    overview: createConsoleOverview({ db, batches: d.batches, redis: d.redis, healthKey: partnerHealthKey(prefix), queues: d.queues }),
  };
}
