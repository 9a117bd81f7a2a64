import { useEffect, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import InteractionChecker from '../components/InteractionChecker.jsx';
import Pager from '../components/Pager.jsx';

export default function Drugs() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') || '';
  const [input, setInput] = useState(q);
  useEffect(() => setInput(q), [q]);
  const page = params.get('page') || '';
  const { data, error, loading } = useApi('/drug', { q, page, size: 20 });
  const initial = params.getAll('check');
  const { hash } = useLocation();
  useEffect(() => {
    if (hash === '#interactions') document.getElementById('interactions')?.scrollIntoView?.();
  }, [hash]);

  return (
    <div>
      <h1>{t('drugs.title')}</h1>
      <p>{t('drugs.intro')}</p>
      <form
        role="search"
        className="search"
        onSubmit={(e) => {
          e.preventDefault();
          setParams(input.trim() ? { q: input.trim() } : {});
        }}
      >
        <label htmlFor="drug-q" className="sr-only">
          {t('drugs.searchLabel')}
        </label>
        <input
          id="drug-q"
          type="search"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          placeholder={t('drugs.searchPlaceholder')}
          data-testid="drug-search"
        />
        <button type="submit" className="btn">
          {t('common.search')}
        </button>
      </form>
      <ErrorMessage error={error} />
      {loading ? <Loading /> : null}
      {data && !loading ? (
        <section aria-live="polite">
          <p className="muted">{t('common.total', { n: data.total })}</p>
          {data.items.length === 0 ? <p>{t('common.noResults')}</p> : null}
          {q ? (
            <ul className="cards" data-testid="drug-results">
              {data.items.map((d) => (
                <li key={d.id} className="card">
                  <h2 className="card__title">
                    <Link to={`/drugs/${d.id}`}>{pick(d, 'name', lang)}</Link>
                  </h2>
                  <p className="muted">
                    {t(`drugs.kind.${d.kind}`)}
                    {d.company ? ` · ${d.company}` : ''}
                  </p>
                  <p>{pick(d, 'efficacy', lang)}</p>
                </li>
              ))}
            </ul>
          ) : (
            <ul className="chips" data-testid="drug-results">
              {data.items.map((d) => (
                <li key={d.id}>
                  <Link className="chip" to={`/drugs/${d.id}`}>
                    {pick(d, 'name', lang)}
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <Pager page={data.page} size={data.size} total={data.total} />
        </section>
      ) : null}
      <div id="interactions">
        <InteractionChecker key={initial.join('|')} initial={initial} />
      </div>
    </div>
  );
}
