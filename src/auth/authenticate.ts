import type { AuthService } from './auth-service.js';
import type { Principal } from './roles.js';

/** For the WebSocket: `authenticate(token)` with the same rules as REST (JWT or API key, `Bearer ` optional). */
export function authenticateToken(auth: AuthService): (token: string) => Promise<Principal | null> {
  return async (token) => {
    if (typeof token !== 'string') return null;
    return auth.verifyToken(token);
  };
}
