import { useEffect, useState } from 'react';
import { api } from '../api/client.js';

/** Loads `path` (with `query`) whenever they change: {data, error, loading}. null path = idle. */
export function useApi(path, query) {
  const key = path ? path + '?' + JSON.stringify(query || {}) : null;
  const [state, setState] = useState({ data: null, error: null, loading: !!path });
  useEffect(() => {
    if (!key) {
      setState({ data: null, error: null, loading: false });
      return undefined;
    }
    const ctrl = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    api(path, { query, signal: ctrl.signal })
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((error) => {
        if (error?.name !== 'AbortError') setState({ data: null, error, loading: false });
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state;
}
