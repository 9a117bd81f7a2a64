import { useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import Departments from '../components/Departments.jsx';
import Call119 from '../components/Call119.jsx';

function Urgency({ level }) {
  const { t } = useI18n();
  return <span className={`badge badge--level-${level}`}>{t(`level.${level}`)}</span>;
}

export function ConditionList() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') || '';
  const department = params.get('department') || '';
  const [input, setInput] = useState(q);
  useEffect(() => setInput(q), [q]);
  const { data, error, loading } = useApi('/internal_external/conditions', { q, department, size: 50 });
  return (
    <div>
      <h1>{t('conditions.title')}</h1>
      <p>{t('conditions.intro')}</p>
      <form
        role="search"
        className="search"
        onSubmit={(e) => {
          e.preventDefault();
          setParams(input.trim() ? { q: input.trim() } : {});
        }}
      >
        <label htmlFor="cond-q" className="sr-only">
          {t('conditions.searchLabel')}
        </label>
        <input id="cond-q" type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder={t('conditions.searchPlaceholder')} />
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
          <ul className="cards">
            {data.items.map((c) => (
              <li key={c.id} className="card">
                <h2 className="card__title">
                  <Link to={`/conditions/${c.slug}`}>{pick(c, 'name', lang)}</Link> <Urgency level={c.urgency} />
                </h2>
                <p>{pick(c, 'summary', lang)}</p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function Bullets({ title, items, className }) {
  if (!items?.length) return null;
  return (
    <section className={className}>
      <h2>{title}</h2>
      <ul className="bullets">
        {items.map((x) => (
          <li key={x}>{x}</li>
        ))}
      </ul>
    </section>
  );
}

export function ConditionDetail() {
  const { slug } = useParams();
  const { t, lang } = useI18n();
  const { data: c, error, loading } = useApi(`/internal_external/conditions/${encodeURIComponent(slug)}`);
  if (loading) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  if (!c) return null;
  const L = (base) => (lang === 'en' ? c[`${base}_en`] : c[`${base}_ko`]) || c[`${base}_ko`] || [];
  return (
    <article>
      <p>
        <Link to="/conditions">← {t('conditions.title')}</Link>
      </p>
      <h1>
        {pick(c, 'name', lang)} <Urgency level={c.urgency} />
      </h1>
      {c.urgency === 'emergency' ? <Call119 big /> : null}
      <p>{pick(c, 'summary', lang)}</p>
      <p className="disclaimer">{pick(c, 'disclaimer', lang)}</p>
      <Bullets className="panel panel--danger" title={t('conditions.redFlags')} items={L('red_flags')} />
      <Bullets title={t('conditions.symptoms')} items={L('symptoms')} />
      <Bullets title={t('conditions.causes')} items={L('causes')} />
      <Bullets title={t('conditions.whenToSee')} items={L('when_to_see_doctor')} />
      <Bullets title={t('conditions.selfCare')} items={L('self_care')} />
      <section>
        <h2>{t('common.departments')}</h2>
        <Departments slugs={c.departments} />
      </section>
      {c.related_drugs?.length ? (
        <section>
          <h2>{t('conditions.relatedDrugs')}</h2>
          <ul className="list">
            {c.related_drugs.map((d) => (
              <li key={d.slug}>{d.id ? <Link to={`/drugs/${d.id}`}>{pick(d, 'name', lang)}</Link> : pick(d, 'name', lang) || d.slug}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {c.sources?.length ? (
        <section>
          <h2>{t('common.source')}</h2>
          <ul className="list">
            {c.sources.map((s) => (
              <li key={s.url + s.title}>
                <a href={s.url} target="_blank" rel="noopener noreferrer">
                  {s.title}
                </a>{' '}
                <span className="muted">· {s.publisher}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}
