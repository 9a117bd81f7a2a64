import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { api } from '../api/client.js';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import { Pin } from '../components/Icons.jsx';
import { CENTER_LEVELS } from '../components/constants.js';
import Call119 from '../components/Call119.jsx';

function NearestRooms() {
  const { t } = useI18n();
  const [state, setState] = useState({ status: 'idle' });
  const find = () => {
    if (!navigator.geolocation) {
      setState({ status: 'unsupported' });
      return;
    }
    setState({ status: 'locating' });
    navigator.geolocation.getCurrentPosition(
      async (p) => {
        try {
          const data = await api('/emergency-support/rooms', {
            query: { lat: p.coords.latitude.toFixed(5), lon: p.coords.longitude.toFixed(5), limit: 5 },
          });
          setState({ status: 'done', data });
        } catch (error) {
          setState({ status: 'error', error });
        }
      },
      () => setState({ status: 'denied' }),
      { timeout: 10000, maximumAge: 60000 },
    );
  };
  return (
    <section className="panel" aria-labelledby="rooms-title">
      <h2 id="rooms-title">{t('emergency.rooms')}</h2>
      <button type="button" className="btn" onClick={find} data-testid="find-rooms">
        <Pin /> {t('emergency.findRooms')}
      </button>
      {state.status === 'locating' ? <p role="status">{t('clinics.locating')}</p> : null}
      {state.status === 'denied' ? <p className="alert alert--warn" role="alert">{t('clinics.geoDenied')}</p> : null}
      {state.status === 'unsupported' ? <p className="alert alert--warn" role="alert">{t('clinics.geoUnsupported')}</p> : null}
      {state.status === 'error' ? <ErrorMessage error={state.error} /> : null}
      {state.status === 'done' ? (
        <ul className="cards" aria-live="polite" data-testid="rooms">
          {state.data.items.length === 0 ? <li>{t('common.noResults')}</li> : null}
          {state.data.items.map((r) => (
            <li key={r.id} className="card" data-testid="room">
              <h3 className="card__title">{r.name}</h3>
              <p className="muted">
                {r.center_level ? `${CENTER_LEVELS[r.center_level] ? t(CENTER_LEVELS[r.center_level]) : r.center_level} · ` : ''}
                {t('clinics.distance', { km: r.distance_km.toFixed(1) })}
              </p>
              <p className="muted">{r.address}</p>
              {r.er_phone || r.phone ? (
                <p>
                  <a href={`tel:${r.er_phone || r.phone}`}>
                    ☎ {r.er_phone ? t('emergency.erPhone') : t('common.phone')} {r.er_phone || r.phone}
                  </a>
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function Emergency() {
  const { t, lang } = useI18n();
  const { data, error, loading } = useApi('/emergency-support/guides');
  const guides = Array.isArray(data) ? data : data?.items || [];
  return (
    <div>
      <section className="emergency-hero">
        <h1>{t('emergency.title')}</h1>
        <p>{t('emergency.intro')}</p>
        <Call119 big />
      </section>
      <NearestRooms />
      <section>
        <h2>{t('emergency.guides')}</h2>
        <ErrorMessage error={error} />
        {loading ? <Loading /> : null}
        <ul className="cards cards--grid" data-testid="guides">
          {guides.map((g) => (
            <li key={g.slug} className={g.call_119 ? 'card card--urgent' : 'card'}>
              <h3 className="card__title">
                <Link to={`/emergency/guides/${g.slug}`}>{pick(g, 'title', lang)}</Link>
              </h3>
              <p>{pick(g, 'summary', lang)}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

export function GuideDetail() {
  const { slug } = useParams();
  const { t, lang } = useI18n();
  const { data: g, error, loading } = useApi(`/emergency-support/guides/${encodeURIComponent(slug)}`);
  const [step, setStep] = useState(0);
  if (loading) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  if (!g) return null;
  const L = (base) => (lang === 'en' ? g[`${base}_en`] : g[`${base}_ko`]) || [];
  const steps = g.steps || [];
  const cur = steps[Math.min(step, steps.length - 1)];
  return (
    <article>
      <p>
        <Link to="/emergency">← {t('emergency.title')}</Link>
      </p>
      <h1>{pick(g, 'title', lang)}</h1>
      {g.call_119 ? <Call119 big /> : null}
      <p>{pick(g, 'summary', lang)}</p>
      {L('recognise').length ? (
        <section>
          <h2>{t('emergency.recognise')}</h2>
          <ul className="bullets">
            {L('recognise').map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {steps.length ? (
        <section className="panel steps" aria-labelledby="steps-title">
          <h2 id="steps-title">{t('emergency.steps')}</h2>
          <p className="steps__count" aria-live="polite" data-testid="step-count">
            {t('emergency.stepOf', { n: step + 1, total: steps.length })}
          </p>
          <p className="steps__current" data-testid="step-text">
            {lang === 'en' ? cur.en : cur.ko}
          </p>
          <div className="row">
            <button type="button" className="btn btn--secondary" disabled={step === 0} onClick={() => setStep(step - 1)}>
              ← {t('emergency.prev')}
            </button>
            <button type="button" className="btn" disabled={step >= steps.length - 1} onClick={() => setStep(step + 1)} data-testid="step-next">
              {t('emergency.next')} →
            </button>
          </div>
          <ol className="steps__all">
            {steps.map((s, i) => (
              <li key={i} aria-current={i === step ? 'step' : undefined}>
                {lang === 'en' ? s.en : s.ko}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
      {L('do').length ? (
        <section>
          <h2>{t('emergency.do')}</h2>
          <ul className="bullets bullets--do">
            {L('do').map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {L('dont').length ? (
        <section>
          <h2>{t('emergency.dont')}</h2>
          <ul className="bullets bullets--dont">
            {L('dont').map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {L('call_119_when').length ? (
        <section className="panel panel--danger">
          <h2>{t('call119.button')}</h2>
          <ul className="bullets">
            {L('call_119_when').map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {g.sources?.length ? (
        <section>
          <h2>{t('emergency.sources')}</h2>
          <ul className="list">
            {g.sources.map((s) => (
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
