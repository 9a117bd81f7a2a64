import { Link, useParams } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { useApi } from '../components/useApi.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import Departments from '../components/Departments.jsx';

export function CategoryList() {
  const { t, lang } = useI18n();
  const { data, error, loading } = useApi('/category');
  return (
    <div>
      <h1>{t('categories.title')}</h1>
      <p>{t('categories.intro')}</p>
      <ErrorMessage error={error} />
      {loading ? <Loading /> : null}
      <ul className="cards cards--grid" data-testid="categories">
        {(data || []).map((c) => (
          <li key={c.id} className="card">
            <h2 className="card__title">
              <Link to={`/categories/${c.slug}`}>{pick(c, 'name', lang)}</Link>
            </h2>
            <p>{pick(c, 'description', lang)}</p>
            {c.children?.length ? (
              <ul className="chips">
                {c.children.map((ch) => (
                  <li key={ch.id}>
                    <Link className="chip" to={`/categories/${ch.slug}`}>
                      {pick(ch, 'name', lang)}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function CategoryDetail() {
  const { slug } = useParams();
  const { t, lang } = useI18n();
  const { data: c, error, loading } = useApi(`/category/${encodeURIComponent(slug)}`);
  if (loading) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  if (!c) return null;
  const links = c.links || {};
  return (
    <article>
      <p>
        <Link to={c.parent ? `/categories/${c.parent.slug}` : '/categories'}>
          ← {c.parent ? pick(c.parent, 'name', lang) : t('categories.title')}
        </Link>
      </p>
      <h1>{pick(c, 'name', lang)}</h1>
      <p>{pick(c, 'description', lang)}</p>
      {c.children?.length ? (
        <ul className="chips">
          {c.children.map((ch) => (
            <li key={ch.id}>
              <Link className="chip" to={`/categories/${ch.slug}`}>
                {pick(ch, 'name', lang)}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
      <section>
        <h2>{t('categories.departments')}</h2>
        <Departments slugs={(c.departments || []).map((d) => d.slug || d)} />
      </section>
      <LinkList title={t('categories.conditions')} items={links.conditions} href={(x) => `/conditions/${x.slug}`} label={(x) => pick(x, 'name', lang)} />
      <LinkList title={t('conditions.relatedDrugs')} items={links.drugs} href={(x) => `/drugs/${x.id}`} label={(x) => pick(x, 'name', lang)} />
      <LinkList
        title={t('emergency.guides')}
        items={links.guides}
        href={(x) => `/emergency/guides/${x.slug}`}
        label={(x) => pick(x, 'title', lang)}
      />
    </article>
  );
}

/** A titled list of links to other pages; nothing when there are no items. */
function LinkList({ title, items, href, label }) {
  if (!items?.length) return null;
  return (
    <section>
      <h2>{title}</h2>
      <ul className="list">
        {items.map((x) => (
          <li key={x.id}>
            <Link to={href(x)}>{label(x)}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
