import { useEffect, useState } from 'react';
import { useI18n, pick } from '../i18n/index.jsx';
import { api } from '../api/client.js';
import ErrorMessage from './ErrorMessage.jsx';

/**
 * The medicines of the health profile, chosen by name (the API stores drug
 * ids). `value` is a list of ids; names are loaded for display.
 */
export default function MedicationPicker({ value, onChange }) {
  const { t, lang } = useI18n();
  const [names, setNames] = useState({});
  const [q, setQ] = useState('');
  const [hits, setHits] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    const missing = value.filter((id) => !(id in names));
    if (!missing.length) return;
    Promise.all(missing.map((id) => api(`/drug/${id}`).catch(() => null))).then((ds) => {
      setNames((n) => {
        const next = { ...n };
        missing.forEach((id, i) => (next[id] = ds[i] || { name_ko: `#${id}` }));
        return next;
      });
    });
  }, [value, names]);

  const search = async (e) => {
    e?.preventDefault();
    setError(null);
    if (!q.trim()) return;
    try {
      const page = await api('/drug', { query: { q: q.trim(), size: 8 } });
      setHits(page.items);
      setNames((n) => Object.fromEntries([...Object.entries(n), ...page.items.map((d) => [d.id, d])]));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="field">
      <span id="meds-label">{t('account.medications')}</span>
      <ul className="chips" aria-labelledby="meds-label" data-testid="medications">
        {value.length === 0 ? <li className="muted">{t('account.medicationsNone')}</li> : null}
        {value.map((id) => (
          <li key={id} className="chip chip--removable">
            {names[id] ? pick(names[id], 'name', lang) : '…'}
            <button
              type="button"
              className="chip__remove"
              aria-label={t('interactions.remove', { name: names[id] ? pick(names[id], 'name', lang) : id })}
              onClick={() => onChange(value.filter((x) => x !== id))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        <label className="field grow">
          <span className="sr-only">{t('account.medicationsSearch')}</span>
          <input
            type="search"
            value={q}
            placeholder={t('account.medicationsSearch')}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.nativeEvent.isComposing) search(e);
            }}
            data-testid="med-search"
          />
        </label>
        <button type="button" className="btn btn--secondary" onClick={search}>
          {t('common.search')}
        </button>
      </div>
      <ErrorMessage error={error} />
      {hits ? (
        hits.length === 0 ? (
          <p className="muted">{t('common.noResults')}</p>
        ) : (
          <ul className="chips" aria-live="polite">
            {hits.map((d) => (
              <li key={d.id}>
                <button
                  type="button"
                  className="chip"
                  disabled={value.includes(d.id)}
                  onClick={() => {
                    onChange([...value, d.id]);
                    setHits(null);
                    setQ('');
                  }}
                  data-testid="med-hit"
                >
                  + {pick(d, 'name', lang)}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
