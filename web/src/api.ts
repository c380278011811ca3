/**
 * The dashboard's REST client: bearer token from the session, one refresh attempt on 401, the server's error
 * shape turned into ApiError, and reachability reported so the page can say "server unreachable".
 */

const ACCESS = 'orcha.accessToken';
const REFRESH = 'orcha.refreshToken';
const USER = 'orcha.username';

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
}

/** Tokens live in sessionStorage: they survive a reload but not the closing of the tab. */
export const session = {
  get access(): string | null {
    return sessionStorage.getItem(ACCESS);
  },
  get refresh(): string | null {
    return sessionStorage.getItem(REFRESH);
  },
  get username(): string | null {
    return sessionStorage.getItem(USER);
  },
  save(tokens: Tokens, username?: string): void {
    sessionStorage.setItem(ACCESS, tokens.accessToken);
    if (tokens.refreshToken) sessionStorage.setItem(REFRESH, tokens.refreshToken);
    if (username) sessionStorage.setItem(USER, username);
  },
  clear(): void {
    sessionStorage.removeItem(ACCESS);
    sessionStorage.removeItem(REFRESH);
    sessionStorage.removeItem(USER);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiEvents {
  /** The session is gone (refresh failed or no token): show the login. */
  onUnauthorized(): void;
  /** Whether the last request reached the server. */
  onReachable(reachable: boolean): void;
}

export interface Api {
  get<T = unknown>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body: unknown): Promise<T>;
  patch<T = unknown>(path: string, body: unknown): Promise<T>;
  del<T = unknown>(path: string): Promise<T>;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** Exchange the refresh token for new tokens; false when that is impossible. */
  refresh(): Promise<boolean>;
}

const BASE = '/api/v1/';

async function readError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: keep the status text
  }
  const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  return new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText, err?.details);
}

export function createApi(events: ApiEvents): Api {
  let refreshing: Promise<boolean> | null = null;

  async function send(method: string, path: string, body?: unknown, auth = true): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = session.access;
    if (auth && token) headers.authorization = `Bearer ${token}`;
    try {
      const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      events.onReachable(true);
      return res;
    } catch (cause) {
      events.onReachable(false);
      throw new ApiError(0, 'UNREACHABLE', `server unreachable (${(cause as Error).message})`);
    }
  }

  async function refresh(): Promise<boolean> {
    const refreshToken = session.refresh;
    if (!refreshToken) return false;
    // Concurrent 401s share one refresh: a rotating refresh token works only once.
    refreshing ??= (async () => {
      const res = await send('POST', 'auth/refresh', { refreshToken }, false);
      if (!res.ok) return false;
      session.save((await res.json()) as Tokens);
      return true;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res = await send(method, path, body);
    if (res.status === 401 && (await refresh())) res = await send(method, path, body);
    if (res.status === 401) {
      session.clear();
      events.onUnauthorized();
    }
    if (!res.ok) throw await readError(res);
    if (res.status === 204) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }

  return {
    get(path, query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      return request('GET', qs ? `${path}?${qs}` : path);
    },
    post(path, body) {
      return request('POST', path, body ?? {});
    },
    put(path, body) {
      return request('PUT', path, body);
    },
    patch(path, body) {
      return request('PATCH', path, body);
    },
    del(path) {
      return request('DELETE', path);
    },
    async login(username, password) {
      const res = await send('POST', 'auth/login', { username, password }, false);
      if (!res.ok) throw await readError(res);
      session.save((await res.json()) as Tokens, username);
    },
    async logout() {
      const refreshToken = session.refresh;
      // Revoke the refresh token server-side when the server offers it; the local session ends regardless.
      if (refreshToken) await send('POST', 'auth/logout', { refreshToken }).catch(() => undefined);
      session.clear();
    },
    refresh,
  };
}
