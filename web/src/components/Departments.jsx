import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/index.jsx';

/** Department slugs as chips linking to the clinic search for that department. */
export default function Departments({ slugs }) {
  const { t } = useI18n();
  if (!slugs?.length) return null;
  return (
    <ul className="chips">
      {slugs.map((s) => (
        <li key={s}>
          <Link className="chip" to={`/clinics?department=${encodeURIComponent(s)}`}>
            {t(`dept.${s}`)}
          </Link>
        </li>
      ))}
    </ul>
  );
}
