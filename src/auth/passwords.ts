import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id (memory-hard). Parameters are the OWASP-recommended minimum
 * (19 MiB, 2 passes, 1 lane); the PHC string stores them, so raising them later keeps old hashes verifiable.
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
/** Bounded so a huge body cannot make one login burn seconds of CPU. */
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False (never throws) on a wrong password or a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spend the same time as a real check when the user does not exist, so timing does not reveal usernames. */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('orcha-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
}
