import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n/index.jsx';

/** Previous/next links that keep the other query parameters. */
export default function Pager({ page, size, total }) {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const loc = useLocation();
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) return null;
  const href = (p) => {
    const next = new URLSearchParams(params);
    if (p <= 1) next.delete('page');
    else next.set('page', String(p));
    const qs = next.toString();
    return loc.pathname + (qs ? `?${qs}` : '');
  };
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      {page > 1 ? <Link to={href(page - 1)}>← {t('pager.prev')}</Link> : <span />}
      <span className="muted">{t('pager.status', { page, pages })}</span>
      {page < pages ? <Link to={href(page + 1)} data-testid="pager-next">{t('pager.next')} →</Link> : <span />}
    </nav>
  );
}
