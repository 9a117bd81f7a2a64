import { useEffect, useState } from 'react';
import { api } from '../api/client.js';

/**
 * Loads `path` (with `query`) whenever they change: {data, error, loading}.
 * A null path is idle. Results belong to the request they answer: while a
 * new request is pending (even in the render before its effect runs),
 * `loading` is true and `data` is the previous result, never shown as the new one.
 */
export function useApi(path, query) {
  const key = path ? path + '?' + JSON.stringify(query || {}) : null;
  const [state, setState] = useState({ key: null, data: null, error: null });
  useEffect(() => {
    if (!key) return undefined;
    const ctrl = new AbortController();
    api(path, { query, signal: ctrl.signal })
      .then((data) => setState({ key, data, error: null }))
      .catch((error) => {
        if (error?.name !== 'AbortError') setState({ key, data: null, error });
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (!key) return { data: null, error: null, loading: false };
  const current = state.key === key;
  return { data: current ? state.data : null, error: current ? state.error : null, loading: !current };
}
