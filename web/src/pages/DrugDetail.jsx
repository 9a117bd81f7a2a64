import { Link, useParams } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';

export default function DrugDetail() {
  const { id } = useParams();
  const { t, lang } = useI18n();
  const valid = /^\d+$/.test(id);
  const { data: d, error, loading } = useApi(valid ? `/drug/${id}` : null);
  if (!valid) return <ErrorMessage error={{ code: 'not_found' }} />;
  if (loading) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  if (!d) return null;
  const sections = [
    ['drugs.efficacy', pick(d, 'efficacy', lang)],
    ['drugs.usage', pick(d, 'usage', lang)],
    ['drugs.warnings', pick(d, 'warnings', lang)],
    ['drugs.precautions', d.precautions_ko],
    ['drugs.interactionsText', d.interactions_ko],
    ['drugs.sideEffects', pick(d, 'side_effects', lang)],
    ['drugs.storage', pick(d, 'storage', lang)],
  ].filter(([, v]) => v);
  return (
    <article>
      <p>
        <Link to="/drugs">← {t('drugs.title')}</Link>
      </p>
      <h1>{pick(d, 'name', lang)}</h1>
      <p className="muted">
        {t(`drugs.kind.${d.kind}`)}
        {d.company ? ` · ${t('drugs.company')}: ${d.company}` : ''}
      </p>
      <p className="disclaimer">{pick(d, 'disclaimer', lang)}</p>
      <section>
        <h2>{t('drugs.ingredients')}</h2>
        <ul className="chips">
          {d.ingredients.map((i) => (
            <li key={i.slug} className="chip">
              {pick(i, 'name', lang)}
              {i.amount ? ` ${i.amount}` : ''}
            </li>
          ))}
        </ul>
      </section>
      {sections.map(([key, text]) => (
        <section key={key}>
          <h2>{t(key)}</h2>
          <p className="prose">{text}</p>
        </section>
      ))}
      {d.known_interactions?.length ? (
        <section>
          <h2>{t('drugs.knownInteractions')}</h2>
          <ul className="cards">
            {d.known_interactions.map((k, n) => (
              <li key={n} className={`card card--severity-${k.severity}`}>
                <p className={`badge badge--${k.severity}`}>{t(`severity.${k.severity}`)}</p>
                <p>
                  <strong>{t('drugs.with', { name: pick(k, 'with_name', lang) })}</strong>
                </p>
                <p>{pick(k, 'description', lang)}</p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <p>
        <Link className="btn btn--secondary" to={`/drugs?check=${encodeURIComponent(d.name_ko)}#interactions`}>
          {t('drugs.addToChecker')}
        </Link>
      </p>
      <p className="muted">
        {t('common.source')}: {d.source}
      </p>
    </article>
  );
}
