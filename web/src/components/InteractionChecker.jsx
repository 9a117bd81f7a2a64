import { useState } from 'react';
import { useI18n, pick } from '../i18n/index.jsx';
import { api } from '../api/client.js';
import ErrorMessage from './ErrorMessage.jsx';

const SEVERITY_ORDER = ['contraindicated', 'major', 'moderate', 'minor'];

function drugName(d, lang) {
  return (lang === 'en' && d.name_en) || d.name_ko || d.input;
}

/** The result of POST /drug/interactions: unresolved names, duplicates, interactions (most severe first). */
export function InteractionReport({ report }) {
  const { t, lang } = useI18n();
  if (!report) return null;
  const interactions = [...(report.interactions || [])].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
  );
  const dups = report.duplicate_ingredients || [];
  const count = interactions.length + dups.length;
  return (
    <section className="report" aria-live="polite" data-testid="interaction-report">
      {report.unresolved?.length ? (
        <p className="alert alert--warn">{t('interactions.unresolved', { names: report.unresolved.join(', ') })}</p>
      ) : null}
      {count === 0 ? (
        <p className="alert alert--ok" data-testid="no-interactions">
          {t('interactions.none')}
        </p>
      ) : (
        <>
          <h3>{t('interactions.found', { n: count })}</h3>
          <ul className="cards">
            {dups.map((d) => (
              <li key={'dup-' + d.ingredient} className="card card--severity-major" data-testid="interaction" data-severity="duplicate">
                <p className="badge badge--major">{t('severity.duplicate')}</p>
                <p>
                  <strong>{lang === 'en' ? d.name_en || d.name_ko : d.name_ko}</strong>: {t('interactions.duplicate')}
                </p>
                <p className="muted">{d.drugs.join(' · ')}</p>
              </li>
            ))}
            {interactions.map((i, n) => (
              <li key={n} className={`card card--severity-${i.severity}`} data-testid="interaction" data-severity={i.severity}>
                <p className={`badge badge--${i.severity}`}>{t(`severity.${i.severity}`)}</p>
                <p>
                  <strong>
                    {drugName(i.a, lang)} + {drugName(i.b, lang)}
                  </strong>
                </p>
                <p>{pick(i, 'description', lang) || i.description}</p>
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="disclaimer">{pick(report, 'disclaimer', lang)}</p>
    </section>
  );
}

/** Enter two or more drug names, check them together. */
export default function InteractionChecker({ initial = [] }) {
  const { t } = useI18n();
  const [drugs, setDrugs] = useState(initial);
  const [input, setInput] = useState('');
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [hint, setHint] = useState('');
  const [busy, setBusy] = useState(false);

  const add = (e) => {
    e?.preventDefault();
    const name = input.trim();
    if (!name) return;
    if (!drugs.includes(name)) setDrugs([...drugs, name]);
    setInput('');
  };
  const check = async () => {
    const list = input.trim() && !drugs.includes(input.trim()) ? [...drugs, input.trim()] : drugs;
    if (list !== drugs) {
      setDrugs(list);
      setInput('');
    }
    setError(null);
    setReport(null);
    if (list.length < 2) {
      setHint(t('interactions.needTwo'));
      return;
    }
    setHint('');
    setBusy(true);
    try {
      setReport(await api('/drug/interactions', { method: 'POST', body: { drugs: list } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="ix-title">
      <h2 id="ix-title">{t('interactions.title')}</h2>
      <p>{t('interactions.intro')}</p>
      <form className="row" onSubmit={add}>
        <label className="field grow">
          <span>{t('interactions.inputLabel')}</span>
          <input
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder={t('interactions.inputPlaceholder')}
            data-testid="ix-input"
          />
        </label>
        <button type="submit" className="btn btn--secondary">
          {t('interactions.add')}
        </button>
      </form>
      {drugs.length ? (
        <>
          <h3 className="sr-only">{t('interactions.list')}</h3>
          <ul className="chips" aria-label={t('interactions.list')}>
            {drugs.map((d) => (
              <li key={d} className="chip chip--removable">
                {d}
                <button
                  type="button"
                  className="chip__remove"
                  aria-label={t('interactions.remove', { name: d })}
                  onClick={() => setDrugs(drugs.filter((x) => x !== d))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <button type="button" className="btn" onClick={check} disabled={busy} data-testid="ix-check">
        {busy ? t('common.loading') : t('interactions.check')}
      </button>
      {hint ? (
        <p className="alert alert--warn" role="alert">
          {hint}
        </p>
      ) : null}
      <ErrorMessage error={error} />
      <InteractionReport report={report} />
    </section>
  );
}
