import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { api } from '../api/client.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import Call119 from '../components/Call119.jsx';
import { useEffect } from 'react';

/** One search box over drugs, conditions, clinics and first-aid guides. */
export default function Home() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') || '';
  const [input, setInput] = useState(q);
  const [results, setResults] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setInput(q);
    if (!q.trim()) {
      setResults(null);
      return undefined;
    }
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    const get = (path, query) => api(path, { query, signal: ctrl.signal });
    Promise.allSettled([
      get('/drug', { q, size: 5 }),
      get('/internal_external/conditions', { q, size: 5 }),
      get('/clinic', { q, size: 5 }),
      get('/emergency-support/guides', { q }),
    ]).then((rs) => {
      if (ctrl.signal.aborted) return;
      const val = (r) => (r.status === 'fulfilled' ? r.value : null);
      const failed = rs.find((r) => r.status === 'rejected');
      if (rs.every((r) => r.status === 'rejected')) setError(failed.reason);
      setResults({
        drugs: val(rs[0])?.items || [],
        conditions: val(rs[1])?.items || [],
        clinics: val(rs[2])?.items || [],
        guides: (Array.isArray(val(rs[3])) ? val(rs[3]) : val(rs[3])?.items || []).slice(0, 5),
      });
      setLoading(false);
    });
    return () => ctrl.abort();
  }, [q]);

  const submit = (e) => {
    e.preventDefault();
    const v = input.trim();
    setParams(v ? { q: v } : {});
  };
  const empty = results && !results.drugs.length && !results.conditions.length && !results.clinics.length && !results.guides.length;

  return (
    <div className="home">
      <section className="hero">
        <h1>{t('home.title')}</h1>
        <p>{t('home.intro')}</p>
        <form role="search" className="search" onSubmit={submit}>
          <label htmlFor="home-q" className="sr-only">
            {t('home.searchLabel')}
          </label>
          <input
            id="home-q"
            type="search"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder={t('home.searchPlaceholder')}
            data-testid="home-search"
          />
          <button type="submit" className="btn">
            {t('common.search')}
          </button>
        </form>
      </section>
      {loading ? <Loading /> : null}
      <ErrorMessage error={error} />
      {results && !loading ? (
        <div className="results" aria-live="polite" data-testid="home-results">
          {empty ? <p>{t('common.noResults')}</p> : null}
          {results.drugs.length ? (
            <section>
              <h2>{t('home.results.drugs')}</h2>
              <ul className="list">
                {results.drugs.map((d) => (
                  <li key={d.id}>
                    <Link to={`/drugs/${d.id}`}>{pick(d, 'name', lang)}</Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {results.conditions.length ? (
            <section>
              <h2>{t('home.results.conditions')}</h2>
              <ul className="list">
                {results.conditions.map((c) => (
                  <li key={c.id}>
                    <Link to={`/conditions/${c.slug}`}>{pick(c, 'name', lang)}</Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {results.clinics.length ? (
            <section>
              <h2>{t('home.results.clinics')}</h2>
              <ul className="list">
                {results.clinics.map((c) => (
                  <li key={c.id}>
                    <Link to={`/clinics/${c.id}`}>{c.name}</Link> <span className="muted">{c.address}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {results.guides.length ? (
            <section>
              <h2>{t('home.results.guides')}</h2>
              <ul className="list">
                {results.guides.map((g) => (
                  <li key={g.slug}>
                    <Link to={`/emergency/guides/${g.slug}`}>{pick(g, 'title', lang)}</Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      ) : null}
      <section className="quick" aria-label={t('nav.label')}>
        <Link className="tile tile--emergency" to="/emergency">
          {t('home.quick.emergency')}
        </Link>
        <Link className="tile" to="/chat">
          {t('home.quick.chat')}
        </Link>
        <Link className="tile" to="/clinics?open_now=true">
          {t('home.quick.clinics')}
        </Link>
        <Link className="tile" to="/drugs#interactions">
          {t('home.quick.drugs')}
        </Link>
      </section>
      <div className="center">
        <Call119 big />
      </div>
    </div>
  );
}
