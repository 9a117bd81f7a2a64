import { useEffect, useRef, useState } from 'react';
import { Navigate } from 'react-router-dom';
import { useI18n } from '../i18n/index.jsx';
import { useAuth } from '../api/auth.jsx';
import { ApiError, api } from '../api/client.js';
import ErrorMessage from '../components/ErrorMessage.jsx';
import Loading from '../components/Loading.jsx';
import MedicationPicker from '../components/MedicationPicker.jsx';

const list = (s) =>
  s
    .split(/[,，、\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

export default function Account() {
  const { t } = useI18n();
  const { signedIn, forget } = useAuth();
  const [profile, setProfile] = useState(null);
  const [error, setError] = useState(null);
  const [form, setForm] = useState(null);
  const [saved, setSaved] = useState('');
  const [saveError, setSaveError] = useState(null);
  const [confirm, setConfirm] = useState('');
  const [deleteError, setDeleteError] = useState(null);
  // set once the account is deleted: the page then leaves on its own terms
  const leaving = useRef(false);

  useEffect(() => {
    if (!signedIn) return;
    api('/account/me')
      .then((p) => {
        setProfile(p);
        const h = p.health || {};
        setForm({
          display_name: p.display_name,
          birth_year: h.birth_year ?? '',
          sex: h.sex ?? '',
          pregnant: !!h.pregnant,
          allergies: (h.allergies || []).join(', '),
          chronic_conditions: (h.chronic_conditions || []).join(', '),
          medications: h.medications || [],
        });
      })
      .catch((e) => {
        if (e instanceof ApiError && e.code === 'unauthorized') forget();
        setError(e);
      });
  }, [signedIn, forget]);

  if (!signedIn) {
    if (leaving.current) return <Navigate to="/login" replace state={{ notice: 'account.deleted' }} />;
    return <Navigate to="/login" replace state={{ from: '/account', notice: 'auth.required' }} />;
  }
  if (error) return <ErrorMessage error={error} />;
  if (!profile || !form) return <Loading />;

  const set = (k) => (e) => setForm({ ...form, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });

  const save = async (e) => {
    e.preventDefault();
    setSaved('');
    setSaveError(null);
    const by = String(form.birth_year).trim();
    if (by && !/^\d{4}$/.test(by)) {
      setSaveError(new ApiError({ code: 'validation_failed', field: 'birth_year' }));
      return;
    }
    try {
      const p = await api('/account/me', {
        method: 'PATCH',
        body: {
          display_name: form.display_name,
          health: {
            birth_year: by ? Number(by) : null,
            sex: form.sex || null,
            pregnant: form.sex === 'male' ? null : form.pregnant,
            allergies: list(form.allergies),
            chronic_conditions: list(form.chronic_conditions),
            medications: form.medications,
          },
        },
      });
      if (p) setProfile(p);
      setSaved(t('common.saved'));
    } catch (err) {
      setSaveError(err);
    }
  };

  const del = async (e) => {
    e.preventDefault();
    setDeleteError(null);
    try {
      await api('/account/me', { method: 'DELETE' });
      leaving.current = true;
      forget();
    } catch (err) {
      setDeleteError(err);
    }
  };

  return (
    <div className="narrow">
      <h1>{t('account.title')}</h1>
      <p data-testid="account-greeting">{t('account.greeting', { name: profile.display_name })}</p>
      <form onSubmit={save} className="stack" noValidate>
        <fieldset>
          <legend>{t('account.profile')}</legend>
          <p className="muted">
            {t('auth.email')}: {profile.email}
          </p>
          <label className="field">
            <span>{t('auth.displayName')}</span>
            <input value={form.display_name} onChange={set('display_name')} maxLength={50} />
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('account.health')}</legend>
          <p className="muted">{t('account.healthIntro')}</p>
          <label className="field">
            <span>{t('account.birthYear')}</span>
            <input inputMode="numeric" value={form.birth_year} onChange={set('birth_year')} data-testid="birth-year" />
          </label>
          <label className="field">
            <span>{t('account.sex')}</span>
            <select value={form.sex} onChange={set('sex')}>
              <option value="">{t('account.sexNone')}</option>
              <option value="female">{t('account.sexFemale')}</option>
              <option value="male">{t('account.sexMale')}</option>
            </select>
          </label>
          {form.sex !== 'male' ? (
            <label className="check">
              <input type="checkbox" checked={form.pregnant} onChange={set('pregnant')} />
              <span>{t('account.pregnant')}</span>
            </label>
          ) : null}
          <label className="field">
            <span>{t('account.allergies')}</span>
            <input value={form.allergies} onChange={set('allergies')} data-testid="allergies" />
          </label>
          <label className="field">
            <span>{t('account.chronic')}</span>
            <input value={form.chronic_conditions} onChange={set('chronic_conditions')} />
          </label>
          <MedicationPicker value={form.medications} onChange={(medications) => setForm({ ...form, medications })} />
        </fieldset>
        <ErrorMessage error={saveError} />
        {saved ? (
          <p className="alert alert--ok" role="status" data-testid="saved">
            {saved}
          </p>
        ) : null}
        <button type="submit" className="btn" data-testid="save-profile">
          {t('common.save')}
        </button>
      </form>
      <form onSubmit={del} className="panel panel--danger stack">
        <h2>{t('account.delete')}</h2>
        <p>{t('account.deleteIntro')}</p>
        <label className="field">
          <span>{t('account.deleteConfirm')}</span>
          <input value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="delete-confirm" />
        </label>
        <ErrorMessage error={deleteError} />
        <button type="submit" className="btn btn--danger" disabled={confirm.trim() !== t('account.deleteWord')} data-testid="delete-account">
          {t('account.deleteButton')}
        </button>
      </form>
    </div>
  );
}
