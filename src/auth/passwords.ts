import type { Options } from '@node-rs/argon2';

/**
 * Password hashing with argon2id (memory-hard). Parameters are the OWASP-recommended minimum
 * (19 MiB, 2 passes, 1 lane); the PHC string stores them, so raising them later keeps old hashes verifiable.
 * `algorithm: 2` is Algorithm.Argon2id (a const enum in the package's types: only its value exists at run time).
 */
const OPTIONS: Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * The native module is loaded on the first hash or check (a login, a new user), not at start-up: a restart with
 * an existing admin answers its first health check without it (measured: ~16 ms and ~12 MB resident).
 */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => {
  argon2 ??= import('@node-rs/argon2');
  return argon2;
};

export const PASSWORD_MIN_LENGTH = 8;
/** Bounded so a huge body cannot make one login burn seconds of CPU. */
export const PASSWORD_MAX_LENGTH = 256;

export async function hashPassword(password: string): Promise<string> {
  return (await loadArgon2()).hash(password, OPTIONS);
}

/** False (never throws) on a wrong password or a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await (await loadArgon2()).verify(passwordHash, password);
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
