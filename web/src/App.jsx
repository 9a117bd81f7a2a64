import { useEffect, useRef, useState } from 'react';
import { BrowserRouter, Link, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { I18nProvider, useI18n } from './i18n/index.jsx';
import { AuthProvider, useAuth } from './api/auth.jsx';
import Disclaimer from './components/Disclaimer.jsx';
import Call119 from './components/Call119.jsx';
import Home from './pages/Home.jsx';
import Chat from './pages/Chat.jsx';
import Drugs from './pages/Drugs.jsx';
import DrugDetail from './pages/DrugDetail.jsx';
import Clinics from './pages/Clinics.jsx';
import ClinicDetail from './pages/ClinicDetail.jsx';
import { CategoryDetail, CategoryList } from './pages/Categories.jsx';
import { ConditionDetail, ConditionList } from './pages/Conditions.jsx';
import { Emergency, GuideDetail } from './pages/Emergency.jsx';
import { Login, Signup } from './pages/Auth.jsx';
import Account from './pages/Account.jsx';
import NotFound from './pages/NotFound.jsx';

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const other = lang === 'ko' ? 'en' : 'ko';
  return (
    <button type="button" className="lang" lang={other} aria-label={t('lang.switchToLabel')} onClick={() => setLang(other)} data-testid="lang-switch">
      {t('lang.switchTo')}
    </button>
  );
}

function Header() {
  const { t } = useI18n();
  const { signedIn, logout } = useAuth();
  const nav = useNavigate();
  const loc = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [loc.pathname]);
  const items = [
    ['/', 'nav.home'],
    ['/chat', 'nav.chat'],
    ['/drugs', 'nav.drugs'],
    ['/clinics', 'nav.clinics'],
    ['/conditions', 'nav.conditions'],
    ['/categories', 'nav.categories'],
    ['/emergency', 'nav.emergency'],
  ];
  return (
    <header className="header">
      <div className="header__bar">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true">
            +
          </span>
          {t('app.name')}
        </Link>
        <div className="header__actions">
          <Call119 label={t('call119.short')} />
          <LanguageSwitch />
          <button type="button" className="menu-toggle" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpen(!open)}>
            {t('nav.menu')}
          </button>
        </div>
      </div>
      <nav id="main-nav" className={open ? 'nav nav--open' : 'nav'} aria-label={t('nav.label')}>
        <ul>
          {items.map(([to, key]) => (
            <li key={to}>
              <NavLink to={to} end={to === '/'} className={key === 'nav.emergency' ? 'nav__emergency' : undefined}>
                {t(key)}
              </NavLink>
            </li>
          ))}
          {signedIn ? (
            <>
              <li>
                <NavLink to="/account" data-testid="nav-account">
                  {t('nav.account')}
                </NavLink>
              </li>
              <li>
                <button
                  type="button"
                  className="linklike"
                  data-testid="logout"
                  onClick={() => {
                    // leave the page first, so a page that needs sign-in does not redirect on its own
                    nav('/login', { state: { notice: 'auth.loggedOut' } });
                    logout();
                  }}
                >
                  {t('nav.logout')}
                </button>
              </li>
            </>
          ) : (
            <>
              <li>
                <NavLink to="/login" data-testid="nav-login">
                  {t('nav.login')}
                </NavLink>
              </li>
              <li>
                <NavLink to="/signup" data-testid="nav-signup">
                  {t('nav.signup')}
                </NavLink>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

/** Moves focus to the main region on navigation, so screen readers announce the new page. */
function FocusOnNavigate({ target }) {
  const loc = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (!loc.hash) target.current?.focus();
    window.scrollTo?.(0, 0);
  }, [loc.pathname, target, loc.hash]);
  return null;
}

export function Layout() {
  const { t } = useI18n();
  const main = useRef(null);
  return (
    <>
      <a className="skip-link" href="#main">
        {t('skip.toMain')}
      </a>
      <Header />
      <FocusOnNavigate target={main} />
      <main id="main" ref={main} tabIndex={-1} className="main">
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/chat" element={<Chat />} />
          <Route path="/drugs" element={<Drugs />} />
          <Route path="/drugs/:id" element={<DrugDetail />} />
          <Route path="/clinics" element={<Clinics />} />
          <Route path="/clinics/:id" element={<ClinicDetail />} />
          <Route path="/categories" element={<CategoryList />} />
          <Route path="/categories/:slug" element={<CategoryDetail />} />
          <Route path="/conditions" element={<ConditionList />} />
          <Route path="/conditions/:slug" element={<ConditionDetail />} />
          <Route path="/emergency" element={<Emergency />} />
          <Route path="/emergency/guides/:slug" element={<GuideDetail />} />
          <Route path="/login" element={<Login />} />
          <Route path="/signup" element={<Signup />} />
          <Route path="/account" element={<Account />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
      <footer className="footer">
        <Disclaimer />
        <p className="footer__call">
          <Call119 />
        </p>
      </footer>
    </>
  );
}

export default function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <BrowserRouter>
          <Layout />
        </BrowserRouter>
      </AuthProvider>
    </I18nProvider>
  );
}
