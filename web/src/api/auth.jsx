import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, getTokens, onTokens, setTokens, storeTokenPair } from './client.js';

const AuthContext = createContext(null);

export function AuthProvider({ children }) {
  const [tokens, setState] = useState(getTokens);
  useEffect(() => onTokens(setState), []);

  const login = useCallback(async (email, password) => {
    const pair = await api('/account/login', { method: 'POST', body: { email, password }, auth: 'none' });
    storeTokenPair(pair);
    return pair.user;
  }, []);
  const signup = useCallback(async (email, password, display_name) => {
    const pair = await api('/account/signup', { method: 'POST', body: { email, password, display_name }, auth: 'none' });
    storeTokenPair(pair);
    return pair.user;
  }, []);
  const logout = useCallback(async () => {
    const refresh = getTokens()?.refresh;
    try {
      if (refresh) await api('/account/logout', { method: 'POST', body: { refresh_token: refresh } });
    } catch {
      /* signed out locally either way */
    }
    setTokens(null);
  }, []);
  const forget = useCallback(() => setTokens(null), []);

  const value = useMemo(
    () => ({ user: tokens?.user || null, signedIn: !!tokens?.access, login, signup, logout, forget }),
    [tokens, login, signup, logout, forget],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth() {
  return useContext(AuthContext) || { user: null, signedIn: false, login: async () => {}, signup: async () => {}, logout: async () => {}, forget: () => {} };
}
