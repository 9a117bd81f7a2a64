import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n/index.jsx';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import { Pin } from '../components/Icons.jsx';
import { DEPARTMENTS, CLINIC_KINDS } from '../components/constants.js';
import Pager from '../components/Pager.jsx';

export function OpenBadge({ clinic }) {
  const { t } = useI18n();
  if (clinic.open_now === true) return <span className="badge badge--open">{t('clinics.open')}</span>;
  if (clinic.open_now === false) return <span className="badge badge--closed">{t('clinics.closed')}</span>;
  return <span className="badge">{t('clinics.hoursUnknown')}</span>;
}

/** Filters live in the URL (?department=&type=&region=&q=&open_now=true&lat=&lon=). */
export default function Clinics() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const get = (k) => params.get(k) || '';
  const [q, setQ] = useState(get('q'));
  const [region, setRegion] = useState(get('region'));
  const [geo, setGeo] = useState({ state: 'idle' });
  useEffect(() => {
    setQ(get('q'));
    setRegion(get('region'));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params]);

  const query = {
    q: get('q'),
    department: get('department'),
    type: get('type'),
    region: get('region'),
    open_now: get('open_now') === 'true' ? 'true' : '',
    lat: get('lat'),
    lon: get('lon'),
    page: get('page'),
    size: 20,
  };
  const { data, error, loading } = useApi('/clinic', query);

  const update = (changes) => {
    const next = new URLSearchParams(params);
    if (!('page' in changes)) next.delete('page');
    for (const [k, v] of Object.entries(changes)) {
      if (v === '' || v === null || v === undefined || v === false) next.delete(k);
      else next.set(k, String(v));
    }
    setParams(next);
  };

  const nearMe = () => {
    if (!navigator.geolocation) {
      setGeo({ state: 'unsupported' });
      return;
    }
    setGeo({ state: 'locating' });
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setGeo({ state: 'on' });
        update({ lat: p.coords.latitude.toFixed(5), lon: p.coords.longitude.toFixed(5) });
      },
      () => setGeo({ state: 'denied' }),
      { timeout: 10000, maximumAge: 60000 },
    );
  };
  const near = get('lat') && get('lon');
  const openOnly = get('open_now') === 'true';

  return (
    <div>
      <h1>{t('clinics.title')}</h1>
      <p>{t('clinics.intro')}</p>
      <form
        className="filters"
        aria-label={t('clinics.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          update({ q: q.trim(), region: region.trim() });
        }}
      >
        <label className="field">
          <span>{t('clinics.q')}</span>
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} data-testid="clinic-q" />
        </label>
        <label className="field">
          <span>{t('clinics.region')}</span>
          <input value={region} onChange={(e) => setRegion(e.target.value)} placeholder={t('clinics.regionPlaceholder')} />
        </label>
        <label className="field">
          <span>{t('clinics.department')}</span>
          <select value={get('department')} onChange={(e) => update({ department: e.target.value })} data-testid="clinic-department">
            <option value="">{t('clinics.anyDepartment')}</option>
            {DEPARTMENTS.map((d) => (
              <option key={d} value={d}>
                {t(`dept.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('clinics.kind')}</span>
          <select value={get('type')} onChange={(e) => update({ type: e.target.value })}>
            <option value="">{t('clinics.anyKind')}</option>
            {CLINIC_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={openOnly} onChange={(e) => update({ open_now: e.target.checked ? 'true' : '' })} data-testid="clinic-open-now" />
          <span>{t('clinics.openNow')}</span>
        </label>
        <div className="row">
          <button type="submit" className="btn">
            {t('common.search')}
          </button>
          {near ? (
            <button type="button" className="btn btn--secondary" aria-pressed="true" onClick={() => update({ lat: '', lon: '' })} data-testid="clinic-near-me">
              {t('clinics.nearMeOff')}
            </button>
          ) : (
            <button type="button" className="btn btn--secondary" onClick={nearMe} data-testid="clinic-near-me">
              <Pin /> {t('clinics.nearMe')}
            </button>
          )}
        </div>
      </form>
      {geo.state === 'locating' ? <p role="status">{t('clinics.locating')}</p> : null}
      {geo.state === 'denied' ? <p className="alert alert--warn" role="alert">{t('clinics.geoDenied')}</p> : null}
      {geo.state === 'unsupported' ? <p className="alert alert--warn" role="alert">{t('clinics.geoUnsupported')}</p> : null}
      {near ? (
        <p className="muted" data-testid="near-active">
          {t('clinics.nearMeOn', { lat: Number(get('lat')).toFixed(3), lon: Number(get('lon')).toFixed(3) })}
        </p>
      ) : null}
      <ErrorMessage error={error} />
      {loading ? <Loading /> : null}
      {data && !loading ? (
        <section aria-live="polite" data-testid="clinic-results" data-open-now={openOnly ? 'true' : 'false'}>
          <p className="muted">{t('common.total', { n: data.total })}</p>
          {data.items.length === 0 ? (
            <p data-testid="clinic-none">{openOnly ? t('clinics.noneOpen') : t('common.noResults')}</p>
          ) : null}
          <ul className="cards">
            {data.items.map((c) => (
              <li key={c.id} className="card" data-testid="clinic">
                <h2 className="card__title">
                  <Link to={`/clinics/${c.id}`}>{c.name}</Link>
                </h2>
                <p>
                  <OpenBadge clinic={c} /> <span className="muted">{t(`kind.${c.type}`)}</span>
                  {c.emergency_room ? <span className="badge badge--er">{t('clinics.er')}</span> : null}
                  {typeof c.distance_km === 'number' ? (
                    <span className="muted" data-testid="clinic-distance">
                      {' '}
                      · {t('clinics.distance', { km: c.distance_km.toFixed(1) })}
                    </span>
                  ) : null}
                </p>
                <p className="muted">{c.address}</p>
                {c.phone ? (
                  <p>
                    <a href={`tel:${c.phone}`} aria-label={t('clinics.call', { name: c.name })}>
                      ☎ {c.phone}
                    </a>
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
          <Pager page={data.page} size={data.size} total={data.total} />
        </section>
      ) : null}
    </div>
  );
}
