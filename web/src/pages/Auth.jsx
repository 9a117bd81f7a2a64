import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n/index.jsx';
import { useAuth } from '../api/auth.jsx';
import ErrorMessage from '../components/ErrorMessage.jsx';

export function Login() {
  const { t } = useI18n();
  const { login } = useAuth();
  const nav = useNavigate();
  const loc = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await login(email.trim(), password);
      nav(loc.state?.from || '/account');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="narrow">
      <h1>{t('auth.loginTitle')}</h1>
      {loc.state?.notice ? <p className="alert alert--ok" role="status">{t(loc.state.notice)}</p> : null}
      <form onSubmit={submit} className="stack" noValidate>
        <label className="field">
          <span>{t('auth.email')}</span>
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="login-email" />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
        </label>
        <ErrorMessage error={error} context={{ unauthorized: 'error.login_failed' }} />
        <button type="submit" className="btn" disabled={busy} data-testid="login-submit">
          {t('auth.loginButton')}
        </button>
      </form>
      <p>
        {t('auth.noAccount')} <Link to="/signup">{t('nav.signup')}</Link>
      </p>
    </div>
  );
}

export function Signup() {
  const { t } = useI18n();
  const { signup } = useAuth();
  const nav = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await signup(email.trim(), password, name.trim());
      nav('/account');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="narrow">
      <h1>{t('auth.signupTitle')}</h1>
      <form onSubmit={submit} className="stack" noValidate>
        <label className="field">
          <span>{t('auth.displayName')}</span>
          <input autoComplete="nickname" required maxLength={50} value={name} onChange={(e) => setName(e.target.value)} data-testid="signup-name" />
        </label>
        <label className="field">
          <span>{t('auth.email')}</span>
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="signup-email" />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input
            type="password"
            autoComplete="new-password"
            required
            aria-describedby="pw-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="signup-password"
          />
          <small id="pw-hint" className="muted">
            {t('auth.passwordHint')}
          </small>
        </label>
        <ErrorMessage error={error} context={{ conflict: 'error.email_taken' }} />
        <button type="submit" className="btn" disabled={busy} data-testid="signup-submit">
          {t('auth.signupButton')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to="/login">{t('nav.login')}</Link>
      </p>
    </div>
  );
}
