import { Link, useParams } from 'react-router-dom';
import { useI18n } from '../i18n/index.jsx';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import Departments from '../components/Departments.jsx';
import { OpenBadge } from './Clinics.jsx';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday'];

export default function ClinicDetail() {
  const { id } = useParams();
  const { t } = useI18n();
  const valid = /^\d+$/.test(id);
  const { data: c, error, loading } = useApi(valid ? `/clinic/${id}` : null);
  if (!valid) return <ErrorMessage error={{ code: 'not_found' }} />;
  if (loading) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  if (!c) return null;
  return (
    <article>
      <p>
        <Link to="/clinics">← {t('clinics.title')}</Link>
      </p>
      <h1>{c.name}</h1>
      <p>
        <OpenBadge clinic={c} /> <span className="muted">{t(`kind.${c.type}`)}</span>
        {c.emergency_room ? <span className="badge badge--er">{t('clinics.er')}</span> : null}
        {c.sample ? <span className="badge">{t('common.sample')}</span> : null}
      </p>
      <p>{c.address}</p>
      {c.phone ? (
        <p>
          <a className="btn btn--secondary" href={`tel:${c.phone}`}>
            ☎ {t('clinics.call', { name: c.name })} ({c.phone})
          </a>
        </p>
      ) : null}
      {c.website ? (
        <p>
          <a href={c.website} target="_blank" rel="noopener noreferrer">
            {t('clinics.website')}
          </a>
        </p>
      ) : null}
      <section>
        <h2>{t('common.departments')}</h2>
        <Departments slugs={c.departments} />
      </section>
      <section>
        <h2>{t('clinics.hours')}</h2>
        <table className="hours">
          <tbody>
            {DAYS.map((d) => (
              <tr key={d}>
                <th scope="row">{t(`day.${d}`)}</th>
                <td>{c.hours?.[d]?.length ? c.hours[d].map(([a, b]) => `${a}–${b}`).join(', ') : t('day.closed')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </article>
  );
}
