/** Who is logged in. The session itself is an httpOnly cookie; this only mirrors /api/auth/me. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError } from '../api/client.ts';
import type { Principal } from '../api/types.ts';
import { dropLiveEvents } from './live-events.ts';

interface Auth {
  user: Principal | null;
  checked: boolean;
  login: (username: string, password: string) => Promise<Principal>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Principal | null>(null);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    api.me().then(
      (me) => {
        setUser(me);
        setChecked(true);
      },
      (err) => {
        if (!(err instanceof ApiError && err.status === 401)) console.warn('cannot check the login', err);
        setChecked(true);
      },
    );
  }, []);
  const login = useCallback(async (username: string, password: string) => {
    const me = await api.login(username, password);
    dropLiveEvents();
    setUser(me);
    return me;
  }, []);
  const logout = useCallback(async () => {
    await api.logout().catch(() => {});
    dropLiveEvents();
    setUser(null);
  }, []);
  return <AuthContext.Provider value={{ user, checked, login, logout }}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** The home page of each role. */
export function homeOf(role: Principal['role']): string {
  switch (role) {
    case 'enterprise_user':
    case 'broker':
      return '/enterprise';
    case 'officer':
      return '/officer';
    case 'supervisor':
      return '/supervisor';
    case 'admin':
      return '/admin';
  }
}
